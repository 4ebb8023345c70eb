"""Technician mode in the Kivy shell.

The shell adds one object: ``TechnicianShell(app)``. It adds the technician screens to the app's
ScreenManager, the hidden corner to the attract screen, the touch correction to Kivy's input, and
shows the PIN pad, the dashboard or the citizen's screen as the technician mode's phase changes.
"""
from __future__ import annotations

import threading
from typing import Any, Callable

from kivy.base import EventLoop
from kivy.clock import Clock
from kivy.core.window import Window

from kiosk.technician.mode import Phase
from kiosk.technician.service import Technician
from screens.technician.camera_page import CameraPage
from screens.technician.dashboard import DashboardScreen
from screens.technician.export_page import ExportPage
from screens.technician.gesture import HiddenCorner
from screens.technician.pin import PinScreen
from screens.technician.printer_page import PrinterPage
from screens.technician.reader_page import ReaderPage
from screens.technician.selftest_page import SelfTestPage
from screens.technician.touch_input import TouchCorrector
from screens.technician.touch_page import TouchPage
from screens.technician.voice_page import VoicePage

__all__ = ["TechnicianShell"]


class TechnicianShell:
    """Technician mode in the Kivy shell.

    Args:
        app: the :class:`screens.app.KioskApp` being built (its manager, attract screen, runtime,
            voice and bridge exist).
    """

    def __init__(self, app) -> None:
        self.app = app
        self.core = Technician(app.context, app.runtime, app.voice)
        self.tr = app.context.translator.gettext
        self.voice = app.voice
        self.bridge = app.bridge
        for screen in (PinScreen(self), DashboardScreen(self), TouchPage(self), CameraPage(self), PrinterPage(self),
                       ReaderPage(self), VoicePage(self), SelfTestPage(self), ExportPage(self)):
            app.manager.add_widget(screen)
        app.attract.add_widget(HiddenCorner(on_hold=self.request_entry,
                                            on_tap=lambda: app.attract.dispatch("on_start_session")))
        self.corrector = TouchCorrector(self.core.touch)
        EventLoop.add_postproc_module(self.corrector)
        # a PIN is checked in a worker thread: phase changes reach the screens through the bridge
        self.core.mode.on_change(lambda phase: self.bridge.call(self._phase, phase))
        Window.bind(on_touch_down=lambda *_: self.core.mode.touch())
        self._tick = Clock.schedule_interval(lambda _dt: self.core.mode.tick(), 1.0)
        self.core.start()

    def request_entry(self) -> bool:
        """The hidden gesture (also for tests): open the PIN pad unless a citizen is being served."""
        return self.core.mode.request_entry()

    def show(self, screen: str) -> None:
        self.app.manager.current = screen

    def card_event(self, event) -> bool:
        """True when technician mode keeps this card event from the citizen session."""
        return self.core.card_event(event)

    def in_background(self, work: Callable[[], Any], done: Callable[[Any], None]) -> None:
        """Run blocking ``work`` in a thread, then ``done(result)`` on the UI thread."""
        threading.Thread(target=lambda: self.bridge.call(done, work()), name="technician", daemon=True).start()

    def stop(self) -> None:
        self._tick.cancel()
        EventLoop.remove_postproc_module(self.corrector)
        self.core.stop()

    def _phase(self, phase: Phase) -> None:
        if phase is Phase.PIN:
            self.show("technician_pin")
        elif phase is Phase.ACTIVE:
            self.show("technician")
        else:  # back to whatever the citizen session shows (the attract screen, or a citizen's card)
            self.show(self.app.context.session.step.value)
