"""One real KioskApp for all UI tests (Kivy allows one window per process), with the real runtime:
the ID reader simulator on a pseudo-terminal, the virtual printer on a TCP port, the demo camera,
the face worker process and the reference backend subprocess. Every file goes to a temporary
directory. Each test starts at the attract screen with a fresh session."""
import signal

import pytest

from kiosk.config import load_settings
from kiosk.scratch import scratch_site
from tests.ui.driver import UiDriver


class ErrorRecorder:
    """Records every exception Kivy's clock catches. Production turns such an exception into the
    unavailable screen and a quiet recovery; in a UI test it must fail the test instead."""

    def __init__(self) -> None:
        self.errors: list[BaseException] = []
        self.expected = 0

    def handle_exception(self, exception):
        from kivy.base import ExceptionManager

        self.errors.append(exception)
        return ExceptionManager.RAISE  # the app's own handler still decides (it passes in production)


def site_file(directory) -> str:
    """A site configuration that keeps every file of the kiosk under ``directory``."""
    return str(scratch_site(directory, more={
        "printer": {"status_timeout_s": 2.0},  # the virtual printer shares this process's CPU with the app under test
        "a4printer": {"poll_interval_s": 1.0},  # a fault a test sets is noticed at once
        "call": {"weekday_hours": "00:00-24:00", "weekend_hours": "00:00-24:00"}}))


@pytest.fixture(scope="session")
def kiosk_app(tmp_path_factory):
    from kivy.base import stopTouchApp

    from drivers.idcard.sim import SimulatedReader
    from kiosk.context import KioskContext
    from kiosk.runtime import Runtime
    from screens.app import KioskApp
    from screens.kivy_setup import register_fonts

    register_fonts()
    settings = load_settings(site_file(tmp_path_factory.mktemp("kiosk")))
    context = KioskContext.create(settings)
    runtime = Runtime.build(settings, context.bus, idcard_simulator=SimulatedReader(realistic_delays=False))
    from kivy.base import ExceptionManager

    app = KioskApp(context, runtime, demo=True, recovery_s=0.3)
    app._run_prepare()
    signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C interrupts pytest, not only the app
    app.test_errors = ErrorRecorder()
    ExceptionManager.add_handler(app.test_errors)
    yield app
    app.stop()
    stopTouchApp()


def lift_card(app, driver: UiDriver) -> None:
    """Take the card off the simulated reader and wait until the driver has seen it go (a card
    lifted and placed again within one poll would count as one placement)."""
    app.runtime.idcard.simulator.remove()
    bus = app.context.bus
    driver.until(lambda: (s := bus.last_status("idcard")) is not None and s.conditions.get("card") != "present",
                 what="the reader to see no card")


@pytest.fixture
def ui(kiosk_app):
    session = kiosk_app.context.session
    driver = UiDriver(kiosk_app)
    lift_card(kiosk_app, driver)
    session.end("test set-up")
    driver.pump()
    recorder = kiosk_app.test_errors
    recorder.errors.clear()
    recorder.expected = 0
    yield driver
    lift_card(kiosk_app, driver)
    session.end("test tear-down")
    driver.pump()
    unexpected = recorder.errors[recorder.expected:]
    if unexpected:
        import traceback

        pytest.fail("an exception in a Kivy callback during the test:\n"
                    + "".join(traceback.format_exception(unexpected[0])))
