"""The real app for benchmarks: repository defaults (simulators, the reference backend), its files
in a fresh temporary folder, a window of the configured size, prepared but not run (the caller
pumps Kivy's event loop)."""
from __future__ import annotations

import atexit
import signal
import tempfile
from pathlib import Path

from kiosk.config import load_settings
from kiosk.memory import tune_allocator
from kiosk.scratch import scratch_site


def start_app(prefix: str, data: Path | None = None, log_to_file: bool = False,
              backend: dict[str, float] | None = None):
    """Build the kiosk app with its runtime, ready for ``EventLoop.idle()``; stop it with
    ``app.stop()`` and ``kivy.base.stopTouchApp()``. On SIGTERM or an error it is stopped on exit.

    ``data``: where the kiosk's own files go (default: the fresh temporary folder, which always holds
    the reference backend's); ``log_to_file``: log to the configured file as the kiosk does;
    ``backend``: more ``[backend]`` settings."""
    tune_allocator()  # as python -m kiosk does first
    settings = load_settings(scratch_site(Path(tempfile.mkdtemp(prefix=prefix)), data,
                                          {"logging": {"level": "WARNING"}, "backend": backend or {}}))
    if log_to_file:
        from kiosk.logs import setup_logging

        setup_logging(settings.logging.level, settings.path(settings.logging.file))
    from screens.kivy_setup import configure_kivy, register_fonts

    configure_kivy(settings.ui.width, settings.ui.height, fullscreen=False, show_cursor=False)
    register_fonts()
    from kiosk.context import KioskContext
    from kiosk.runtime import Runtime
    from screens.app import KioskApp

    context = KioskContext.create(settings)
    app = KioskApp(context, Runtime.build(settings, context.bus))
    app._run_prepare()
    # The app's own SIGTERM and SIGINT handlers schedule its stop on the Kivy clock, which suits the
    # kiosk's loop but not a benchmark pumping the loop itself: it kept driving a stopped app and had
    # to be killed, leaving the reference backend and the face worker behind. Here SIGTERM and
    # Ctrl-C end the benchmark, and the app (with its child processes) is stopped on the way out.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    atexit.register(_stop_if_running, app)
    return app


def _exit_on_sigterm(*_args) -> None:
    raise SystemExit("benchmark stopped by SIGTERM")


def _stop_if_running(app) -> None:
    from kivy.app import App
    from kivy.base import stopTouchApp

    if App.get_running_app() is app:
        app.stop()
        stopTouchApp()
