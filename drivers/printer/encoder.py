"""Receipt -> ESC/POS bytes for one printer profile. Pure: no port, no clock, no state between calls.

Chinese is sent explicitly: after ``ESC @`` the printer is put in Chinese mode (``FS &``) and every
non-ASCII character goes out as GB18030, punctuation-only text included (python-escpos sends GB18030
only when a string contains a common hanzi, so ``，。！`` became ``???``). Lines holding a character
the printer's font lacks, and in raster mode every non-ASCII line, are sent as ``GS v 0`` images
drawn with our Simplified-Chinese font.

The output is a list of *parts*, each a complete command sequence: the driver sends them in chunks
and asks for status between chunks, and a status query must never land inside another command.
"""
from __future__ import annotations

import segno

from drivers.printer import code128, escpos, raster
from drivers.printer.layout import (
    BarcodeBlock, Block, DrawingBlock, FeedBlock, LayoutError, QrBlock, TextLine, lay_out,
)
from drivers.printer.profile import PrinterProfile
from drivers.printer.receipt import Receipt

QR_MAX_DOTS_SHARE = 0.6   # a QR code takes at most this share of the paper width
QR_MODULE_DOTS = (4, 8)   # smallest and largest module size in dots (0.5-1 mm at 203 dpi)
BARCODE_MODULE_DOTS = (2, 3)
TAIL_FEED_LINES = 4       # without a cutter: feed the last line past the tear bar


class ReceiptEncoder:
    """Encodes receipts for one :class:`PrinterProfile`.

    Raises:
        LayoutError: from :meth:`encode`, when a QR code or table cannot fit the paper, or the
            barcode text is not printable ASCII (a barcode that is merely too wide is left out).
    """

    def __init__(self, profile: PrinterProfile) -> None:
        self.profile = profile

    def encode(self, receipt: Receipt) -> bytes:
        """The whole job: init, the receipt, cut (or feed when there is no cutter)."""
        return b"".join(self.encode_parts(receipt))

    def encode_parts(self, receipt: Receipt) -> list[bytes]:
        """The job as complete commands, in order (see the module docstring)."""
        chinese = escpos.CHINESE_ON if self.profile.text_mode == "gb18030" else escpos.CHINESE_OFF
        profile = self.profile
        area = escpos.print_area(profile.margin_left_dots, profile.area_dots) \
            if profile.area_dots != profile.dots_per_line else b""
        parts = [escpos.INIT + escpos.ASB_OFF + escpos.USA_CHARACTERS + chinese
                 + escpos.density(profile.density_percent) + area]
        parts += filter(None, (self._block(block) for block in lay_out(receipt, self.profile.columns)))
        parts.append(escpos.align("left") + escpos.bold(False) + escpos.size(1)
                     + (self._cut() if self.profile.cutter else escpos.feed_lines(TAIL_FEED_LINES)))
        return parts

    def _cut(self) -> bytes:
        return escpos.FULL_CUT if self.profile.cut_mode == "full" else escpos.PARTIAL_CUT

    def _block(self, block: Block) -> bytes:
        if isinstance(block, TextLine):
            return self._text(block)
        if isinstance(block, QrBlock):
            return escpos.align("center") + self._qr(block.data)
        if isinstance(block, BarcodeBlock):
            barcode = self._barcode(block.data)
            return escpos.align("center") + barcode if barcode else b""
        if isinstance(block, FeedBlock):
            return escpos.feed_lines(block.lines)
        if isinstance(block, DrawingBlock):
            image = raster.drawing_image(block.drawing, self.profile.area_dots)
            return escpos.align("left") + raster.raster_command(image) + escpos.feed_dots(6)
        raise TypeError(f"unknown block {type(block).__name__}")

    def _text(self, line: TextLine) -> bytes:
        style = escpos.bold(line.bold) + escpos.size(line.scale)
        if all(self.profile.font_has(ch) for ch in line.text):
            return escpos.align(line.align) + style + line.text.encode("gb18030") + escpos.LF
        image = raster.line_image(line.text, self.profile.area_dots, line.align, line.bold, line.scale)
        return escpos.align("left") + style + raster.raster_command(image) + escpos.feed_dots(6)

    def _qr(self, data: str) -> bytes:
        payload = data.encode("utf-8")
        modules = segno.make_qr(payload, error="m", boost_error=False).symbol_size(border=4)[0]
        dots = min(QR_MODULE_DOTS[1], int(self.profile.area_dots * QR_MAX_DOTS_SHARE) // modules)
        if dots < QR_MODULE_DOTS[0]:
            raise LayoutError(f"a QR code of {len(payload)} bytes is too large for this paper")
        native = escpos.qr_code(payload, dots, "M")
        if self.profile.qr_as_image or escpos.REALTIME.search(native):
            # printers without GS ( k, and data whose bytes would hold a real-time command: an image
            image = raster.qr_image(payload, dots, self.profile.area_dots)
            return escpos.align("left") + raster.raster_command(image) + escpos.feed_dots(6)
        return native + escpos.LF

    def _barcode(self, text: str) -> bytes:
        try:
            data = code128.epson_data(text)
        except code128.Code128Error as e:
            raise LayoutError(str(e)) from None
        dots = min(BARCODE_MODULE_DOTS[1], self.profile.area_dots // code128.module_count(data))
        if dots < BARCODE_MODULE_DOTS[0]:
            return b""  # too wide for this paper; the receipt's QR code carries the same data
        return escpos.code128(data, dots) + escpos.LF
