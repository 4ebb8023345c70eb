"""Chinese on screen breaks by the rules at the widths the screens use, normal and large text.

Every message (zh_CN, zh_HK) and every catalog text is broken for the label widths of the
1080-pixel portrait screen (its width less the paddings of the kv layouts) in the label fonts of
style.kv, at normal size and at the large-text scale, and Kivy then lays the broken text out
without cutting any line again.
"""
import pytest

from tests.catalog_texts import all_texts
from tests.linebreak_rules import violations

pytestmark = pytest.mark.ui
SCREEN = 1080
WIDTHS = [SCREEN - 2 * 40, SCREEN - 2 * 56, SCREEN - 2 * 48 - 2 * 24]  # home/forms, journey cards, guide sections
FONTS = [(28, False), (40, True), (52, True)]                          # Body, Heading, Title (sp)
SCALES = [1.0, 1.35]                                                   # [ui] large_text_scale


@pytest.fixture(scope="module")
def fonts():
    from screens.kivy_setup import register_fonts

    register_fonts()


@pytest.mark.parametrize("lang", ["zh_CN", "zh_HK"])
def test_every_text_breaks_by_the_rules_at_every_screen_width(fonts, lang):
    from kivy.core.text import DEFAULT_FONT
    from kivy.core.text import Label as CoreLabel

    from screens.linebreak import break_text

    problems = []
    for size, bold in FONTS:
        for scale in SCALES:
            font_size = size * scale  # sp = px here: the test window's density is 1
            measure = CoreLabel(font_name=DEFAULT_FONT, font_size=font_size, bold=bold).get_extents
            for width in WIDTHS:
                for where, text in all_texts(lang):
                    lines = break_text(text, width, DEFAULT_FONT, font_size, bold).split("\n")
                    problems += [f"{where} at {width}px {size}sp x{scale}: {v}"
                                 for v in violations(lines, width, lambda t: measure(t)[0], text)]
    assert not problems, "\n".join(problems[:40])


@pytest.mark.parametrize("lang", ["zh_CN", "zh_HK"])
def test_kivy_keeps_the_lines_it_is_given(fonts, lang):
    """A label fed the broken text at its width shows exactly those lines (Kivy cuts none again)."""
    from kivy.core.text import DEFAULT_FONT

    from screens.linebreak import BrokenLabel

    width, font_size = WIDTHS[1], 28 * 1.35
    label = BrokenLabel(font_size=font_size, text_size=(width, None), line_height=1.25)
    recut = []
    for where, text in all_texts(lang):
        label.text = text
        label.texture_update()
        given = label._label.text.split("\n")
        shown = [("".join(word.text for word in line.words)).rstrip() for line in label._label._cached_lines]
        if [line.rstrip() for line in given] != shown:
            recut.append(f"{where}: given {given}, shown {shown}")
    assert label.font_name == DEFAULT_FONT
    assert not recut, "\n".join(recut[:20])
