"""Chinese renders in the Simplified-Chinese face, rare name characters included."""
import numpy as np
import pytest

pytestmark = pytest.mark.ui
RARE_NAME_CHARACTERS = "䶮𠮷堃喆昇"
TTC = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


def render(text: str, font_name: str | None = None) -> np.ndarray:
    from kivy.core.text import Label as CoreLabel

    label = CoreLabel(text=text, font_size=64, **({"font_name": font_name} if font_name else {}))
    label.refresh()
    texture = label.texture
    return np.frombuffer(texture.pixels, np.uint8).reshape(texture.height, texture.width, 4)[..., 3]


@pytest.fixture(scope="module")
def fonts():
    from screens.kivy_setup import register_fonts

    register_fonts()


@pytest.mark.parametrize("character", list(RARE_NAME_CHARACTERS))
def test_rare_name_characters_have_real_glyphs(fonts, character):
    tofu = render("\U000F0000")  # a private-use code point: the font's missing-glyph box
    glyph = render(character)
    assert glyph.any(), f"{character} rendered as nothing"
    assert glyph.shape != tofu.shape or not np.array_equal(glyph, tofu), f"{character} rendered as a box"


def test_default_face_is_simplified_chinese_not_the_japanese_face_of_the_collection(fonts):
    from screens.kivy_setup import FONT_REGULAR

    # 直 differs between the Japanese and Simplified-Chinese designs of Noto Sans CJK.
    default = render("直")
    assert np.array_equal(default, render("直", str(FONT_REGULAR)))
    assert not np.array_equal(default, render("直", TTC))  # Kivy would take the .ttc's first, Japanese, face
