"""A receipt laid out on A4 paper as a PDF: the official layout of a document the department issued.

The same printer-independent :class:`~drivers.printer.receipt.Receipt` the 80 mm printer prints,
here as a page: the heading, title and subtitle centred; labelled fields; the table with borders
(its header repeated on every page); totals; notes; a signature; the QR code and barcode; the
footer lines. A reprint is marked at the top and on every page's foot, and a document that runs
onto a second page has page numbers. Text is real text in Noto Sans CJK SC (subset and embedded by
fpdf2), so it can be searched and read back; lines break by the Chinese rules of
:mod:`common.linebreak`, like the receipts and the screens.
"""
from __future__ import annotations

from pathlib import Path

import segno
from fpdf import FPDF

from common.linebreak import break_lines
from drivers.printer.code128 import bar_modules, epson_data
from drivers.printer.receipt import Drawing, Receipt, Table

FONT_DIR = Path(__file__).resolve().parents[2] / "assets" / "fonts"
FONT_FILE = FONT_DIR / "NotoSansCJKsc-Regular.otf"
FAMILY = "noto"
BOLD_STROKE_MM = 0.12  # bold is the regular face stroked: one font to parse and subset halves the time
MARGIN, TOP, BOTTOM = 20.0, 16.0, 22.0  # mm; the page foot lives in the bottom margin
LINE = 1.45                             # line height as a multiple of the font size
QR_MM, BARCODE_MODULE_MM, BARCODE_MM = 34.0, 0.33, 12.0


class _Sheet(FPDF):
    """An A4 portrait document with the kiosk's font."""

    _bold = False

    def __init__(self) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.set_margins(MARGIN, TOP, MARGIN)
        self.set_draw_color(0, 0, 0)
        self.set_auto_page_break(False)  # every block checks its own room (a table row is never split)
        self.set_creator("hall-kiosk")
        self.add_font(FAMILY, "", str(FONT_FILE))

    @property
    def usable(self) -> float:
        return self.w - 2 * MARGIN

    @property
    def bottom(self) -> float:
        return self.h - BOTTOM

    def style(self, size: float, bold: bool = False) -> float:
        """Use this font; returns its line height in mm."""
        self.set_font(FAMILY, "", size)
        self._bold = bold
        return size * LINE * 25.4 / 72

    def cell(self, *args, **kwargs):
        """A cell; bold text is stroked in a local graphics state (a global text mode would leak)."""
        if not self._bold:
            return super().cell(*args, **kwargs)
        with self.local_context(text_mode="FILL_STROKE", line_width=BOLD_STROKE_MM):
            return super().cell(*args, **kwargs)

    def lines(self, text: str, width: float) -> list[str]:
        """``text`` broken into lines of at most ``width`` mm in the current font."""
        out: list[str] = []
        for paragraph in text.split("\n"):
            out.extend(break_lines(paragraph, width, self.get_string_width) or [""])
        return out

    def room(self, height: float) -> None:
        """Start a new page unless ``height`` mm fit above the foot."""
        if self.get_y() + height > self.bottom:
            self.add_page()

    def paragraph(self, text: str, size: float, *, bold: bool = False, align: str = "L") -> None:
        height = self.style(size, bold)
        for line in self.lines(text, self.usable):
            self.room(height)
            self.set_x(MARGIN)
            self.cell(self.usable, height, line, align=align)
            self.ln(height)


def render_pdf(receipt: Receipt) -> bytes:
    """The receipt as an A4 PDF document (one or more pages)."""
    pdf = _Sheet()
    pdf.add_page()
    _top(pdf, receipt)
    for line in receipt.heading:
        pdf.paragraph(line, 14, bold=True, align="C")
    pdf.paragraph(receipt.title, 20, bold=True, align="C")
    for line in receipt.subtitle:
        pdf.paragraph(line, 11, align="C")
    pdf.ln(4)
    if receipt.big_text:
        pdf.paragraph(receipt.big_text, 40, bold=True, align="C")
    _fields(pdf, receipt.fields)
    if receipt.table is not None:
        pdf.ln(3)
        _table(pdf, receipt.table)
    if receipt.totals:
        _totals(pdf, receipt.totals)
    if receipt.notes:
        pdf.ln(3)
        for note in receipt.notes:
            pdf.paragraph(note, 10)
    for drawing in receipt.drawings:
        _drawing(pdf, drawing)
    if receipt.qr:
        _qr(pdf, receipt.qr)
    if receipt.barcode:
        _barcode(pdf, receipt.barcode)
    if receipt.footer:
        pdf.ln(3)
        for line in receipt.footer:
            pdf.paragraph(line, 9, align="C")
    _feet(pdf, receipt)
    return bytes(pdf.output())


def reprint_mark(receipt: Receipt) -> str:
    """The reprint mark in the receipt's language and in English (补打 / REPRINT)."""
    label = receipt.reprint_label.strip()
    return label if label.upper() == "REPRINT" else f"{label} / REPRINT"


def _top(pdf: _Sheet, receipt: Receipt) -> None:
    height = pdf.style(9)
    pdf.set_xy(MARGIN, TOP)
    pdf.cell(pdf.usable / 2, height, receipt.origin.hall_name)
    if receipt.reprint:
        mark = reprint_mark(receipt)
        pdf.style(14, bold=True)
        width = pdf.get_string_width(mark) + 6
        pdf.set_line_width(0.4)
        pdf.set_xy(pdf.w - MARGIN - width, TOP - 2)
        pdf.cell(width, 10, mark, border=1, align="C")
        pdf.set_line_width(0.2)
    pdf.set_y(TOP + 12)


def _fields(pdf: _Sheet, fields: tuple[tuple[str, str], ...]) -> None:
    height = pdf.style(10.5)
    label_w = min(max((pdf.get_string_width(label) for label, _ in fields), default=0) + 6, pdf.usable * 0.4)
    value_w = pdf.usable - label_w
    for label, value in fields:
        values = pdf.lines(value, value_w) if value else [""]
        pdf.room(height * len(values))
        for i, text in enumerate(values):
            pdf.set_x(MARGIN)
            pdf.style(10.5, bold=True)
            pdf.cell(label_w, height, label if i == 0 else "")
            pdf.style(10.5)
            pdf.cell(value_w, height, text)
            pdf.ln(height)


def _totals(pdf: _Sheet, totals: tuple[tuple[str, str], ...]) -> None:
    """Sums under the table, right-aligned: ``税额合计  ¥12,345.00``."""
    height = pdf.style(10.5)
    for label, value in totals:
        pdf.room(height)
        pdf.style(10.5)
        value_w = pdf.get_string_width(value) + 2
        pdf.style(10.5, bold=True)
        pdf.set_x(MARGIN)
        pdf.cell(pdf.usable - value_w - 4, height, label, align="R")
        pdf.style(10.5)
        pdf.cell(value_w + 4, height, value, align="R")
        pdf.ln(height)


def _column_widths(pdf: _Sheet, table: Table) -> list[float]:
    """Each column as wide as its widest cell, shrunk in proportion when they do not all fit."""
    pad = 3.0
    wanted = []
    for i, header in enumerate(table.headers):
        pdf.style(9.5, bold=True)
        widest = pdf.get_string_width(header)
        pdf.style(9.5)
        for row in table.rows:
            widest = max(widest, pdf.get_string_width(row[i]))
        wanted.append(widest + 2 * pad)
    total = sum(wanted)
    if total <= pdf.usable:
        extra = (pdf.usable - total) / len(wanted)
        return [w + extra for w in wanted]
    floor = pdf.usable / len(wanted) / 2  # no column narrower than half an even share
    shrink = (pdf.usable - floor * len(wanted)) / (total - floor * len(wanted))
    return [floor + (w - floor) * shrink for w in wanted]


def _row(pdf: _Sheet, cells: tuple[str, ...] | list[str], widths: list[float], numeric: frozenset[int],
         bold: bool = False, fill: bool = False) -> float:
    """Draw one bordered row at the current position (the caller made room); returns its height."""
    height = pdf.style(9.5, bold)
    wrapped = [pdf.lines(text, w - 6) for text, w in zip(cells, widths)]
    row_h = max(len(lines) for lines in wrapped) * height + 2
    x, y = MARGIN, pdf.get_y()
    for i, (lines, w) in enumerate(zip(wrapped, widths)):
        if fill:  # a local graphics state: a page's foot, drawn last, must not inherit the grey
            with pdf.local_context(fill_color=(230, 230, 230)):
                pdf.rect(x, y, w, row_h, style="DF")
        else:
            pdf.rect(x, y, w, row_h, style="D")
        for n, line in enumerate(lines):
            pdf.set_xy(x + 3, y + 1 + n * height)
            pdf.cell(w - 6, height, line, align="R" if i in numeric and not bold else "L")
        x += w
    pdf.set_xy(MARGIN, y + row_h)
    return row_h


def _row_height(pdf: _Sheet, cells, widths: list[float], bold: bool = False) -> float:
    height = pdf.style(9.5, bold)
    return max(len(pdf.lines(text, w - 6)) for text, w in zip(cells, widths)) * height + 2


def _table(pdf: _Sheet, table: Table) -> None:
    widths = _column_widths(pdf, table)
    header_h = _row_height(pdf, table.headers, widths, bold=True)
    pdf.set_line_width(0.2)
    pdf.room(header_h + (_row_height(pdf, table.rows[0], widths) if table.rows else 0))
    _row(pdf, table.headers, widths, table.numeric, bold=True, fill=True)
    for row in table.rows:
        row_h = _row_height(pdf, row, widths)
        if pdf.get_y() + row_h > pdf.bottom:
            pdf.add_page()
            pdf.set_y(TOP + 4)
            _row(pdf, table.headers, widths, table.numeric, bold=True, fill=True)
        _row(pdf, row, widths, table.numeric)
    pdf.ln(2)


def _drawing(pdf: _Sheet, drawing: Drawing) -> None:
    box_w = 80.0
    scale = box_w / max(drawing.width, 1)
    box_h = drawing.height * scale
    caption_h = pdf.style(9)
    pdf.room(box_h + caption_h + 6)
    pdf.ln(3)
    x, y = MARGIN, pdf.get_y()
    pdf.set_line_width(0.5)
    for line in drawing.lines:
        points = [(x + px * scale, y + py * scale) for px, py in line]
        if len(points) == 1:
            points.append(points[0])
        pdf.polyline(points)
    pdf.set_line_width(0.2)
    pdf.set_xy(MARGIN, y + box_h)
    if drawing.caption:
        pdf.cell(box_w, caption_h, drawing.caption, border="T")
        pdf.ln(caption_h)


def _qr(pdf: _Sheet, data: str) -> None:
    """The QR code as vector squares (crisp at any printer resolution), centred."""
    matrix = segno.make(data, error="m", boost_error=False).matrix
    size = len(matrix)
    module = QR_MM / size
    pdf.room(QR_MM + 8)
    pdf.ln(4)
    x0, y0 = (pdf.w - QR_MM) / 2, pdf.get_y()
    for r, row in enumerate(matrix):
        c = 0
        while c < size:
            if row[c]:
                start = c
                while c < size and row[c]:
                    c += 1
                pdf.rect(x0 + start * module, y0 + r * module, (c - start) * module, module, style="F")
            else:
                c += 1
    pdf.set_y(y0 + QR_MM + 2)


def _barcode(pdf: _Sheet, data: str) -> None:
    modules = bar_modules(epson_data(data))
    width = len(modules) * BARCODE_MODULE_MM
    text_h = pdf.style(9)
    pdf.room(BARCODE_MM + text_h + 4)
    pdf.ln(2)
    x0, y0 = (pdf.w - width) / 2, pdf.get_y()
    for i, dark in enumerate(modules):
        if dark:
            pdf.rect(x0 + i * BARCODE_MODULE_MM, y0, BARCODE_MODULE_MM, BARCODE_MM, style="F")
    pdf.set_xy(MARGIN, y0 + BARCODE_MM)
    pdf.cell(pdf.usable, text_h, data, align="C")
    pdf.ln(text_h)


def _feet(pdf: _Sheet, receipt: Receipt) -> None:
    """Every page's foot: where and when it was printed, the reprint mark, and "2 / 3" when
    the document has more than one page."""
    pages = pdf.page
    origin = receipt.origin
    left = f"{origin.hall_name}  {origin.terminal_id}  {origin.printed_at:%Y-%m-%d %H:%M:%S}"
    if receipt.reprint:
        left += f"  {reprint_mark(receipt)}"
    for number in range(1, pages + 1):
        pdf.page = number
        pdf.current_font_is_set_on_page = False  # fpdf2 tracks this for the page it added last only
        height = pdf.style(8)
        y = pdf.h - BOTTOM + 8
        pdf.line(MARGIN, y - 1, pdf.w - MARGIN, y - 1)
        pdf.set_xy(MARGIN, y)
        pdf.cell(pdf.usable * 0.8, height, left)
        if pages > 1:
            pdf.cell(pdf.usable * 0.2, height, f"{number} / {pages}", align="R")
