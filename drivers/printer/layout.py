"""Text layout on a receipt printer's character grid: widths, wrapping, key-value lines, tables.

A thermal printer's font A is 12 x 24 dots: an ASCII character takes one column, and every
two-byte character (hanzi, full-width punctuation, and also “ ” · — … which Unicode calls
"ambiguous" or narrow) takes two. So the width of a character is decided by how it is sent, not by
``unicodedata.east_asian_width``: one column for printable ASCII, two for everything else.
Lines are broken by the rules of :mod:`common.linebreak` (the screens use the same): never inside
a number with its unit or currency sign, a Latin word or a receipt number, never so that a line
starts with closing punctuation such as ``，。！）：`` or ends with opening punctuation.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Sequence

from common.linebreak import break_lines
from drivers.printer.receipt import Drawing, Receipt

# What the printer's font prints: the Latin-1 yen U+00A5 has no glyph in a GB2312/GBK printer
# font (GB18030 sends it as a four-byte code), the full-width yuan sign U+FFE5 (A3 A4) always has.
_SUBSTITUTES = str.maketrans({"\u00a5": "\uffe5", "\u00a0": " ", "\t": " "})
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")  # could start a printer command


class LayoutError(ValueError):
    """The receipt does not fit this paper (a table, QR code or barcode too wide)."""


def printable(text: str) -> str:
    """``text`` as the printer will get it: NFC, ¥ as ￥, control characters replaced by spaces.

    Replacing controls matters beyond looks: a value containing ESC or GS could otherwise
    smuggle printer commands (a cut, a cash-drawer pulse) into a receipt.
    """
    return _CONTROL.sub(" ", unicodedata.normalize("NFC", text).translate(_SUBSTITUTES))


def char_columns(ch: str) -> int:
    """Columns one character takes: 1 for printable ASCII, 2 for any two-byte character."""
    return 1 if " " <= ch <= "~" else 2


def text_columns(text: str) -> int:
    """Columns a (printable) text takes."""
    return sum(char_columns(ch) for ch in text)


def wrap(text: str, width: int) -> list[str]:
    """Break ``text`` into lines of at most ``width`` columns (always at least one line),
    by the Chinese line-breaking rules of :mod:`common.linebreak`."""
    if width < 2:
        raise ValueError("a line must be at least two columns wide")
    return break_lines(printable(text), width, text_columns)


def key_value(key: str, value: str, width: int) -> list[str]:
    """``key：value``, the value wrapped under itself (or below the key when the key is long)."""
    key = printable(key)
    label = key + ("：" if text_columns(key) != len(key) else ": ")
    indent = text_columns(label)
    if indent <= width // 2:
        body = wrap(value, width - indent)
        return [label + body[0]] + [" " * indent + line for line in body[1:]]
    return wrap(label, width) + ["  " + line for line in wrap(value, width - 2)]


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], width: int,
          numeric: frozenset[int] = frozenset()) -> list[str]:
    """A table with one space between columns; ``numeric`` columns are right-aligned.

    When the natural widths do not fit, the widest text column gives way and its cells wrap.
    """
    cells = [[printable(c) for c in headers]] + [[printable(c) for c in row] for row in rows]
    if any(len(row) != len(headers) for row in cells):
        raise LayoutError("every table row needs one cell per header")
    widths = [max(text_columns(row[i]) for row in cells) for i in range(len(headers))]
    excess = sum(widths) + len(widths) - 1 - width
    if excess > 0:
        flexible = [i for i in range(len(widths)) if i not in numeric] or list(range(len(widths)))
        widest = max(flexible, key=lambda i: widths[i])
        widths[widest] -= excess
        if widths[widest] < 4:
            raise LayoutError("the table does not fit the paper width")
    out: list[str] = []
    for row in cells:
        wrapped = [wrap(cell, widths[i]) if cell else [""] for i, cell in enumerate(row)]
        for k in range(max(len(w) for w in wrapped)):
            parts = []
            for i, lines in enumerate(wrapped):
                piece = lines[k] if k < len(lines) else ""
                pad = " " * (widths[i] - text_columns(piece))
                parts.append(pad + piece if i in numeric else piece + pad)
            out.append(" ".join(parts).rstrip())
    return out


def rule(width: int) -> str:
    """A separator line across the paper."""
    return "-" * width


# -- receipt -> blocks ----------------------------------------------------------------------------
@dataclass(frozen=True)
class TextLine:
    """One printed line: already fitted to ``columns // scale`` columns."""

    text: str
    align: str = "left"
    bold: bool = False
    scale: int = 1


@dataclass(frozen=True)
class QrBlock:
    """A QR code, centered."""

    data: str


@dataclass(frozen=True)
class BarcodeBlock:
    """A CODE128 barcode with its text below, centered."""

    data: str


@dataclass(frozen=True)
class FeedBlock:
    """Blank lines."""

    lines: int


@dataclass(frozen=True)
class DrawingBlock:
    """A line drawing (a signature), printed as an image, centered."""

    drawing: Drawing


Block = TextLine | QrBlock | BarcodeBlock | FeedBlock | DrawingBlock
BIG_TEXT_MAX_SCALE = 4


def lay_out(receipt: Receipt, columns: int) -> list[Block]:
    """The receipt as printable blocks for a paper ``columns`` wide (in font A columns)."""
    blocks: list[Block] = []

    def centered(text: str, scale: int = 1, bold: bool = False) -> None:
        blocks.extend(TextLine(line, "center", bold, scale) for line in wrap(text, columns // scale))

    if receipt.reprint:
        centered(f"** {receipt.reprint_label} **", scale=2, bold=True)
    centered(receipt.origin.hall_name)
    for line in receipt.heading:
        centered(line, bold=True)
    centered(receipt.title, scale=2, bold=True)
    for line in receipt.subtitle:
        centered(line)
    if receipt.big_text:
        big = printable(receipt.big_text)
        centered(big, scale=max(1, min(BIG_TEXT_MAX_SCALE, columns // text_columns(big))), bold=True)
    blocks.append(TextLine(rule(columns)))
    for key, value in receipt.fields:
        blocks.extend(TextLine(line) for line in key_value(key, value, columns))
    if receipt.table is not None:
        t = receipt.table
        blocks.extend(TextLine(line) for line in table(t.headers, t.rows, columns, t.numeric))
    for key, value in receipt.totals:
        blocks.extend(TextLine(line, "right", bold=True) for line in key_value(key, value, columns))
    for note in receipt.notes:
        blocks.extend(TextLine(line) for line in wrap(note, columns))
    for drawing in receipt.drawings:
        if drawing.caption:
            blocks.extend(TextLine(line) for line in wrap(drawing.caption, columns))
        blocks.append(DrawingBlock(drawing))
    if receipt.qr:
        blocks += [FeedBlock(1), QrBlock(receipt.qr)]
    if receipt.barcode:
        blocks += [FeedBlock(1), BarcodeBlock(receipt.barcode)]
    blocks.append(TextLine(rule(columns)))
    for line in receipt.footer:
        centered(line)
    origin = receipt.origin
    centered(f"{origin.terminal_id}  {origin.printed_at:%Y-%m-%d %H:%M:%S}")
    return blocks
