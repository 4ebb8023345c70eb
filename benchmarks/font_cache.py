"""What each new text size costs: Kivy opens the font once per (font, size) pair it draws and keeps
it open (at most 64 pairs), so a size drawn for the first time adds an open file and the face's
tables in memory. The soak's open-files and memory growth include these.

    python -m benchmarks.font_cache [--sizes 20]

Draws the same line in ``--sizes`` new sizes with the regular and with the bold font, and prints the
resident memory and open files added per new pair.
"""
from __future__ import annotations

import argparse
import os

from benchmarks.growth import rss_mb

LINE = "请将身份证放在读卡区 个人所得税纳税记录 Touch to start"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.font_cache", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, default=20)
    args = parser.parse_args(argv)
    from screens.kivy_setup import configure_kivy, register_fonts

    configure_kivy(800, 600, fullscreen=False, show_cursor=False)
    register_fonts()
    from kivy.core.window import Window  # noqa: F401  (SDL's text rendering needs the window's set-up)
    from kivy.core.text import Label as CoreLabel

    for bold in (False, True):
        files, rss = len(os.listdir("/proc/self/fd")), rss_mb()
        for size in range(100, 100 + args.sizes):  # sizes the kiosk's screens have not drawn here yet
            CoreLabel(text=LINE, font_size=size, bold=bold).refresh()
        added_files, added_mb = len(os.listdir("/proc/self/fd")) - files, rss_mb() - rss
        print(f"{'bold' if bold else 'regular'}: {args.sizes} new sizes added {added_files} open files and "
              f"{added_mb:.1f} MB resident, {added_mb / args.sizes:.2f} MB per size")


if __name__ == "__main__":
    main()
