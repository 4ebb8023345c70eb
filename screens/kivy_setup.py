"""Prepare Kivy for an unattended kiosk. Must run before anything imports ``kivy``.

Closes the escape routes a passer-by could use (field notes: Esc quits, F1 opens the settings
panel, Kivy parses our command line, the user config file overrides ours), keeps exactly one
input provider (two providers for one touch device make every tap count twice), and makes the
Simplified-Chinese face of Noto Sans CJK the default font (Kivy has no font fallback).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
from pathlib import Path

FONT_DIR = Path(__file__).resolve().parent.parent / "assets" / "fonts" / "generated"
FONT_REGULAR = FONT_DIR / "NotoSansCJKsc-Regular.otf"
FONT_BOLD = FONT_DIR / "NotoSansCJKsc-Bold.otf"


def configure_environment() -> None:
    """Environment switches Kivy reads at import time."""
    os.environ["KIVY_NO_ARGS"] = "1"        # our own argparse owns the command line
    os.environ["KIVY_NO_CONFIG"] = "1"      # ignore ~/.kivy/config.ini
    os.environ["KIVY_NO_FILELOG"] = "1"     # our redacting logger is the only log
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")  # Kivy logs through Python logging (redacted)
    # SDL would turn SIGTERM into a window-close request, which the kiosk refuses: systemd could
    # then never stop it. The app handles SIGTERM itself (screens.app.KioskApp.on_start).
    os.environ["SDL_NO_SIGNAL_HANDLERS"] = "1"
    # Kivy asks for an alpha channel, so on X SDL picks a 32-bit ARGB visual; an X server without
    # a compositor (a kiosk's, Xvfb) converts every frame of such a window pixel by pixel: at
    # 1080x1920 in software OpenGL a frame took 10 times longer than in the screen's own opaque
    # visual (python -m benchmarks.frame_gaps). A site can still choose one in the unit's environment.
    if "SDL_VIDEO_X11_VISUALID" not in os.environ:
        visual = default_x_visual()
        if visual is not None:
            os.environ["SDL_VIDEO_X11_VISUALID"] = hex(visual)


def default_x_visual() -> int | None:
    """The id of the X screen's default (opaque) visual, or None without an X display."""
    library = ctypes.util.find_library("X11")
    if not os.environ.get("DISPLAY") or library is None:
        return None
    x11 = ctypes.CDLL(library)
    x11.XOpenDisplay.restype, x11.XOpenDisplay.argtypes = ctypes.c_void_p, [ctypes.c_char_p]
    x11.XDefaultScreen.argtypes = [ctypes.c_void_p]
    x11.XDefaultVisual.restype, x11.XDefaultVisual.argtypes = ctypes.c_void_p, [ctypes.c_void_p, ctypes.c_int]
    x11.XVisualIDFromVisual.restype, x11.XVisualIDFromVisual.argtypes = ctypes.c_ulong, [ctypes.c_void_p]
    x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    display = x11.XOpenDisplay(None)
    if not display:
        return None
    try:
        return int(x11.XVisualIDFromVisual(x11.XDefaultVisual(display, x11.XDefaultScreen(display))))
    finally:
        x11.XCloseDisplay(display)


def configure_kivy(width: int, height: int, fullscreen: bool, show_cursor: bool) -> None:
    """Set Kivy's Config before the window exists."""
    configure_environment()
    from kivy.config import Config

    Config.set("graphics", "width", str(width))
    Config.set("graphics", "height", str(height))
    Config.set("graphics", "fullscreen", "auto" if fullscreen else "0")
    Config.set("graphics", "borderless", "1" if fullscreen else "0")
    Config.set("graphics", "resizable", "0")
    Config.set("graphics", "show_cursor", "1" if show_cursor else "0")
    Config.set("graphics", "maxfps", "30")  # enough for touch UI and a camera preview
    # Kivy derives its sleep resolution from maxfps (1/90 s at 30) and stops sleeping when less than
    # 20 ms of a frame's 33 are left: a window that draws fast drew 40-49 a second. At 2 ms it holds
    # the cap (31 fps) and the idle UI costs less CPU (docs/call.md, "Figures").
    from kivy.clock import Clock

    Clock.clock_resolution = 0.002
    Config.set("kivy", "exit_on_escape", "0")
    Config.set("kivy", "keyboard_mode", "system")
    Config.set("kivy", "log_level", "warning")
    for option in Config.options("input"):
        Config.remove_option("input", option)
    Config.set("input", "mouse", "mouse,disable_multitouch,disable_on_activity")
    # (SDL adds its own touch provider; the mouse provider stays quiet while touches are active)
    Config.set("postproc", "double_tap_time", "250")


def register_fonts() -> None:
    """Make Noto Sans CJK SC the face behind Kivy's default font name."""
    from kivy.core.text import DEFAULT_FONT, LabelBase

    if not FONT_REGULAR.exists():
        raise RuntimeError(f"{FONT_REGULAR} is missing: run `make setup` (scripts/prepare_font.py)")
    LabelBase.register(DEFAULT_FONT, str(FONT_REGULAR), fn_bold=str(FONT_BOLD))
