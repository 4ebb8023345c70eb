"""Extract the Simplified-Chinese face of Debian's Noto Sans CJK collection into a plain .otf.

Kivy opens only the first face of a .ttc, and in Noto's collection that is the Japanese one
(直骨角令 come out in Japanese shapes). Kivy has no font fallback, so the one font it uses must
be the SC face. Runs at set-up; does nothing when the file already exists.
"""
from __future__ import annotations

import sys
from pathlib import Path

from fontTools.ttLib import TTCollection

SOURCES = [Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
           Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")]
OUT_DIR = Path(__file__).resolve().parent.parent / "assets" / "fonts" / "generated"
FAMILY = "Noto Sans CJK SC"


def extract(source: Path, out_dir: Path = OUT_DIR) -> Path:
    """Write the SC face of ``source`` to ``out_dir`` and return its path."""
    out = out_dir / source.name.replace("CJK", "CJKsc").replace(".ttc", ".otf")
    if out.exists():
        return out
    for font in TTCollection(str(source)).fonts:
        if font["name"].getDebugName(1) == FAMILY:
            out_dir.mkdir(parents=True, exist_ok=True)
            tmp = out.with_suffix(".tmp")
            font.save(str(tmp))
            tmp.replace(out)
            return out
    raise SystemExit(f"prepare_font: {source} has no '{FAMILY}' face; install Debian's fonts-noto-cjk")


if __name__ == "__main__":
    for src in SOURCES:
        if not src.exists():
            sys.exit(f"prepare_font: {src} is missing; install Debian's fonts-noto-cjk")
        extract(src)
