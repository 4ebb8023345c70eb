"""The Kivy application: builds the screens once, shows the screen of the session's step.

The App stays thin: the citizen flow is ``kiosk.session.CitizenSession`` and the journeys in
``kiosk.journeys``; screens only draw and report touches; devices run in their own threads and
processes (``kiosk.runtime``) and reach the UI thread through ``screens.bridge``. This class wires
them together and closes the kiosk's escape routes.
"""
from __future__ import annotations

import logging
import signal
import threading
import time
from pathlib import Path

from kivy.app import App
from kivy.base import ExceptionHandler, ExceptionManager
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.lang import Builder, global_idmap
from kivy.metrics import Metrics
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.screenmanager import NoTransition

from drivers.idcard.messages import unreadable_message
from kiosk import sdnotify
from kiosk.context import KioskContext
from common.events import Event
from kiosk.backends.contract import load_contract
from kiosk.journeys.engine import JourneyEngine
from kiosk.journeys.runner import EffectRunner
from kiosk.memory import give_back_freed_memory_soon
from kiosk.prompts import PROMPTS
from kiosk.runtime import Runtime
from kiosk.session import Step
from kiosk.voice import Voice
from screens.announcement import attach_remote
from screens.attract import AttractScreen
from screens.bridge import UiBridge
from screens.call_hook import CallFeature
from screens.countdown import CountdownOverlay
from screens.face import FaceCheck
from screens.guide import GuideScreen
from screens.help import HelpOverlay
from screens.home import HomeScreen
from screens.lang import Lang
import screens.kivy_fixes  # noqa: F401  (mends Kivy's ScrollView before any is built)
from screens.qr import QrCode  # noqa: F401  (registers the kv class)
from screens.steps.registry import SCREENS
from screens.technician.shell import TechnicianShell
from screens.unavailable import UnavailableScreen
from screens.widgets import ScreenStack, TopBar  # noqa: F401  (TopBar: registers the kv class)

log = logging.getLogger(__name__)
KV_DIR = Path(__file__).resolve().parent
KV_FILES = ["style.kv", "attract.kv", "home.kv", "guide.kv", "unavailable.kv", "countdown.kv", "help.kv",
            "call.kv", "steps/steps.kv", "steps/handoff.kv", "steps/pay.kv", "steps/send.kv",
            "steps/signature.kv", "keyboard.kv"]
KEY_ESCAPE, KEY_F1 = 27, 282
CARD_EVENTS = {"card_placed", "card_unreadable", "card_removed"}
TAKE_CARD = PROMPTS["take_card_reminder"]
SPOKEN_ON_ARRIVAL = {Step.HOME: PROMPTS["home"], Step.GUIDE: PROMPTS["guide"]}
# Demo mode only: keys a developer uses in place of a citizen's hands at the simulated devices.
DEMO_KEYS = {"c": "place the demo citizen's card", "x": "place an expired card",
             "r": "lift the card", "p": "printer paper out / back in", "a": "A4 printer paper out / back in",
             "v": "call a service agent",
             "s": "confirm the phone hand-off (the citizen signs in the official app)",
             "$": "the citizen pays the code on screen with the phone"}


class _RecoverFromErrors(ExceptionHandler):
    """Turn an unexpected exception into the 'temporarily unavailable' screen instead of a crash.

    After ``limit`` errors within ``window_s`` we let the process die: systemd restarts it, which
    is better than a shell stuck in an error loop.
    """

    def __init__(self, app: "KioskApp", limit: int = 5, window_s: float = 600.0) -> None:
        self.app, self.limit, self.window_s = app, limit, window_s
        self._times: list[float] = []

    def handle_exception(self, exception):
        if not isinstance(exception, Exception):  # Ctrl-C, SystemExit: a request to stop, not an error
            return ExceptionManager.RAISE
        now = time.monotonic()
        self._times = [t for t in self._times if now - t < self.window_s] + [now]
        log.error("unexpected error in the shell", exc_info=exception)
        if len(self._times) > self.limit:
            log.critical("too many errors; exiting so the service manager restarts the kiosk")
            return ExceptionManager.RAISE
        self.app.recover()
        return ExceptionManager.PASS


class KioskApp(App):
    """The touchscreen shell.

    Args:
        context: the application core (settings, session, catalog, translator, event channel).
        runtime: the devices and services, built but not started (the app starts and stops them).
        demo: accept the demo keys (:data:`DEMO_KEYS`) for the simulated devices.
        recovery_s: how long the unavailable screen stays after an unexpected error.
    """

    hall_name = StringProperty("")
    large_text = BooleanProperty(False)
    current_step = StringProperty(Step.ATTRACT.value)
    journey = ObjectProperty(None)
    use_kivy_settings = False

    def __init__(self, context: KioskContext, runtime: Runtime, *, demo: bool = False,
                 recovery_s: float = 8.0, site_file: str | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.context = context
        self.runtime = runtime
        self.demo = demo
        self.recovery_s = recovery_s
        self.title = "hall-kiosk"
        self.tr = Lang(context.translator)
        self.voice = Voice.from_settings(context.translator, context.settings.voice, context.settings.path)
        self._overlay: CountdownOverlay | None = None
        self._recovery_event = None
        self._demo_paper_out = False
        self._demo_a4_paper_out = False
        self._help: HelpOverlay | None = None
        self.site_file, self.restart_requested, self.remote = site_file, False, None

    # -- construction ------------------------------------------------------------------------
    def build(self):
        global_idmap["tr"] = self.tr
        for name in KV_FILES:
            Builder.load_file(str(KV_DIR / name))
        ctx, tr = self.context, self.context.translator
        tr.on_change(lambda _lang: self._refresh_hall_name())
        self._refresh_hall_name()
        ctx.backends_up = self.runtime.backends.up

        self.attract = AttractScreen(tr)
        self.home = HomeScreen(ctx.catalog, tr, ctx.device_statuses, ctx.backends_up)
        self.guide = GuideScreen(tr, ctx.device_statuses, ctx.backends_up)
        # One screen per step kind, named after it; the engine's current step says which shows.
        self.journey_screens = [cls(tr, name=kind) for kind, cls in SCREENS.items()]
        self.face_screen = next(s for s in self.journey_screens if s.name == "face")
        self.manager = ScreenStack(transition=NoTransition())
        for screen in (self.attract, self.home, self.guide, *self.journey_screens, UnavailableScreen()):
            self.manager.add_widget(screen)
        self._overlay = CountdownOverlay()

        self.bridge = UiBridge()
        self.face_check = FaceCheck(self.runtime.face, self.runtime.camera, self.face_screen, tr,
                                    decide=lambda *args: self.journey.face_decided(*args), voice=self.voice)
        self.runner = EffectRunner(self.runtime, tr, self.voice, self.bridge.call, self.face_check)
        plans = {s.id: s.plan for s in ctx.catalog if s.plan is not None}
        self.journey = JourneyEngine(ctx.session, plans, self.runner, load_contract(), ctx.settings.face.attempts,
                                     ctx.settings.kiosk.terminal_id)
        self.runner.engine = self.journey
        for screen in self.journey_screens:
            screen.engine = self.journey
        self.journey.on_change(self._show_journey_step)
        self.call = CallFeature(self)  # the video consultation (screens/call_hook.py)
        tr.on_change(lambda _lang: self.face_check.refresh_language())

        session = ctx.session
        self.attract.bind(on_start_session=lambda *_: session.start())
        self.home.bind(on_choose=lambda _s, sid: session.choose(sid),
                       on_finish=lambda *_: session.end("finished"))
        self.guide.bind(on_back=lambda *_: session.home(), on_home=lambda *_: session.home(),
                        on_begin=lambda *_: self.journey.begin(session.data.service_id))
        self._overlay.bind(on_keep=lambda *_: session.touch())
        session.on_step(self._show_step)
        session.on_countdown(self._show_countdown)
        session.on_end(self._forget_citizen)

        self.technician = TechnicianShell(self)  # technician mode: its screens, gesture and socket (screens/technician)
        self.bridge.subscribe(ctx.bus, self._on_card_event, CARD_EVENTS)
        self.bridge.subscribe(ctx.bus, self._on_status, {"status"})
        Clock.schedule_interval(lambda _dt: session.tick(), 1.0)
        # The watchdog is fed from the UI clock: a frozen UI stops feeding it and systemd restarts us.
        sdnotify.start_watchdog(Clock.schedule_interval)
        Window.fbind("on_flip", self._first_frame)
        Window.bind(on_touch_down=self._on_any_touch, on_keyboard=self._on_keyboard,
                    on_request_close=lambda *_args, **_kw: True)
        ExceptionManager.add_handler(_RecoverFromErrors(self))
        self.remote, root = attach_remote(self, self.site_file)  # signed remote content, announcements banner
        self.runtime.start()
        return root

    def on_start(self) -> None:
        # A stop request from the service manager, or a technician's Ctrl-C in a terminal, ends the
        # session cleanly, then the app. A second Ctrl-C interrupts at once (a UI loop that hangs
        # never runs the scheduled stop).
        signal.signal(signal.SIGTERM, self._stop_soon)
        signal.signal(signal.SIGINT, self._stop_soon)

    def _stop_soon(self, signum: int, _frame) -> None:
        if signum == signal.SIGINT:
            signal.signal(signal.SIGINT, signal.default_int_handler)
        Clock.schedule_once(lambda _dt: self.stop(), 0)

    def on_stop(self) -> None:
        sdnotify.stopping()
        self.context.session.end("shutdown")
        self.technician.stop()
        self.runtime.stop()

    def _on_any_touch(self, *_args) -> bool:
        """Every touch keeps the session alive; the touch that stops the idle countdown does
        nothing else (it must not also press whatever lies under the countdown)."""
        counting = self.context.session.countdown is not None
        self.context.session.touch()
        return counting

    def _first_frame(self, *_args) -> None:
        Window.funbind("on_flip", self._first_frame)
        sdnotify.ready()  # systemd (Type=notify) and benchmarks.shell wait for this
        log.info("first frame on screen")

    def open_settings(self, *_args) -> bool:  # F1 must not open Kivy's settings panel
        return False

    # -- devices -----------------------------------------------------------------------------
    def _remind_card_if_left(self) -> None:
        """A session ended with the card still on the reader: the attract screen asks for it (and
        says so) until it is lifted."""
        status = self.context.bus.last_status("idcard")
        if status is not None and status.conditions.get("card") == "present":
            self.attract.reminder = TAKE_CARD
            self.voice.say(TAKE_CARD)

    def _on_card_event(self, event: Event) -> None:
        if self.technician.card_event(event):  # a test card on the technician's reader page
            return
        if event.kind == "card_removed":
            self.attract.reminder = ""
        if event.kind == "card_placed":
            card = event.payload
            # decoded in the reader's thread; the session's own copy, wiped with the session's data
            photo = None if card.photo_rgb is None else card.photo_rgb.copy()
            self.journey.card_placed(card, photo)
            if self.manager.current == "attract":  # a card the kiosk cannot take: say why, right there
                self.attract.reminder = self.journey.refused_card
        elif event.kind == "card_unreadable":
            self.journey.card_unreadable(unreadable_message(event.payload))
        else:
            self.journey.card_removed()

    def _on_status(self, _event: Event) -> None:
        if self.manager.current == "home":
            self.home.rebuild()  # grey out (or restore) services whose devices changed

    # -- help ------------------------------------------------------------------------------------
    def show_help(self) -> None:
        """How to get help at this hall (the top bar's Help button)."""
        settings, tr = self.context.settings, self.context.translator
        self._help = HelpOverlay(phone=settings.help.phone, hours=tr.pick(settings.help.counter_hours.model_dump()))
        self._help.open(animation=False)
        self.voice.say(PROMPTS["help"])

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
        if step in SPOKEN_ON_ARRIVAL:  # what to do here, said as the screen appears
            self.voice.say(SPOKEN_ON_ARRIVAL[step])
        if step is Step.JOURNEY:
            self._show_journey_step()
            return
        self.manager.current = step.value
        self.current_step = step.value

    def _show_journey_step(self) -> None:
        """Show the screen of the engine's current step (each step kind has one)."""
        kind = self.journey.kind
        if self.context.session.step is Step.JOURNEY and kind:
            self.manager.current = kind
            self.current_step = kind

    def _show_countdown(self, seconds: int | None) -> None:
        if seconds is None:
            self._overlay.dismiss(animation=False)
            return
        self._overlay.seconds = seconds
        if self._overlay.parent is None:
            self._overlay.open(animation=False)

    def _forget_citizen(self, _reason: str) -> None:
        """Session over: close what is open, forget what was shown, give the next citizen the default look."""
        self.call.session_ended()
        if self._help is not None:
            self._help.dismiss(animation=False)
        self._remind_card_if_left()
        self.guide.service = None
        for screen in self.journey_screens:  # screens not on display still hold the last texts
            screen.clear()
        self.set_large_text(False)
        self.context.translator.set_language(self.context.settings.kiosk.default_language)
        give_back_freed_memory_soon()  # what this citizen's session freed (kiosk.memory)

    # -- hardening ---------------------------------------------------------------------------------
    def _on_keyboard(self, _window, key, _scancode=None, codepoint=None, *_args) -> bool:
        if self.demo and codepoint in DEMO_KEYS:
            self._demo_key(codepoint)
            return True
        return key in (KEY_ESCAPE, KEY_F1)  # swallow: no quitting, no settings panel

    # -- video consultation (screens/call_hook.py) -------------------------------------------------
    def start_call(self) -> None:
        """The help button's "talk to a service agent" (consent first; the agents' hours when they are away)."""
        self.call.start()

    def _demo_key(self, key: str) -> None:
        if key == "v":
            self.start_call()
            return
        if key == "s":
            self._demo_phone_confirms()
        if key == "$":
            self._demo_pay()
            return
        reader = self.runtime.idcard.simulator
        printer = self.runtime.printer.virtual_printer
        if key in "cx" and reader is not None:
            reader.place("demo_citizen" if key == "c" else "resident_expired")
        elif key == "r" and reader is not None:
            reader.remove()
        elif key == "p" and printer is not None:
            self._demo_paper_out = not self._demo_paper_out
            printer.set_paper("out" if self._demo_paper_out else "ok")
        elif key == "a" and (a4 := self.runtime.a4printer.virtual_printer) is not None:
            self._demo_a4_paper_out = not self._demo_a4_paper_out
            a4.set_paper("out" if self._demo_a4_paper_out else "ok")

    def _demo_phone_confirms(self) -> None:
        """The reference backend's simulated phone confirms the newest pending hand-off (off the UI thread)."""
    def _demo_pay(self) -> None:
        """The demo citizen's phone pays the newest open order at the reference backend's gateway."""
        sim = self.runtime.backends.sim
        if sim is None:
            return

        def confirm() -> None:
            try:
                sim.handoff("confirm")
            except OSError:  # no pending hand-off (404) or the backend is down: nothing to confirm
                log.info("demo key s: no pending phone hand-off to confirm")
        threading.Thread(target=confirm, name="demo-phone", daemon=True).start()
        def pay() -> None:
            try:
                sim.pay()
            except OSError as e:  # no open order, or it cannot be paid any more: the gateway says so
                log.info("demo payment not made: %s", e)
        threading.Thread(target=pay, name="demo-pay", daemon=True).start()

    def recover(self) -> None:
        """Show the unavailable screen, drop the session, and return to attract after ``recovery_s``."""
        self.context.session.fail()
        if self._recovery_event is not None:
            self._recovery_event.cancel()
        self._recovery_event = Clock.schedule_once(lambda _dt: self.context.session.end("recovered"),
                                                   self.recovery_s)
