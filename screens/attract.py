"""The attract screen: who we are, what time it is, how to start."""
from __future__ import annotations

import datetime

from kivy.clock import Clock
from kivy.properties import StringProperty
from kivy.uix.screenmanager import Screen

from common.i18n import format_date


class AttractScreen(Screen):
    """Shown while nobody uses the kiosk. Any touch (outside the language switch) starts a session."""

    time_text = StringProperty("")
    reminder = StringProperty("")  # msgid: "please take your ID card" after a session ended with it on the reader
    date_text = StringProperty("")
    __events__ = ("on_start_session",)

    def __init__(self, translator, **kwargs) -> None:
        self._translator = translator
        self._clock_event = None
        super().__init__(**kwargs)
        translator.on_change(lambda _lang: self.refresh_clock())
        self.refresh_clock()

    def on_enter(self, *_args) -> None:
        # Tick only while visible: an idle kiosk must not wake up more than once a second.
        self._clock_event = Clock.schedule_interval(lambda _dt: self.refresh_clock(), 1.0)

    def on_leave(self, *_args) -> None:
        if self._clock_event is not None:
            self._clock_event.cancel()
            self._clock_event = None

    def refresh_clock(self) -> None:
        now = datetime.datetime.now()
        self.time_text = now.strftime("%H:%M")
        self.date_text = format_date(now.date(), self._translator)

    def on_touch_down(self, touch):
        if super().on_touch_down(touch):  # a language button took it
            return True
        if self.collide_point(*touch.pos):
            self.dispatch("on_start_session")
            return True
        return False

    def on_start_session(self) -> None:
        """Dispatched when a citizen touches the screen."""
