"""How much paper a job fed: the vertical motion of the ESC/POS bytes the driver sent, in dot rows.

The paper counters (centimetres printed, paper left on the roll) come from here: every line feed
(at the line spacing in force, or the height of the tallest character on the line), ``ESC d`` and
``ESC J`` feeds, raster images (their row count), QR codes (modules x module size), barcodes (bar
height and the text under them) and the feed to the cutter. It follows the commands this driver
sends (see :mod:`drivers.printer.escpos`) with the same rules as an Epson printer and the virtual
printer; bytes it does not know are skipped one at a time, never guessed as paper.

:class:`FeedCounter` takes the job in the chunks the driver writes (whole commands each), so an
interrupted job counts only what reached the printer.
"""
from __future__ import annotations

import segno

from drivers.printer.profile import LINE_DOTS, dots_to_mm, mm_to_dots

DEFAULT_SPACING = 30   # ESC 2: 1/6 inch at 180 motion units per inch, in dots
TALL_LINE_GAP = 6      # a line taller than the spacing is fed by its height plus this gap
HRI_GAP = 4            # dots between a barcode's bars and its human-readable text
CUT_FEED_MM = 15       # paper fed from the head past the cutter before a cut (model-dependent)


class FeedCounter:
    """Counts the dot rows fed by a job's bytes; ``dpi`` converts them to millimetres."""

    def __init__(self, dpi: int, cut_feed_mm: float = CUT_FEED_MM) -> None:
        self.dpi = dpi
        self.cut_feed_dots = mm_to_dots(cut_feed_mm, dpi)
        self.dots = 0
        self._reset()

    @property
    def mm(self) -> float:
        """The paper fed so far, in millimetres (one decimal)."""
        return round(dots_to_mm(self.dots, self.dpi), 1)

    def _reset(self) -> None:
        self._spacing = DEFAULT_SPACING
        self._scale_h = 1            # GS ! height multiplier
        self._chinese_double = False  # FS ! double size for two-byte characters
        self._chinese = False
        self._line_height = 0        # tallest character on the current line, 0: empty line
        self._qr_module, self._qr_ecc, self._qr_data = 3, "l", b""
        self._barcode_height, self._hri = 162, False

    def feed(self, data: bytes) -> int:
        """Count ``data`` (whole commands); returns the dot rows it fed."""
        before, i = self.dots, 0
        while i < len(data):
            i += self._step(data, i)
        return self.dots - before

    # -- motion ---------------------------------------------------------------------------------
    def _print_line(self) -> None:
        height = self._line_height or LINE_DOTS
        self.dots += max(self._spacing, height + TALL_LINE_GAP)
        self._line_height = 0

    def _print_line_if_any(self) -> None:
        if self._line_height:
            self._print_line()

    def _character(self, two_byte: bool) -> None:
        scale = max(self._scale_h, 2 if two_byte and self._chinese_double else 1)
        self._line_height = max(self._line_height, LINE_DOTS * scale)

    # -- parsing --------------------------------------------------------------------------------
    def _step(self, b: bytes, i: int) -> int:
        c = b[i]
        if c == 0x0A:
            self._print_line()
            return 1
        if c == 0x1B:
            return self._esc(b, i)
        if c == 0x1D:
            return self._gs(b, i)
        if c == 0x1C:
            return self._fs(b, i)
        if c == 0x10:  # DLE EOT / DLE DC4: real-time, no paper
            return 3 if b[i + 1:i + 2] == b"\x04" else 1
        if c < 0x20:
            return 1
        if c >= 0x81 and self._chinese:
            self._character(two_byte=True)
            return 4 if i + 1 < len(b) and 0x30 <= b[i + 1] <= 0x39 else 2
        self._character(two_byte=False)
        return 1

    def _esc(self, b: bytes, i: int) -> int:
        cmd = b[i + 1:i + 2]
        n = b[i + 2] if i + 2 < len(b) else 0
        if cmd == b"@":
            self._print_line_if_any()
            self._reset()
            return 2
        if cmd == b"2":
            self._spacing = DEFAULT_SPACING
            return 2
        if cmd == b"3":
            self._spacing = n
        elif cmd == b"d":
            self._print_line()
            self.dots += max(n - 1, 0) * self._spacing
        elif cmd == b"J":
            self._print_line_if_any()
            self.dots += n
        elif cmd == b"!":
            self._scale_h = 2 if n & 0x10 else 1
        return 3  # ESC a, E, R, M, - ... : one parameter byte, no paper

    def _gs(self, b: bytes, i: int) -> int:
        cmd = b[i + 1:i + 2]
        n = b[i + 2] if i + 2 < len(b) else 0
        if cmd == b"!":
            self._scale_h = (n & 0x0F) + 1
        elif cmd == b"h":
            self._barcode_height = n
        elif cmd == b"H":
            self._hri = n in (2, 3, 50, 51)
        elif cmd in (b"L", b"W", b"P"):
            return 4
        elif cmd == b"V":
            self._print_line_if_any()
            self.dots += self.cut_feed_dots
            return 4 if n in (65, 66, 97, 98, 103, 104) else 3
        elif cmd == b"v":  # GS v 0 m xL xH yL yH data
            width, rows = b[i + 4] | b[i + 5] << 8, b[i + 6] | b[i + 7] << 8
            self._print_line_if_any()
            self.dots += rows
            return 8 + width * rows
        elif cmd == b"k":  # GS k 73 n data (CODE128)
            self._print_line_if_any()
            self.dots += self._barcode_height + (LINE_DOTS + HRI_GAP if self._hri else 0)
            return 4 + b[i + 3]
        elif cmd == b"(":
            return self._gs_paren(b, i)
        return 3  # GS a, w, f, r ...: one parameter byte, no paper

    def _gs_paren(self, b: bytes, i: int) -> int:
        group, length = b[i + 2:i + 3], b[i + 3] | b[i + 4] << 8
        body = b[i + 5:i + 5 + length]
        if group == b"k" and body[:1] == b"1" and len(body) >= 2:
            fn, args = body[1], body[2:]
            if fn == 67:
                self._qr_module = args[0]
            elif fn == 69:
                self._qr_ecc = "lmqh"[args[0] - 48]
            elif fn == 80:
                self._qr_data = args[1:]
            elif fn == 81 and self._qr_data:
                modules = segno.make_qr(self._qr_data, error=self._qr_ecc, boost_error=False).symbol_size(border=0)[0]
                self._print_line_if_any()
                self.dots += modules * self._qr_module
        return 5 + length

    def _fs(self, b: bytes, i: int) -> int:
        cmd = b[i + 1:i + 2]
        if cmd == b"&":
            self._chinese = True
            return 2
        if cmd == b".":
            self._chinese = False
            return 2
        if cmd == b"!":
            self._chinese_double = bool(b[i + 2] & 0x0C) if i + 2 < len(b) else False
            return 3
        return 2
