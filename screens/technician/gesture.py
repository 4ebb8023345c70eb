"""The hidden way into technician mode: hold the attract screen's top-left corner for 3 seconds.

A short touch there is an ordinary touch (it starts a citizen's session when lifted). The corner
is an invisible widget on the attract screen, so nothing about it is drawn or translated.
"""
from __future__ import annotations

from kivy.clock import Clock
from kivy.metrics import dp
from kivy.uix.widget import Widget

HOLD_S = 3.0


class HiddenCorner(Widget):
    """Calls ``on_hold()`` after a touch held ``HOLD_S`` in the corner; ``on_tap()`` on a shorter one."""

    def __init__(self, on_hold, on_tap, **kwargs) -> None:
        super().__init__(size_hint=(None, None), size=(dp(160), dp(160)), pos_hint={"x": 0, "top": 1}, **kwargs)
        self.test_name = "hidden corner"
        self.on_hold, self.on_tap = on_hold, on_tap
        self._timer = None

    def on_touch_down(self, touch):
        if not self.collide_point(*touch.pos):
            return False
        touch.grab(self)
        self._timer = Clock.schedule_once(lambda _dt: self._held(), HOLD_S)
        return True

    def on_touch_up(self, touch):
        if touch.grab_current is not self:
            return False
        touch.ungrab(self)
        if self._timer is not None:  # released early: an ordinary touch
            self._timer.cancel()
            self._timer = None
            self.on_tap()
        return True

    def _held(self) -> None:
        self._timer = None
        self.on_hold()
