"""The Kivy application: builds the screens once, shows the screen of the session's step.

The App stays thin: the citizen flow is ``kiosk.session.CitizenSession``; screens only draw and
report touches; this class wires the two together and closes the kiosk's escape routes.
"""
from __future__ import annotations

import logging
import signal
import time
from pathlib import Path

from kivy.app import App
from kivy.base import ExceptionHandler, ExceptionManager
from kivy.cache import Cache
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.lang import Builder, global_idmap
from kivy.metrics import Metrics
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import NoTransition, ScreenManager

from kiosk import sdnotify
from kiosk.context import KioskContext
from kiosk.session import Step
from screens.attract import AttractScreen
from screens.countdown import CountdownOverlay
from screens.guide import GuideScreen
from screens.home import HomeScreen
from screens.lang import Lang
from screens.unavailable import UnavailableScreen
from screens.widgets import TopBar  # noqa: F401  (registers the kv class)

log = logging.getLogger(__name__)
KV_DIR = Path(__file__).resolve().parent
KV_FILES = ["style.kv", "attract.kv", "home.kv", "guide.kv", "unavailable.kv", "countdown.kv"]
# Kivy caches that can hold text a citizen typed (TextInput keeps rendered lines keyed by text).
CITIZEN_TEXT_CACHES = ("textinput.label", "textinput.width")
KEY_ESCAPE, KEY_F1 = 27, 282


class _RecoverFromErrors(ExceptionHandler):
    """Turn an unexpected exception into the 'temporarily unavailable' screen instead of a crash.

    After ``limit`` errors within ``window_s`` we let the process die: systemd restarts it, which
    is better than a shell stuck in an error loop.
    """

    def __init__(self, app: "KioskApp", limit: int = 5, window_s: float = 600.0) -> None:
        self.app, self.limit, self.window_s = app, limit, window_s
        self._times: list[float] = []

    def handle_exception(self, exception):
        now = time.monotonic()
        self._times = [t for t in self._times if now - t < self.window_s] + [now]
        log.error("unexpected error in the shell", exc_info=exception)
        if len(self._times) > self.limit:
            log.critical("too many errors; exiting so the service manager restarts the kiosk")
            return ExceptionManager.RAISE
        self.app.recover()
        return ExceptionManager.PASS


class KioskApp(App):
    """The touchscreen shell. Construct with a :class:`KioskContext`; ``run()`` as any Kivy app."""

    hall_name = StringProperty("")
    large_text = BooleanProperty(False)
    current_step = StringProperty(Step.ATTRACT.value)
    use_kivy_settings = False

    def __init__(self, context: KioskContext, recovery_s: float = 8.0, **kwargs) -> None:
        super().__init__(**kwargs)
        self.context = context
        self.recovery_s = recovery_s
        self.title = "hall-kiosk"
        self.tr = Lang(context.translator)
        self._overlay: CountdownOverlay | None = None
        self._recovery_event = None

    # -- construction ------------------------------------------------------------------------
    def build(self):
        global_idmap["tr"] = self.tr
        for name in KV_FILES:
            Builder.load_file(str(KV_DIR / name))
        ctx = self.context
        ctx.translator.on_change(lambda _lang: self._refresh_hall_name())
        self._refresh_hall_name()

        self.attract = AttractScreen(ctx.translator)
        self.home = HomeScreen(ctx.catalog, ctx.translator, ctx.device_statuses, ctx.backends_up)
        self.guide = GuideScreen(ctx.translator, ctx.device_statuses, ctx.backends_up)
        self.unavailable = UnavailableScreen()
        self.manager = ScreenManager(transition=NoTransition())
        for screen in (self.attract, self.home, self.guide, self.unavailable):
            self.manager.add_widget(screen)
        self._overlay = CountdownOverlay()

        session = ctx.session
        self.attract.bind(on_start_session=lambda *_: session.start())
        self.home.bind(on_choose=lambda _s, sid: session.choose(sid),
                       on_finish=lambda *_: session.end("finished"))
        self.guide.bind(on_back=lambda *_: session.home(), on_home=lambda *_: session.home())
        self._overlay.bind(on_keep=lambda *_: session.touch())
        session.on_step(self._show_step)
        session.on_countdown(self._show_countdown)
        session.on_end(self._forget_citizen)

        Clock.schedule_interval(lambda _dt: session.tick(), 1.0)
        # The watchdog is fed from the UI clock: a frozen UI stops feeding it and systemd restarts us.
        interval = sdnotify.watchdog_interval_s()
        if interval is not None:
            Clock.schedule_interval(lambda _dt: sdnotify.watchdog(), interval)
        Window.fbind("on_flip", self._first_frame)
        Window.bind(on_touch_down=lambda *_: session.touch(), on_keyboard=self._on_keyboard,
                    on_request_close=lambda *_args, **_kw: True)
        ExceptionManager.add_handler(_RecoverFromErrors(self))
        return self.manager

    def on_start(self) -> None:
        # A stop request from the service manager ends the session cleanly, then the app.
        signal.signal(signal.SIGTERM, lambda *_: Clock.schedule_once(lambda _dt: self.stop(), 0))

    def on_stop(self) -> None:
        sdnotify.stopping()
        self.context.session.end("shutdown")

    def _first_frame(self, *_args) -> None:
        Window.funbind("on_flip", self._first_frame)
        sdnotify.ready()  # systemd (Type=notify) and benchmarks.shell wait for this
        log.info("first frame on screen")

    def open_settings(self, *_args) -> bool:  # F1 must not open Kivy's settings panel
        return False

    # -- language and text size ------------------------------------------------------------------
    def set_language(self, language: str) -> None:
        self.context.translator.set_language(language)

    def toggle_large_text(self) -> None:
        self.set_large_text(not self.large_text)

    def set_large_text(self, on: bool) -> None:
        """The 适老化 mode: every size given in ``sp`` grows by ``[ui] large_text_scale``."""
        self.large_text = on
        Metrics.fontscale = self.context.settings.ui.large_text_scale if on else 1.0

    def _refresh_hall_name(self) -> None:
        self.hall_name = self.context.translator.pick(self.context.settings.kiosk.hall_name.model_dump())

    # -- session observers -----------------------------------------------------------------------
    def _show_step(self, step: Step) -> None:
        if step is Step.GUIDE:
            self.guide.show(self.context.service(self.context.session.data.service_id))
        self.manager.current = step.value
        self.current_step = step.value

    def _show_countdown(self, seconds: int | None) -> None:
        if seconds is None:
            self._overlay.dismiss(animation=False)
            return
        self._overlay.seconds = seconds
        if self._overlay.parent is None:
            self._overlay.open(animation=False)

    def _forget_citizen(self, _reason: str) -> None:
        """Session over: drop Kivy's text caches and give the next citizen the default look."""
        for category in CITIZEN_TEXT_CACHES:
            Cache.remove(category)
        self.guide.service = None
        self.set_large_text(False)
        self.context.translator.set_language(self.context.settings.kiosk.default_language)

    # -- hardening ---------------------------------------------------------------------------------
    def _on_keyboard(self, _window, key, *_args) -> bool:
        return key in (KEY_ESCAPE, KEY_F1)  # swallow: no quitting, no settings panel

    def recover(self) -> None:
        """Show the unavailable screen, drop the session, and return to attract after ``recovery_s``."""
        self.context.session.fail()
        if self._recovery_event is not None:
            self._recovery_event.cancel()
        self._recovery_event = Clock.schedule_once(lambda _dt: self.context.session.end("recovered"),
                                                   self.recovery_s)
