"""What a frame costs to draw in software OpenGL: the two causes of 150-700 ms frames that were found
(python -m benchmarks.frame_gaps) stay fixed."""
import ctypes
import ctypes.util

import pytest

pytestmark = pytest.mark.ui


class _WindowAttributes(ctypes.Structure):
    # The head of Xlib's XWindowAttributes; the padding covers the fields not read here.
    _fields_ = [("x", ctypes.c_int), ("y", ctypes.c_int), ("width", ctypes.c_int), ("height", ctypes.c_int),
                ("border_width", ctypes.c_int), ("depth", ctypes.c_int), ("visual", ctypes.c_void_p),
                ("rest", ctypes.c_byte * 256)]


def test_the_window_is_drawn_in_the_screens_opaque_visual_not_a_32_bit_argb_one(kiosk_app):
    from kivy.core.window import Window

    from screens.kivy_setup import default_x_visual

    info = Window.get_window_info()
    x11 = ctypes.CDLL(ctypes.util.find_library("X11"))
    x11.XGetWindowAttributes.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(_WindowAttributes)]
    x11.XVisualIDFromVisual.restype, x11.XVisualIDFromVisual.argtypes = ctypes.c_ulong, [ctypes.c_void_p]
    attributes = _WindowAttributes()
    assert x11.XGetWindowAttributes(info.display, info.window, ctypes.byref(attributes))
    assert attributes.depth == 24  # a 32-bit ARGB window is converted pixel by pixel on every frame
    assert x11.XVisualIDFromVisual(attributes.visual) == default_x_visual()


def test_no_stencil_clip_is_drawn_around_the_screens(kiosk_app):
    from kivy.graphics import StencilPush

    manager = kiosk_app.manager
    instructions = [*manager.canvas.before.children, *manager.canvas.children, *manager.canvas.after.children]
    assert not [i for i in instructions if isinstance(i, StencilPush)]


def test_the_kiosk_clock_holds_its_cap_of_30_frames_a_second(kiosk_app):
    """Kivy's own sleep stopped 20 ms early at a cap of 30: a window that draws fast (a terminal's GPU)
    drew 40-75 frames a second, each one CPU the face check or a call needs. The clock's ticks are
    timed here without drawing, so only the sleep counts; a busy machine only ticks fewer."""
    import time

    from kivy.clock import Clock

    Clock.tick()
    ticks, started = 0, time.perf_counter()
    while time.perf_counter() - started < 1.0:  # a measuring window, not a wait for something
        Clock.tick()
        ticks += 1
    assert ticks / (time.perf_counter() - started) <= 33


@pytest.mark.parametrize("text, whole", [("YY20261130000002", True), ("增值税普通发票，电子发票专用", False)])
def test_a_number_in_a_narrow_cell_shrinks_rather_than_split_a_chinese_name_stops_at_the_floor(kiosk_app, text, whole):
    from kivy.core.text import Label as CoreLabel

    from screens.widgets import FitLabel

    cell = FitLabel(text=text, largest=40, smallest=0.6, size=(150, 40))
    cell.fit()
    width = CoreLabel(font_name=cell.font_name, font_size=cell.font_size).get_extents(text)[0]
    if whole:  # a receipt number never wraps: it fits on its one line
        assert width <= 150 and cell.font_size < 40 * 0.6
    else:  # words can wrap; the text never becomes smaller than the floor
        assert cell.font_size == 40 * 0.6


def test_shrunk_sizes_are_the_type_scale_so_the_text_renderer_keeps_few_fonts_open(kiosk_app):
    """Kivy's SDL2 text renderer opens the font file once per (font, size) and keeps 64: sizes in
    proportion to each text and width made a new one almost every time (the soak saw the open
    bold font files grow by 4 and freed-but-kept memory by 85 MB), and whole pixels below each
    label's own largest size still made one per pixel from 9 to 40."""
    from kivy.metrics import sp

    from screens.widgets import TYPE_SCALE_SP, FitLabel

    scale = {sp(v) for v in TYPE_SCALE_SP}
    sizes = set()
    for largest in (sp(22), sp(24), sp(26), sp(28), sp(30), sp(32), sp(34), sp(40)):
        for n in range(60):
            cell = FitLabel(text=f"YY2026113000{n:04d}", largest=largest, size=(100 + 3 * n, 40))
            sizes.add(cell.font_size)
    assert sizes <= scale
    assert len(sizes) <= 12  # 8 largest sizes, each shrunk from 100 to 280 px: whole pixels made 27


def test_every_text_size_the_screens_give_is_on_the_type_scale():
    """A size off the scale is one more font open for good (one file, about 2.5 MB)."""
    import re
    from pathlib import Path

    from screens.widgets import TYPE_SCALE_SP

    screens = Path(__file__).resolve().parents[2] / "screens"
    given = {float(v) for path in screens.rglob("*.kv") for v in re.findall(r"'([0-9.]+)sp'", path.read_text())}
    given |= {float(v) for path in screens.rglob("*.py") for v in re.findall(r"[\"']([0-9.]+)sp[\"']", path.read_text())}
    assert given and given <= set(TYPE_SCALE_SP), sorted(given - set(TYPE_SCALE_SP))


def test_a_cell_made_bold_after_its_text_fits_again(kiosk_app):
    """A recycled table row sets its cells' weight after their text: the fit must follow the weight."""
    from kivy.core.text import Label as CoreLabel

    from screens.widgets import FitLabel

    cell = FitLabel(text="YY20261130000002", largest=40, padding=(6, 0), size=(240, 40))
    cell.bold = True
    width = CoreLabel(font_name=cell.font_name, font_size=cell.font_size, bold=True).get_extents(cell.text)[0]
    assert width <= 240 - 12


def test_a_date_and_time_that_fits_when_shrunk_stays_on_one_line(kiosk_app):
    """A table's time column (24 px, 240 px wide) at normal text size: the shrunk size is measured
    again, as glyph widths round to whole pixels and a size in proportion left it 1.5 px too wide."""
    from kivy.core.text import Label as CoreLabel

    from screens.widgets import FitLabel

    cell = FitLabel(text="2026-12-02 09:00-09:30", largest=24, padding=(6, 0), size=(240.5, 56))
    cell.text_size = (240.5, None)
    width, height = CoreLabel(font_name=cell.font_name, font_size=cell.font_size).get_extents(cell.text)
    cell.texture_update()
    assert width <= 240.5 - 12 and cell.texture_size[1] <= height


def test_scrolling_does_not_pile_up_scroll_bar_bindings(kiosk_app):
    """Kivy's ScrollView bound bar_color on every scroll update and unbound it once: the guide's
    scroll view kept about 3.5 more bindings per session, for good."""
    scroll_view = next(w for w in kiosk_app.guide.walk(restrict=True) if type(w).__name__ == "ScrollView")
    scroll_view.update_from_scroll()
    bindings = len(scroll_view.get_property_observers("bar_color"))
    for _ in range(20):
        scroll_view.update_from_scroll()
    assert len(scroll_view.get_property_observers("bar_color")) == bindings
