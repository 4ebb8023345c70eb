"""The live preview widget: one texture updated in place, the right way up, mirrored, with the prompt."""
import os

import numpy as np
import pytest

pytestmark = [
    pytest.mark.ui,
    pytest.mark.skipif(not os.environ.get("DISPLAY"), reason="needs a display: run under xvfb-run (make test does)"),
]


@pytest.fixture(scope="module")
def window():
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_NO_CONFIG", "1")
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    from kivy.base import EventLoop

    EventLoop.ensure_window()
    return EventLoop.window


@pytest.fixture
def preview(window):
    from kivy.base import EventLoop
    from screens.face_preview import FacePreview

    widget = FacePreview(size_hint=(None, None))  # the test sets its size; the window must not
    window.add_widget(widget)
    yield widget
    window.remove_widget(widget)
    EventLoop.idle()


def frame(width=320, height=240):
    """Red top half, blue bottom half, a green strip at the image's left edge."""
    f = np.zeros((height, width, 3), np.uint8)
    f[: height // 2] = (255, 0, 0)
    f[height // 2 :] = (0, 0, 255)
    f[:, : width // 8] = (0, 255, 0)
    return f


def screen(widget):
    """The widget as drawn, top row first, RGB."""
    from kivy.base import EventLoop

    EventLoop.idle()
    texture = widget.export_as_image().texture
    return np.frombuffer(texture.pixels, np.uint8).reshape(texture.height, texture.width, 4)[..., :3]


def colour_at(pixels, fx, fy):
    h, w = pixels.shape[:2]
    return tuple(int(v) for v in pixels[int(fy * (h - 1)), int(fx * (w - 1))])


def test_one_texture_is_created_and_updated_in_place(preview):
    preview.size = (800, 600)
    shared = frame()
    shared.flags.writeable = False  # as cameras hand frames out
    preview.update(shared)
    texture = preview.texture
    for _ in range(5):
        preview.update(frame()[::-1].copy())
    assert preview.texture is texture
    preview.update(frame(640, 480))  # another camera resolution: a new texture, once
    assert preview.texture is not texture and preview.texture.size == (640, 480)


def test_a_frame_larger_than_the_widget_is_uploaded_at_the_size_shown(preview):
    """A 640 x 480 camera in a 160 x 120 preview uploads 160 x 120 texels, not four times as many per side."""
    preview.size = (160, 130)
    preview.update(frame(640, 480))
    texture = preview.texture
    assert texture.size == (160, 120)
    preview.update(frame(640, 480))
    assert preview.texture is texture
    pixels = screen(preview)
    assert colour_at(pixels, 0.5, 0.3) == (255, 0, 0) and colour_at(pixels, 0.5, 0.7) == (0, 0, 255)


def test_picture_is_upright_and_mirrored_like_a_looking_glass(preview):
    preview.size = (400, 300)
    preview.update(frame())
    pixels = screen(preview)
    assert colour_at(pixels, 0.5, 0.25) == (255, 0, 0)  # the frame's top is at the top
    assert colour_at(pixels, 0.5, 0.75) == (0, 0, 255)
    assert colour_at(pixels, 0.97, 0.9) == (0, 255, 0)  # the image's left edge shows on the right
    preview.mirror = False
    assert colour_at(screen(preview), 0.03, 0.9) == (0, 255, 0)


def test_clear_blanks_the_last_face_and_the_prompt(preview):
    preview.size = (400, 300)
    preview.update(frame())
    preview.prompt = "Please blink"
    preview.clear()
    assert colour_at(screen(preview), 0.5, 0.25) == (0, 0, 0)
    assert preview.prompt == "" and preview.texture is not None


def test_prompt_is_shown_with_the_simplified_chinese_font(preview):
    from screens.face_preview import _CJK_FONT

    if not _CJK_FONT.exists():
        pytest.skip("run scripts/prepare_font.py first (make setup does)")
    preview.prompt = "请眨眨眼"
    assert preview._label.text == "请眨眨眼" and preview._label.font_name == str(_CJK_FONT)


def test_nothing_but_black_before_the_first_frame(window):
    from screens.face_preview import FacePreview

    widget = FacePreview()
    window.add_widget(widget)
    try:
        assert colour_at(screen(widget), 0.5, 0.5) == (0, 0, 0)
    finally:
        window.remove_widget(widget)
