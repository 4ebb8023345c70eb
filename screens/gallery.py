"""Render every screen at 1080x1920 into one PNG each, for the docs and for review.

    python -m screens.gallery OUTDIR [--lang zh_CN|zh_HK|en] [--large-text]

Runs the real app with the repository defaults (no devices are started). Where there is no
display, run it through ``scripts/with_display.sh`` (``make gallery`` does).
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Callable

from kiosk.config import load_settings
from kiosk.i18n import LANGUAGES

Scene = tuple[str, Callable]


def scenes(app) -> list[Scene]:
    """(file name, set-up) for every screen and overlay, in the order a citizen meets them."""
    session = app.context.session
    first_journey = next((s.id for s in app.context.catalog if s.journey), app.context.catalog[0].id)

    def countdown():
        session.start()
        app._show_countdown(12)

    return [
        ("01-attract", lambda: None),
        ("02-home", session.start),
        ("03-guide", lambda: (session.start(), session.choose(first_journey))),
        ("04-countdown", countdown),
        ("05-unavailable", session.fail),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m screens.gallery", description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--lang", choices=list(LANGUAGES), default="zh_CN")
    parser.add_argument("--large-text", action="store_true")
    args = parser.parse_args(argv)
    args.outdir.mkdir(parents=True, exist_ok=True)

    settings = load_settings()
    from screens.kivy_setup import configure_kivy, register_fonts

    configure_kivy(settings.ui.width, settings.ui.height, fullscreen=False, show_cursor=False)
    register_fonts()
    from kivy.clock import Clock
    from kivy.core.window import Window

    from kiosk.context import KioskContext
    from screens.app import KioskApp

    app = KioskApp(KioskContext.create(settings))
    written: list[Path] = []

    def shoot(name: str) -> None:
        shot = Window.screenshot(name=str(args.outdir / f"{name}.png"))  # Kivy appends 0001
        target = args.outdir / f"{name}.png"
        os.replace(shot, target)
        written.append(target)

    def run_scenes(_dt) -> None:
        app.set_language(args.lang)
        app.set_large_text(args.large_text)
        pending = list(scenes(app))

        def next_scene(_dt=None) -> None:
            if not pending:
                app.stop()
                return
            name, setup = pending.pop(0)
            app._show_countdown(None)  # the countdown scene opens the overlay directly
            app.context.session.end("gallery")
            app.set_language(args.lang)  # the session end restores the default look
            app.set_large_text(args.large_text)
            setup()
            # two frames: one to lay out, one to draw
            Clock.schedule_once(lambda _dt: Clock.schedule_once(lambda _dt: (shoot(name), next_scene()), 0), 0)

        next_scene()

    app.bind(on_start=lambda *_: Clock.schedule_once(run_scenes, 0))
    app.run()
    for path in written:
        print(path)
    return 0 if written else 1


if __name__ == "__main__":
    sys.exit(main())
