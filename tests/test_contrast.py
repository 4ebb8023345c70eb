"""WCAG contrast: the formula, the measurement on a screenshot, and the colours of style.kv."""
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from screens.contrast import WCAG_AA, contrast_ratio, measure

STYLE = Path(__file__).resolve().parent.parent / "screens" / "style.kv"


def kv_colours():
    sets = re.findall(r"^#:set (\w+) \(([\d., ]+)\)", STYLE.read_text(encoding="utf-8"), re.M)
    return {name: tuple(float(v) for v in values.split(","))[:3] for name, values in sets}


def test_wcag_reference_values():
    assert contrast_ratio((0, 0, 0), (1, 1, 1)) == pytest.approx(21)
    assert contrast_ratio((0x76 / 255,) * 3, (1, 1, 1)) == pytest.approx(4.54, abs=0.01)  # the classic AA grey
    assert contrast_ratio((1, 1, 1), (1, 1, 1)) == 1


def screenshot(tmp_path, background, ink):
    image = np.zeros((200, 300, 3), np.uint8)
    image[:] = np.array(background) * 255
    image[80:100, 40:200] = np.array(ink) * 255  # the "text" strokes
    path = tmp_path / "shot.png"
    Image.fromarray(image).save(path)
    return path


def test_grey_text_on_blue_is_measured_as_the_citizen_saw_it(tmp_path):
    """Disabled buttons were grey on blue: 1.3:1."""
    grey, blue = (0.38, 0.40, 0.45), (0.09, 0.33, 0.65)
    shot = screenshot(tmp_path, blue, grey)
    label = {"text": "开始办理", "box": [20, 60, 280, 140], "color": [*grey, 1.0], "widget": "Button"}
    [result] = measure(shot, [label])
    assert result.ratio == pytest.approx(1.28, abs=0.02)
    assert result.inked
    assert result.background == pytest.approx(blue, abs=0.006)


def test_opacity_fades_the_text_into_its_background(tmp_path):
    shot = screenshot(tmp_path, (1, 1, 1), (0, 0, 0))
    label = {"text": "Start", "box": [20, 60, 280, 140], "color": [0, 0, 0, 0.4], "widget": "Button"}
    [faded] = measure(shot, [label])
    assert faded.ratio < WCAG_AA < contrast_ratio((0, 0, 0), (1, 1, 1))


def test_a_label_with_nothing_drawn_is_reported(tmp_path):
    shot = screenshot(tmp_path, (1, 1, 1), (1, 1, 1))
    [result] = measure(shot, [{"text": "x", "box": [0, 0, 50, 50], "color": [0, 0, 0, 1], "widget": "Label"}])
    assert not result.inked


@pytest.mark.parametrize("text,background", [
    ("INK", "PAPER"), ("INK", "CARD"), ("INK", "DISABLED"), ("MUTED", "PAPER"), ("MUTED", "CARD"),
    ("MUTED", "DISABLED"),   # unavailable tiles and the text of disabled buttons
    ("WARN", "PAPER"), ("WARN", "CARD"), ("WARN", "DISABLED"), ("PRIMARY_DARK", "DISABLED"),
])
def test_style_text_colours_read_on_their_backgrounds(text, background):
    colours = kv_colours()
    assert contrast_ratio(colours[text], colours[background]) >= WCAG_AA
