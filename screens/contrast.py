"""Text contrast on screenshots (WCAG 2.x relative luminance), label by label.

    python -m screens.contrast GALLERY_DIR [--min 4.5]

For each ``NAME.png`` with its ``NAME.labels.json`` (written by ``python -m screens.gallery OUTDIR
--labels``), the background of every label is measured from the screenshot (the most common
colour inside the label's text box) and its text colour is the colour the label draws in, blended
over that background by its opacity. Prints one line per label under the minimum, and exits 1 if
there is any. Needs no display.
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

WCAG_AA = 4.5  # normal-size text; the kiosk holds all text to it, large text and disabled controls too


def relative_luminance(rgb) -> float:
    """WCAG relative luminance of an sRGB colour given as 0..1 floats."""
    c = np.asarray(rgb[:3], dtype=float)
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(linear @ [0.2126, 0.7152, 0.0722])


def contrast_ratio(a, b) -> float:
    """WCAG contrast ratio of two colours, 1 (none) to 21 (black on white)."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@dataclass(frozen=True)
class LabelContrast:
    """The measured contrast of one label of one screenshot."""

    screen: str
    text: str
    test_name: str
    widget: str
    foreground: tuple[float, float, float]
    background: tuple[float, float, float]
    ratio: float
    inked: bool  # the text box holds pixels of another colour than the background (the text is drawn)
    full: bool = True  # False when a scroll view or the window clips the text (it may then show no ink)

    def describe(self) -> str:
        hexes = ["#" + "".join(f"{round(v * 255):02x}" for v in c) for c in (self.foreground, self.background)]
        name = self.test_name or self.widget
        return f"{self.screen}: {name} {self.text[:40]!r}: {self.ratio:.2f}:1 ({hexes[0]} on {hexes[1]})"


def background_of(pixels: np.ndarray) -> np.ndarray:
    """The most common colour of an RGB pixel block (0..1 floats)."""
    flat = pixels.reshape(-1, 3)
    colours, counts = np.unique(flat, axis=0, return_counts=True)
    return colours[counts.argmax()] / 255.0


def measure(png: Path, labels: list[dict]) -> list[LabelContrast]:
    """The contrast of every label in ``labels`` (records of ``screens.label_map``) on screenshot ``png``."""
    image = np.asarray(Image.open(png).convert("RGB"))
    out = []
    for label in labels:
        left, top, right, bottom = label["box"]
        block = image[max(top, 0):bottom, max(left, 0):right]
        if block.size == 0:
            continue
        bg = background_of(block)
        r, g, b, a = label["color"]
        fg = np.array([r, g, b]) * a + bg * (1 - a)
        inked = bool((np.abs(block / 255.0 - bg).max(axis=2) > 0.1).any())
        out.append(LabelContrast(png.stem, label["text"], label.get("test_name", ""), label["widget"],
                                 tuple(fg.round(3)), tuple(bg.round(3)), contrast_ratio(fg, bg), inked,
                                 label.get("full", True)))
    return out


def measure_gallery(directory: Path) -> list[LabelContrast]:
    """Every label of every screenshot in ``directory`` that has its label records."""
    results = []
    for records in sorted(directory.glob("*.labels.json")):
        png = records.with_name(records.name.removesuffix(".labels.json") + ".png")
        results += measure(png, json.loads(records.read_text(encoding="utf-8")))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m screens.contrast", description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--min", type=float, default=WCAG_AA)
    args = parser.parse_args(argv)
    results = measure_gallery(args.directory)
    low = [r for r in results if r.ratio < args.min]
    for r in sorted(low, key=lambda r: r.ratio):
        print(r.describe())
    print(f"{len(results)} labels, {len(low)} under {args.min}:1", file=sys.stderr)
    return 1 if low or not results else 0


if __name__ == "__main__":
    sys.exit(main())
