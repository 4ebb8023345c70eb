"""Where the visible text of the window is: one record per label (buttons included) for contrast checks.

The gallery writes these records next to each screenshot (``--labels``); ``screens.contrast``
then measures each label's text colour against the background drawn behind it.
"""
from __future__ import annotations

from kivy.core.window import Window
from kivy.uix.label import Label
from kivy.uix.stencilview import StencilView
from kivy.uix.widget import Widget


def _intersect(a, b):
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[2], b[2]), min(a[3], b[3])
    return (x0, y0, x1, y1) if x0 < x1 and y0 < y1 else None


def _window_box(widget: Widget, x: float, y: float, w: float, h: float):
    x0, y0 = widget.to_window(x, y)
    x1, y1 = widget.to_window(x + w, y + h)
    return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


def visible_labels() -> list[dict]:
    """Every label of the topmost layer of the window whose text is on screen.

    Each record: ``text``, ``box`` (left, top, right, bottom in screenshot pixels, the part of the
    text's texture that is not clipped), ``full`` (False when clipped by a scroll view or the
    window), ``color`` (the RGBA the text is drawn in, the widget's opacity chain folded into
    alpha), ``widget`` (class name), ``test_name``.
    """
    top = Window.children[0]  # an open overlay (the countdown) covers what is below it
    out: list[dict] = []
    screen = (0, 0, Window.width, Window.height)

    def walk(widget: Widget, opacity: float, clip) -> None:
        opacity *= widget.opacity
        if opacity <= 0.01 or clip is None:
            return
        if isinstance(widget, StencilView):
            clip = _intersect(clip, _window_box(widget, widget.x, widget.y, widget.width, widget.height))
            if clip is None:
                return
        if isinstance(widget, Label) and widget.text.strip() and widget.texture_size[0] > 0:
            tw, th = widget.texture_size
            box = _window_box(widget, widget.center_x - tw / 2, widget.center_y - th / 2, tw, th)
            shown = _intersect(box, clip)
            if shown is not None:
                color = widget.disabled_color if widget.disabled else widget.color
                out.append({
                    "text": widget.text,
                    "box": [round(shown[0]), round(Window.height - shown[3]),
                            round(shown[2]), round(Window.height - shown[1])],
                    "full": shown == box,
                    "color": [*color[:3], color[3] * opacity],
                    "widget": type(widget).__name__,
                    "test_name": getattr(widget, "test_name", ""),
                })
        for child in widget.children:
            walk(child, opacity, clip)

    walk(top, 1.0, screen)
    return out
