"""Text drawn on the printer's character grid with our Simplified-Chinese font, as raster images.

Used for printers without a Chinese font (``text_mode = "raster"``), for characters a GBK printer
font lacks (four-byte GB18030 codes: rare characters in names and addresses), and by the virtual
printer to draw the text it receives. Each character is drawn into its grid cell (12 x 24 dots for
ASCII, 24 x 24 for anything else), so a rasterised line takes exactly the columns the layout counted.
Glyphs are cached: after the first receipt a line costs a few pastes.
"""
from __future__ import annotations

import functools
import threading
from pathlib import Path

import numpy as np
import segno
from PIL import Image, ImageDraw, ImageFont

from drivers.printer import escpos
from drivers.printer.layout import LayoutError, char_columns
from drivers.printer.profile import CELL_DOTS, LINE_DOTS

FONT_DIR = Path(__file__).resolve().parents[2] / "assets" / "fonts" / "generated"
FONTS = {False: FONT_DIR / "NotoSansCJKsc-Regular.otf", True: FONT_DIR / "NotoSansCJKsc-Bold.otf"}
_FONT_SIZE = 22   # the ideographic em box fits 24 dots with the baseline at 20
_BASELINE = 20
_render_lock = threading.Lock()  # one FreeType face is not safe to use from two threads at once


class FontMissing(LayoutError):
    """The Simplified-Chinese font is not installed (run ``scripts/prepare_font.py``).

    A :class:`LayoutError`: the job cannot be encoded and nothing is sent, like a receipt that does not fit."""


@functools.lru_cache(maxsize=2)
def _font(bold: bool) -> ImageFont.FreeTypeFont:
    path = FONTS[bold] if FONTS[bold].exists() else FONTS[False]
    try:
        return ImageFont.truetype(str(path), _FONT_SIZE)
    except OSError:
        raise FontMissing(f"the printer needs text drawn as images and the font {path} is missing: "
                          "run scripts/prepare_font.py") from None


@functools.lru_cache(maxsize=8192)
def glyph(ch: str, bold: bool = False) -> Image.Image:
    """One character in its cell, greyscale (0 = black), at 1x size."""
    width = CELL_DOTS * char_columns(ch)
    with _render_lock:
        font = _font(bold)
        left, _, right, _ = font.getbbox(ch, anchor="ls")
        ink = Image.new("L", (max(right - left, 1), LINE_DOTS), 255)
        ImageDraw.Draw(ink).text((-left, _BASELINE), ch, font=font, fill=0, anchor="ls")
    if ink.width > width:  # wide Latin letters (M, W) are narrowed into their 12-dot cell
        ink = ink.resize((width, LINE_DOTS), Image.LANCZOS)
    cell = Image.new("L", (width, LINE_DOTS), 255)
    cell.paste(ink, ((width - ink.width) // 2, 0))
    return cell


def draw_text(text: str, bold: bool = False, scale: int = 1) -> Image.Image:
    """``text`` on the character grid, greyscale, ``scale`` x ``scale`` (dot-doubled like a printer)."""
    cells = [glyph(ch, bold) for ch in text]
    line = Image.new("L", (max(sum(c.width for c in cells), 1), LINE_DOTS), 255)
    x = 0
    for cell in cells:
        line.paste(cell, (x, 0))
        x += cell.width
    if scale > 1:
        line = line.resize((line.width * scale, LINE_DOTS * scale), Image.NEAREST)
    return line


def line_image(text: str, dots: int, align: str = "left", bold: bool = False, scale: int = 1) -> Image.Image:
    """A full-width band (``dots`` wide) with ``text`` placed as the printer would justify it."""
    drawn = draw_text(text, bold, scale)
    band = Image.new("L", (dots, drawn.height), 255)
    x = {"left": 0, "center": (dots - drawn.width) // 2, "right": dots - drawn.width}[align]
    band.paste(drawn, (max(x, 0), 0))
    return band


def qr_image(data: bytes, module_dots: int, dots: int) -> Image.Image:
    """A QR code (model 2, level M, quiet zone of four modules) centred on a band ``dots`` wide."""
    matrix = np.array(segno.make_qr(data, error="m", boost_error=False).matrix, dtype=bool)
    matrix = np.pad(matrix, 4)
    black = np.kron(matrix, np.ones((module_dots, module_dots), dtype=bool))
    band = np.zeros((black.shape[0], dots), dtype=bool)
    left = max(0, (dots - black.shape[1]) // 2)
    band[:, left:left + black.shape[1]] = black[:, :dots - left]
    return Image.fromarray(np.where(band, 0, 255).astype(np.uint8), "L")


def drawing_image(drawing, dots: int, share: float = 0.6) -> Image.Image:
    """A line drawing (``receipt.Drawing``) scaled to ``share`` of the paper, centred on a band ``dots`` wide."""
    from PIL import ImageDraw

    width = max(1, int(dots * share))
    scale = width / max(drawing.width, 1)
    height = max(1, int(drawing.height * scale))
    band = Image.new("L", (dots, height), 255)
    pen = ImageDraw.Draw(band)
    left = (dots - width) // 2
    for line in drawing.lines:
        points = [(left + x * scale, y * scale) for x, y in line]
        if len(points) == 1:
            points = points * 2
        pen.line(points, fill=0, width=3, joint="curve")
    return band


def raster_command(image: Image.Image) -> bytes:
    """GS v 0 for a greyscale image (dark dots below 128 are burnt); width padded to 8 dots."""
    black = np.asarray(image.convert("L")) < 128
    packed = np.packbits(black, axis=1)  # pads each row to whole bytes with white
    return escpos.raster_image(packed.tobytes(), packed.shape[1], packed.shape[0])
