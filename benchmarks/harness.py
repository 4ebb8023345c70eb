"""The real app for benchmarks: repository defaults (simulators, the reference backend), its files
in a fresh temporary folder, a window of the configured size, prepared but not run (the caller
pumps Kivy's event loop)."""
from __future__ import annotations

import tempfile
from pathlib import Path

from kiosk.config import load_settings


def site_file(work: Path) -> Path:
    """A site file that keeps every file of the kiosk under ``work`` (and the voice off)."""
    site = work / "site.toml"
    site.write_text(f'[paths]\ndata_dir = "{work}"\n[logging]\nfile = "{work}/kiosk.log"\nlevel = "WARNING"\n'
                    f'[backend]\nsim_data_dir = "{work}/backend"\n[outbox]\ndb_file = "{work}/outbox.db"\n'
                    f'key_file = "{work}/outbox.key"\n[signature]\nkey_file = "{work}/signature.key"\n'
                    '[voice]\nenabled = false\n', encoding="utf-8")
    return site


def start_app(prefix: str):
    """Build the kiosk app with its runtime, ready for ``EventLoop.idle()``; stop it with
    ``app.stop()`` and ``kivy.base.stopTouchApp()``."""
    settings = load_settings(site_file(Path(tempfile.mkdtemp(prefix=prefix))))
    from screens.kivy_setup import configure_kivy, register_fonts

    configure_kivy(settings.ui.width, settings.ui.height, fullscreen=False, show_cursor=False)
    register_fonts()
    from kiosk.context import KioskContext
    from kiosk.runtime import Runtime
    from screens.app import KioskApp

    context = KioskContext.create(settings)
    app = KioskApp(context, Runtime.build(settings, context.bus))
    app._run_prepare()
    return app
