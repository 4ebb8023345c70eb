"""Every text of every gallery screen reads at 4.5:1 or better, in every language, normal and large
text, and the home screen shows every department's name without scrolling.

The gallery (``python -m screens.gallery OUTDIR --lang L [--large-text] --labels``) renders the real
app once per language and size; ``screens.contrast`` measures each label's background on the
screenshot. Slow (the whole journey per run), so one run per case.
"""
import re
import subprocess
import sys
from pathlib import Path

import pytest

from common.i18n import Translator
from kiosk.catalog import load_catalog
from screens.contrast import WCAG_AA, measure_gallery

pytestmark = [pytest.mark.ui, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u3400-\u9fff]")
LANGUAGE_BUTTONS = {"简体中文", "繁體中文"}


def render_gallery(outdir: Path, lang: str, large: bool) -> subprocess.CompletedProcess:
    argv = [sys.executable, "-m", "screens.gallery", str(outdir), "--lang", lang, "--labels"]
    return subprocess.run(argv + (["--large-text"] if large else []), cwd=ROOT, capture_output=True,
                          text=True, timeout=840)


def department_names(lang: str) -> set[str]:
    from screens.home import DEPARTMENT_NAMES

    translator = Translator(lang)
    return {translator.gettext(DEPARTMENT_NAMES[d]) for d in {s.department for s in load_catalog()}}


@pytest.mark.timeout(900)
@pytest.mark.parametrize("large", [False, True], ids=["normal", "large"])
@pytest.mark.parametrize("lang", ["zh_CN", "zh_HK", "en"])
def test_gallery_text_contrast_and_home_departments(tmp_path, lang, large):
    import json

    gallery = render_gallery(tmp_path, lang, large)
    results = measure_gallery(tmp_path)  # the screens it did render, even if a later one failed
    low = [r.describe() for r in sorted(results, key=lambda r: r.ratio) if r.ratio < WCAG_AA]
    assert not low, f"{len(low)} labels under {WCAG_AA}:1:\n" + "\n".join(low)
    blank = [r.describe() for r in results if r.full and not r.inked]
    assert not blank, "labels whose text is not drawn:\n" + "\n".join(blank)

    if lang == "en":  # the shell's own screens too, not only the journey's (a session end restores Chinese)
        shell = {name: json.loads((tmp_path / f"{name}.labels.json").read_text(encoding="utf-8"))
                 for name in ("01-attract", "15-countdown", "16-unavailable")}
        chinese = {name: [r["text"] for r in records if CJK.search(r["text"]) and r["text"] not in LANGUAGE_BUTTONS]
                   for name, records in shell.items()}
        assert not any(chinese.values()), f"Chinese in the English gallery: {chinese}"

    home = json.loads((tmp_path / "02-home.labels.json").read_text(encoding="utf-8"))
    shown = {label["text"] for label in home if label["full"]}
    missing = department_names(lang) - shown
    assert not missing, f"departments not fully visible on the home screen without scrolling: {missing}"
    assert gallery.returncode == 0, "the gallery did not render every screen:\n" + gallery.stderr[-3000:]


@pytest.mark.timeout(180)
@pytest.mark.parametrize("scene, says", [
    ("('01-broken', lambda: 1 / 0, lambda: True)", "01-broken failed"),
    # A readiness check runs on Kivy's clock: raised there, it ended the wait for good and the gallery hung.
    ("('01-broken', lambda: None, lambda: 1 / 0)", "01-broken: its readiness check failed"),
], ids=["action", "readiness check"])
def test_a_scene_that_raises_stops_the_gallery_with_its_error_instead_of_hanging(tmp_path, scene, says):
    broken = ("import screens.gallery as g, sys\n"
              f"sys.exit(g.main([{str(tmp_path)!r}], scene_list=lambda app: [{scene}]))")
    run = subprocess.run([sys.executable, "-c", broken], cwd=ROOT, capture_output=True, text=True, timeout=150)
    assert run.returncode == 1 and says in run.stderr and "ZeroDivisionError" in run.stderr, run.stderr[-2000:]
