"""The signature screen: what the citizen confirms, a pad to sign on with a finger, Clear and Confirm.

The pad records each stroke as a time series in its own frame (``FRAME_WIDTH`` wide, as tall as
the pad's shape makes it, origin top left): ``[x, y, t, pen]``, ``t`` in milliseconds since the
first point, ``pen`` 0 where the finger was lifted. It draws what it records. Its points are the
citizen's biometric data: dropped on Clear, on leaving the screen and at the session's end.
"""
from __future__ import annotations

import math
import time

from kivy.graphics import Color, Line
from kivy.properties import StringProperty
from kivy.uix.widget import Widget

from screens.steps.base import StepScreen

FRAME_WIDTH = 1000
MIN_MOVE = 3            # frame units: closer points add nothing but bytes
MAX_POINTS = 4000       # the contract's limit
INK_RGBA = (0.05, 0.10, 0.30, 1)


class SignatureView(Widget):
    """A signature given before, drawn read-only and scaled into the widget (the review shows what was
    signed). ``drawing`` is a ``drivers.printer.receipt.Drawing``; dropped with the review's rows."""

    def __init__(self, drawing, **kwargs) -> None:
        super().__init__(**kwargs)
        self.drawing = drawing
        self.bind(size=lambda *_: self._draw(), pos=lambda *_: self._draw())

    def _draw(self) -> None:
        d = self.drawing
        self.canvas.clear()
        scale = min(self.width / max(d.width, 1), self.height / max(d.height, 1))
        left = self.x + (self.width - d.width * scale) / 2
        top = self.top - (self.height - d.height * scale) / 2
        with self.canvas:
            Color(*INK_RGBA)
            for line in d.lines:
                points = [c for x, y in line for c in (left + x * scale, top - y * scale)]
                if len(points) >= 4:
                    Line(points=points, width=2)


class SignaturePad(Widget):
    """A box to sign in with a finger (kv: ``SignaturePad`` in signature.kv)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.points: list[list[int]] = []
        self._t0: float | None = None
        self.bind(size=lambda *_: self._redraw(), pos=lambda *_: self._redraw())

    # -- what was drawn ------------------------------------------------------------------------
    def strokes(self) -> dict:
        """``{width, height, points}`` in the pad's frame."""
        height = max(1, round(self.height / max(self.width, 1) * FRAME_WIDTH))
        return {"width": FRAME_WIDTH, "height": height, "points": [list(p) for p in self.points]}

    def clear(self) -> None:
        """Forget and erase everything drawn."""
        for point in self.points:
            point[:] = [0, 0, 0, 0]  # the list objects may be shared with a strokes() copy's caller
        self.points = []
        self._t0 = None
        self._redraw()

    # -- touches -------------------------------------------------------------------------------
    def on_touch_down(self, touch) -> bool:
        if not self.collide_point(*touch.pos) or self.disabled:
            return super().on_touch_down(touch)
        touch.grab(self)
        self._add(touch, pen=1, force=True)
        return True

    def on_touch_move(self, touch) -> bool:
        if touch.grab_current is not self:
            return super().on_touch_move(touch)
        self._add(touch, pen=1)
        return True

    def on_touch_up(self, touch) -> bool:
        if touch.grab_current is not self:
            return super().on_touch_up(touch)
        touch.ungrab(self)
        self._add(touch, pen=0, force=True)
        return True

    def _add(self, touch, pen: int, force: bool = False) -> None:
        if len(self.points) >= MAX_POINTS:
            return
        scale = FRAME_WIDTH / max(self.width, 1)
        x = min(max(round((touch.x - self.x) * scale), 0), FRAME_WIDTH)
        y = min(max(round((self.top - touch.y) * scale), 0), round(self.height * scale))
        now = time.monotonic()
        if self._t0 is None:
            self._t0 = now
        t = round((now - self._t0) * 1000)
        last = self.points[-1] if self.points else None
        if not force and last is not None and last[3] == 1 and math.dist(last[:2], (x, y)) < MIN_MOVE:
            return
        if pen == 0 and last is not None and last[3] == 1 and last[:2] == [x, y]:
            last[3] = 0  # lifted where it last was: mark the end of the stroke on that point
            return
        self.points.append([x, y, t, pen])
        self._redraw()

    def _redraw(self) -> None:
        self.canvas.after.clear()
        if not self.points:
            return
        scale = max(self.width, 1) / FRAME_WIDTH
        with self.canvas.after:
            Color(*INK_RGBA)
            line: list[float] = []
            for x, y, _t, pen in self.points:
                line += [self.x + x * scale, self.top - y * scale]
                if pen == 0:
                    Line(points=line if len(line) > 2 else line * 2, width=2.5)
                    line = []
            if line:
                Line(points=line if len(line) > 2 else line * 2, width=2.5)


class SignatureScreen(StepScreen):
    """Sign in the box; Clear starts again; Confirm binds the signature (the engine decides)."""

    statement = StringProperty("")

    def __init__(self, translator, **kwargs) -> None:
        super().__init__(translator, **kwargs)
        self._signing = None  # the step the pad was cleared for

    def refresh(self) -> None:
        if self._signing is not self.step:  # the next party's signature on the same screen: a clean pad
            self._signing = self.step
            self.ids.pad.clear()
        self.statement = self.pick(self.step.settings.statement)

    def on_pre_enter(self, *args) -> None:
        self.ids.pad.clear()  # a new signature every time: never one left from before
        super().on_pre_enter(*args)

    def on_leave(self, *args) -> None:
        self._signing = None
        self.ids.pad.clear()

    def clear_pad(self) -> None:
        self.ids.pad.clear()
        self.act("clear")

    def confirm(self) -> None:
        self.act("sign", strokes=self.ids.pad.strokes())

    def clear(self) -> None:
        super().clear()
        self.statement = ""
        self._signing = None
        self.ids.pad.clear()
