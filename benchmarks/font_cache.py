"""What each new text size costs: Kivy opens the font once per (font, size) pair it draws and keeps
it open (at most 64 pairs), so a size drawn for the first time adds an open file and the face's
tables in memory. The soak's open-files and memory growth include these.

    python -m benchmarks.font_cache [--sizes 20]
    python -m benchmarks.font_cache --gallery [--lang en] [--large-text]      (needs a display: with_display.sh)

Draws the same line in ``--sizes`` new sizes with the regular and with the bold font, and prints the
resident memory and open files added per new pair. With ``--gallery``, renders every screen of the
gallery instead and counts the (font, size) pairs they opened: the type scale keeps them few.
"""
from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from benchmarks.growth import rss_mb

LINE = "请将身份证放在读卡区 个人所得税纳税记录 Touch to start"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.font_cache", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, default=20)
    parser.add_argument("--gallery", action="store_true", help="count the fonts the screen gallery opens")
    parser.add_argument("--lang", default="zh_CN", help="the gallery's language")
    parser.add_argument("--large-text", action="store_true", help="the gallery in large text")
    args = parser.parse_args(argv)
    if args.gallery:
        return gallery_fonts(args.lang, args.large_text)
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


def gallery_fonts(lang: str, large_text: bool) -> None:
    """Render the gallery and print the (font, size) pairs Kivy opened for it, by font."""
    from screens.kivy_setup import configure_environment

    configure_environment()  # before Kivy is imported: the gallery sets the window up itself
    from kivy.core.text import text_sdl2

    opened: set[str] = set()
    font_id = text_sdl2.LabelSDL2._get_font_id  # Kivy's key for its open fonts: size|file|bold|...

    def recording(label) -> str:
        key = font_id(label)
        opened.add(key)
        return key

    text_sdl2.LabelSDL2._get_font_id = recording
    from screens.gallery import main as gallery

    with tempfile.TemporaryDirectory(prefix="bench-fonts-") as out:
        gallery([out, "--lang", lang] + (["--large-text"] if large_text else []))
    by_font: dict[str, list[float]] = {}
    for key in opened:
        size, path = key.split("|")[:2]
        by_font.setdefault(Path(path).name, []).append(float(size))
    print(f"gallery ({lang}, {'large' if large_text else 'normal'} text): {len(opened)} (font, size) pairs opened "
          f"(Kivy keeps at most 64)")
    for name, sizes in sorted(by_font.items()):
        print(f"  {name}: {len(sizes)} sizes: {', '.join(f'{s:g}' for s in sorted(sizes))}")


if __name__ == "__main__":
    main()
