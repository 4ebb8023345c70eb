"""Start the kiosk: ``python -m kiosk [--config SITE.toml] [--demo]``.

``--demo`` opens a window instead of going fullscreen and shows the mouse cursor, for a
developer's desktop. Kivy's own command-line options are never parsed (KIVY_NO_ARGS).
"""
from __future__ import annotations

import argparse
import faulthandler
import os
import sys
from concurrent.futures import ThreadPoolExecutor

from kiosk.catalog import CatalogError
from kiosk.config import ConfigError, load_settings
from kiosk.logs import setup_logging
from kiosk.memory import tune_allocator
from kiosk.remote.service import store_from_settings
from kiosk.remote.trial import StartTrial

EXIT_RESTART = 75  # restart to apply remote settings or catalog; systemd (Restart=always) and make run restart


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kiosk", description=__doc__.splitlines()[0])
    parser.add_argument("--config", help="site configuration file (default: $KIOSK_CONFIG)")
    parser.add_argument("--demo", action="store_true", help="windowed, with cursor, for a desktop")
    args = parser.parse_args(argv)
    tune_allocator()  # before any other thread starts (kiosk.memory)
    # A hang killed by the systemd watchdog (SIGABRT) leaves each thread's frames in the journal:
    # file names and line numbers only, no variables, so no personal data.
    faulthandler.enable()

    rejected: list[str] = []
    try:
        settings = load_settings(args.config, rejected=rejected)
        store = store_from_settings(settings)
        trial = StartTrial(store.directory)
        if trial.begin() and (moved := store.set_aside()):
            rejected.append(f"the kiosk did not start twice with remote {' and '.join(moved)}: set aside")
            settings = load_settings(args.config)
    except ConfigError as e:
        # Only a local file (config.toml, site, calibration) gets here: a remote layer is never fatal.
        print(f"kiosk: the configuration is not valid, the kiosk will not start.\n{e}", file=sys.stderr)
        return os.EX_CONFIG  # 78: the unit's RestartPreventExitStatus stops a restart (and reboot) loop
    setup_logging(settings.logging.level, settings.path(settings.logging.file))
    for report in rejected:
        print(f"kiosk: remote configuration ignored, running on the local one: {report}", file=sys.stderr)

    from screens.kivy_setup import configure_kivy, register_fonts

    configure_kivy(settings.ui.width, settings.ui.height,
                   fullscreen=settings.ui.fullscreen and not args.demo, show_cursor=args.demo)
    register_fonts()
    from kiosk.context import KioskContext
    from kiosk.runtime import Runtime

    try:
        try:
            context = KioskContext.create(settings, store.catalog_dir())
        except CatalogError as e:
            if store.catalog_dir() is None:
                raise
            print(f"kiosk: the remote service catalog is ignored, using the built-in one: {e}", file=sys.stderr)
            context = KioskContext.create(settings)
    except CatalogError as e:
        print(f"kiosk: the service catalog is not valid, the kiosk will not start.\n{e}", file=sys.stderr)
        return os.EX_CONFIG
    # Devices and the reference backend start (mostly waiting on ports and a subprocess) while
    # Kivy loads and opens its window: the attract screen appears sooner.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="runtime-build") as pool:
        building = pool.submit(Runtime.build, settings, context.bus)
        from screens.app import DEMO_KEYS, KioskApp
        try:
            runtime = building.result()
        except Exception as e:  # noqa: BLE001 - say what failed instead of a traceback
            print(f"kiosk: a device or service could not be started ({type(e).__name__}: {e}). "
                  "Check the [idcard], [printer], [backend], [outbox] and [call] settings and the log.", file=sys.stderr)
            return 1
    if args.demo:
        print("demo keys: " + "; ".join(f"{k} = {what}" for k, what in DEMO_KEYS.items()), file=sys.stderr)
        if runtime.call.console is not None:
            print(f"agent console: open {runtime.call.console.url} in a browser to take the kiosk's calls", file=sys.stderr)
    app = KioskApp(context, runtime, demo=args.demo, site_file=args.config or os.environ.get("KIOSK_CONFIG"))
    app.bind(on_start=lambda *_: trial.succeeded())
    app.run()
    return EXIT_RESTART if app.restart_requested else 0


if __name__ == "__main__":
    sys.exit(main())
