"""One real KioskApp for all UI tests (Kivy allows one window per process); each test starts
at the attract screen with a fresh session."""
import pytest

from kiosk.config import load_settings
from tests.ui.driver import UiDriver


@pytest.fixture(scope="session")
def kiosk_app():
    from kivy.base import stopTouchApp

    from kiosk.context import KioskContext
    from screens.app import KioskApp
    from screens.kivy_setup import register_fonts

    register_fonts()
    app = KioskApp(KioskContext.create(load_settings()), recovery_s=0.3)
    app._run_prepare()
    yield app
    stopTouchApp()


@pytest.fixture
def ui(kiosk_app):
    session = kiosk_app.context.session
    session.end("test set-up")
    driver = UiDriver(kiosk_app)
    driver.pump()
    yield driver
    session.end("test tear-down")
