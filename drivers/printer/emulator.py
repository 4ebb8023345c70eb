"""The virtual printer's mechanism: ESC/POS bytes in, paper (PNG + decoded text) and status replies out.

:class:`EscPosEmulator` behaves like an 80 or 58 mm Chinese thermal printer: it keeps the modes the
commands set, decodes text in Chinese mode as GB18030 (two-byte codes only with a GBK font, like most
such printers: a four-byte code prints as a box) and outside it as code page 437, wraps at the paper
edge, stores and prints QR codes (drawn with segno), CODE128 barcodes and raster images, answers
DLE EOT and GS r status queries from its paper and cover state, and renders each job (from its first
printed line to the cut) as a PNG next to a ``.txt`` of its text lines. A command it does not know
is recorded in the job's ``errors`` (tests assert there are none).

Like an Epson printer, it answers ``DLE EOT n`` as the bytes *arrive*, whatever command they are in
the middle of: a barcode, QR code or image whose data happens to hold ``10 04 01`` gets a status
byte sent back mid-job, which the host did not ask for (tests assert ``feed`` returns nothing).
``qr_codes=False`` models the common 58 mm printers without ``GS ( k`` (they print images only).

Not thread-safe by itself: :class:`drivers.printer.sim.VirtualPrinter` serialises calls.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import segno
from PIL import Image

from drivers.printer import code128, raster
from drivers.printer.profile import LINE_DOTS, ChineseFont, font_covers

log = logging.getLogger(__name__)

MARGIN_DOTS = 16        # blank paper either side of the printable width, in the PNG
DEFAULT_SPACING = 30    # line pitch in dots (1/6 inch at 180 motion units per inch)


@dataclass
class PrintedJob:
    """One job as it came out of the slot.

    Attributes:
        number: 1, 2, ... in order of printing.
        text_lines: the decoded text of every printed, non-blank line (right-trimmed), in order.
        qr_codes, barcodes: the data of every QR code and CODE128 barcode printed.
        rasters: how many raster images were printed.
        cut: the job ended with a cut (else torn off, or interrupted).
        cut_kind: ``"partial"`` or ``"full"`` for a job that was cut.
        density_percent: the print density the job asked for (GS ( K 49), None if it did not.
        print_area: the left margin and print area width in dots (GS L, GS W) when the job ended.
        interrupted: paper ran out (or the cover opened) before the job ended.
        errors: commands the printer did not understand.
        png_path: the rendered paper, once the job has ended.
    """

    number: int
    text_lines: list[str] = field(default_factory=list)
    qr_codes: list[str] = field(default_factory=list)
    barcodes: list[str] = field(default_factory=list)
    rasters: int = 0
    cut: bool = False
    cut_kind: str | None = None
    density_percent: int | None = None
    print_area: tuple[int, int] = (0, 0)
    interrupted: bool = False
    errors: list[str] = field(default_factory=list)
    png_path: Path | None = None
    bands: list[Image.Image] = field(default_factory=list, repr=False)


@dataclass
class _Modes:
    chinese: bool = False
    align: int = 0
    bold: bool = False
    width: int = 1          # GS ! multipliers
    height: int = 1
    chinese_double: bool = False  # FS ! double width and height
    spacing: int = DEFAULT_SPACING
    qr_module: int = 3
    qr_ecc: str = "l"
    barcode_height: int = 162
    barcode_module: int = 3
    hri_below: bool = False


class EscPosEmulator:
    """Feed it the bytes a host sends (:meth:`feed`); it returns the bytes the printer answers.

    Args:
        dots: printable dots per line (576 for 80 mm, 384 for 58 mm paper).
        chinese_font: the coverage of the emulated Chinese font (see :mod:`drivers.printer.profile`).
        chinese_by_default: Chinese mode is on after power-on and ESC @ (a memory switch on real
            printers); off by default, so a host that forgets FS & sees code-page garbage.
        out_dir: where each job's ``job-NNNN.png`` and ``.txt`` go (None: not written).
        on_job: called with each finished :class:`PrintedJob`.
    """

    def __init__(self, dots: int = 576, chinese_font: ChineseFont = "gbk", chinese_by_default: bool = False,
                 out_dir: Path | None = None, on_job: Callable[[PrintedJob], None] | None = None,
                 qr_codes: bool = True) -> None:
        self.dots = dots
        self.qr_codes = qr_codes
        self._rx_tail = b""  # the last two bytes received: a real-time command may span two reads
        self.chinese_font = chinese_font
        self.chinese_by_default = chinese_by_default
        self.out_dir = out_dir
        self.on_job = on_job
        self.paper = "ok"          # "ok", "near_end" or "out"
        self.cover = "closed"      # "closed" or "open"
        self.cable = True          # False once the link to the host is cut mid-job
        self.jobs: list[PrintedJob] = []
        self.lines_printed = 0
        self._fault: tuple[int, Callable[[], None]] | None = None
        self._buf = bytearray()
        self._modes = _Modes(chinese=chinese_by_default)
        self._line: list[tuple[str, int, int, bool]] = []  # char, cell width, height, bold
        self._job: PrintedJob | None = None
        self._qr_data = b""
        self._reply = bytearray()
        self._density: int | None = None  # GS ( K 49, valid until ESC @
        self._left, self._area = 0, dots   # GS L, GS W (dots), valid until ESC @
        self._cut_kind = "partial"

    # -- host side --------------------------------------------------------------------------------
    def feed(self, data: bytes, on_realtime: Callable[[bytes], None] | None = None) -> bytes:
        """Interpret ``data`` (any split of the stream); return the reply bytes to send back.

        The replies to DLE EOT n are made on receipt; ``on_realtime`` gets them before the data is
        processed, as a printer's receive interrupt answers while its engine is still busy (rendering a
        job here takes long enough on a loaded machine to miss a host's status timeout).
        """
        self._realtime_on_receipt(data)
        if on_realtime is not None and self._reply:
            on_realtime(bytes(self._reply))
            self._reply.clear()
        self._buf += data
        while self._buf:
            used = self._step()
            if used == 0:
                break  # an incomplete command: wait for the rest
            del self._buf[:used]
        reply, self._reply = bytes(self._reply), bytearray()
        return reply

    def _realtime_on_receipt(self, data: bytes) -> None:
        """Answer every DLE EOT n in the received bytes at once, inside other commands' data too."""
        window = self._rx_tail + data
        at = window.find(b"\x10\x04")
        while at != -1:
            if at + 2 < len(window) and at + 2 >= len(self._rx_tail):  # complete, and not answered before
                self._reply.append(self._status_byte(window[at + 2]))
            at = window.find(b"\x10\x04", at + 1)
        self._rx_tail = window[-2:]

    # -- operator side ------------------------------------------------------------------------------
    def set_paper(self, state: str) -> None:
        """``"ok"``, ``"near_end"`` or ``"out"`` (a job being printed is interrupted)."""
        if state not in ("ok", "near_end", "out"):
            raise ValueError(f"paper state must be ok, near_end or out, got {state!r}")
        self.paper = state
        if state == "out":
            self._interrupt()

    def set_cover(self, state: str) -> None:
        """``"open"`` or ``"closed"`` (opening it interrupts a job being printed)."""
        if state not in ("open", "closed"):
            raise ValueError(f"cover state must be open or closed, got {state!r}")
        self.cover = state
        if state == "open":
            self._interrupt()

    def after_lines(self, lines: int, action: Callable[[], None]) -> None:
        """Run ``action`` (e.g. paper runs out) once ``lines`` more lines have been printed."""
        self._fault = (self.lines_printed + lines, action)

    def tear_off(self) -> PrintedJob | None:
        """The citizen tears the paper off a printer without a cutter: the current job ends."""
        self._print_line_if_any()
        return self._finish(cut=False)

    def cut_cable(self) -> None:
        """The link to the host is cut: nothing more arrives; a job being printed stays unfinished."""
        self.cable = False
        self._interrupt()

    def reconnect(self) -> None:
        """A (new) link to the host: half-received commands of the old one are forgotten."""
        self._buf.clear()
        self._rx_tail = b""
        self.cable = True

    @property
    def online(self) -> bool:
        return self.paper != "out" and self.cover == "closed" and self.cable

    # -- parsing ----------------------------------------------------------------------------------
    def _step(self) -> int:
        b = self._buf
        c = b[0]
        if c == 0x1B:
            return self._esc()
        if c == 0x1D:
            return self._gs()
        if c == 0x1C:
            return self._fs()
        if c == 0x10:
            return self._dle()
        if c == 0x0A:
            self._print_line()
            return 1
        if c in (0x0D, 0x00):
            return 1
        if c == 0x09:
            self._add_char(" ")
            return 1
        if c < 0x20 or c == 0x7F:
            self._error(f"control byte 0x{c:02x}")
            return 1
        return self._text()

    def _need(self, n: int) -> bool:
        return len(self._buf) >= n

    def _esc(self) -> int:
        if not self._need(2):
            return 0
        cmd, m = chr(self._buf[1]), self._modes
        if cmd == "@":
            self._print_line_if_any()
            self._finish(cut=False)
            self._modes = _Modes(chinese=self.chinese_by_default)
            self._density = None
            self._left, self._area = 0, self.dots
            return 2
        if cmd == "2":
            m.spacing = DEFAULT_SPACING
            return 2
        if cmd not in "!-3aEdJRtMG{ V":
            self._error(f"ESC 0x{self._buf[1]:02x}")
            return 2
        if not self._need(3):
            return 0
        n = self._buf[2]
        if cmd == "a":
            m.align = n % 48 if n >= 48 else n
        elif cmd == "E":
            m.bold = bool(n & 1)
        elif cmd == "!":
            m.bold, m.height, m.width = bool(n & 0x08), 2 if n & 0x10 else 1, 2 if n & 0x20 else 1
        elif cmd == "3":
            m.spacing = n
        elif cmd == "d":
            self._print_line()
            self._blank(max(n - 1, 0) * m.spacing)
        elif cmd == "J":
            self._print_line_if_any()
            self._blank(n)
        return 3  # ESC - R t M G { SP V: accepted, no visible effect here

    def _gs(self) -> int:
        if not self._need(3):
            return 0
        cmd, n, m = chr(self._buf[1]), self._buf[2], self._modes
        if cmd == "!":
            m.width, m.height = (n >> 4) + 1, (n & 0x0F) + 1
        elif cmd == "h":
            m.barcode_height = n
        elif cmd == "w":
            m.barcode_module = n
        elif cmd == "H":
            m.hri_below = n in (2, 3, 50, 51)
        elif cmd in "fabBI":
            pass
        elif cmd == "r":
            if self.online:  # in order: answered once everything before it is printed
                self._reply.append((0x03 if self.paper == "near_end" else 0x00))
        elif cmd == "V":
            self._cut_kind = "full" if n in (0, 48, 65, 97, 103) else "partial"
            if n in (65, 66, 97, 98, 103, 104):
                if not self._need(4):
                    return 0
                self._cut()
                return 4
            self._cut()
        elif cmd in "LWP":
            if not self._need(4):
                return 0
            value = self._buf[2] | self._buf[3] << 8
            if cmd == "L":  # left margin: the print area keeps its width up to the paper edge
                self._left = min(value, self.dots - 1)
            elif cmd == "W":
                self._area = max(value, 1)
            return 4
        elif cmd == "k":
            return self._barcode()
        elif cmd == "(":
            return self._gs_paren()
        elif cmd == "v":
            return self._raster()
        else:
            self._error(f"GS 0x{self._buf[1]:02x}")
            return 2
        return 3

    def _fs(self) -> int:
        if not self._need(2):
            return 0
        cmd = chr(self._buf[1])
        if cmd == "&":
            self._modes.chinese = True
            return 2
        if cmd == ".":
            self._modes.chinese = False
            return 2
        if cmd in "!-WC":
            if not self._need(3):
                return 0
            if cmd == "!":
                self._modes.chinese_double = bool(self._buf[2] & 0x0C)
            return 3
        if cmd == "S":
            return 4 if self._need(4) else 0
        self._error(f"FS 0x{self._buf[1]:02x}")
        return 2

    def _dle(self) -> int:
        if not self._need(3):
            return 0
        fn, n = self._buf[1], self._buf[2]
        if fn == 0x04:  # DLE EOT n: real-time status, already answered when it arrived
            return 3
        if fn == 0x05:  # DLE ENQ n: real-time request, nothing to do here
            return 3
        if fn == 0x14:  # DLE DC4 fn ...
            length = {1: 5, 2: 5, 8: 10}.get(n)
            if length is None:
                self._error(f"DLE DC4 {n}")
                return 3
            if not self._need(length):
                return 0
            if n == 8:  # clear buffers: anything half-printed on this line is dropped
                self._line.clear()
            return length
        self._error(f"DLE 0x{fn:02x}")
        return 1

    def _status_byte(self, n: int) -> int:
        out, near = self.paper == "out", self.paper == "near_end"
        if n == 1:
            return 0x12 | (0 if self.online else 0x08)
        if n == 2:
            return 0x12 | (0x04 if self.cover == "open" else 0) | (0x20 if out else 0)
        if n == 4:
            return 0x12 | (0x0C if out or near else 0) | (0x60 if out else 0)
        return 0x12  # n == 3: no errors; anything else is not defined

    def _text(self) -> int:
        b, m = self._buf, self._modes
        c = b[0]
        if c < 0x80:
            self._add_char(chr(c))
            return 1
        if not m.chinese:
            self._add_char(bytes([c]).decode("cp437"), single_byte=True)
            return 1
        if c in (0x80, 0xFF):
            self._add_char("\ufffd")
            return 1
        if not self._need(2):
            return 0
        size = 4 if 0x30 <= b[1] <= 0x39 else 2
        if not self._need(size):
            return 0
        try:
            ch = bytes(b[:size]).decode("gb18030")
        except UnicodeDecodeError:
            ch = "\ufffd"
        if not font_covers(self.chinese_font, ch):
            ch = "\ufffd"  # the font has no glyph for it: the printer prints a placeholder
        self._add_char(ch)
        return size

    def _gs_paren(self) -> int:
        if not self._need(5):
            return 0
        fn_group, length = chr(self._buf[2]), self._buf[3] | self._buf[4] << 8
        if not self._need(5 + length):
            return 0
        body = bytes(self._buf[5:5 + length])
        if fn_group == "k" and body[:1] == b"1" and self.qr_codes:
            self._qr_function(body[1], body[2:])
        elif fn_group == "K" and body[:1] == b"1" and len(body) == 2:
            self._density = 100 + 5 * (body[1] - 256 if body[1] > 127 else body[1])
        else:
            self._error(f"GS ( {fn_group}")
        return 5 + length

    def _qr_function(self, fn: int, args: bytes) -> None:
        m = self._modes
        if fn == 67:
            m.qr_module = args[0]
        elif fn == 69:
            m.qr_ecc = "lmqh"[args[0] - 48]
        elif fn == 80:
            self._qr_data = args[1:]
        elif fn == 81:
            self._print_qr()
        elif fn not in (65, 82):
            self._error(f"QR function {fn}")

    def _barcode(self) -> int:
        if not self._need(4):
            return 0
        kind = self._buf[2]
        if kind < 65:  # GS k m d1...dk NUL: older types, not used by this driver
            end = self._buf.find(0, 3)
            if end < 0:
                return 0
            self._error(f"barcode type {kind}")
            return end + 1
        length = self._buf[3]
        if not self._need(4 + length):
            return 0
        if kind == 73:
            self._print_barcode(bytes(self._buf[4:4 + length]))
        else:
            self._error(f"barcode type {kind}")
        return 4 + length

    def _raster(self) -> int:
        if not self._need(8):
            return 0
        xb, rows = self._buf[4] | self._buf[5] << 8, self._buf[6] | self._buf[7] << 8
        if not self._need(8 + xb * rows):
            return 0
        bits = np.unpackbits(np.frombuffer(bytes(self._buf[8:8 + xb * rows]), np.uint8).reshape(rows, xb), axis=1)
        image = Image.fromarray(np.where(bits, 0, 255).astype(np.uint8), "L")
        self._print_line_if_any()
        self._emit(self._aligned(image), record=lambda job: setattr(job, "rasters", job.rasters + 1))
        return 8 + xb * rows

    # -- printing -------------------------------------------------------------------------------
    def _add_char(self, ch: str, single_byte: bool = False) -> None:
        m = self._modes
        two_byte = not single_byte and not (" " <= ch <= "~")
        scale_w = max(m.width, 2 if two_byte and m.chinese_double else 1)
        scale_h = max(m.height, 2 if two_byte and m.chinese_double else 1)
        cell = (24 if two_byte else 12) * scale_w
        if sum(w for _, w, _, _ in self._line) + cell > self._width():
            self._print_line()  # the printer wraps at the edge of the print area
        self._line.append((ch, cell, LINE_DOTS * scale_h, m.bold))

    def _print_line_if_any(self) -> None:
        if self._line:
            self._print_line()

    def _print_line(self) -> None:
        height = max((h for _, _, h, _ in self._line), default=LINE_DOTS)
        pitch = max(self._modes.spacing, height + DEFAULT_SPACING - LINE_DOTS)
        band = Image.new("L", (sum(w for _, w, _, _ in self._line) or 1, pitch), 255)
        x = 0
        for ch, width, h, bold in self._line:
            g = raster.glyph(ch, bold)
            if g.size != (width, h):
                g = g.resize((width, h), Image.NEAREST)
            band.paste(g, (x, height - h))
            x += width
        text = "".join(ch for ch, _, _, _ in self._line).rstrip()
        self._line.clear()
        self._emit(self._aligned(band), count=bool(text),
                   record=(lambda job: job.text_lines.append(text)) if text else None)

    def _print_qr(self) -> None:
        if not self._qr_data:
            self._error("QR print without stored data")
            return
        qr = segno.make_qr(self._qr_data, error=self._modes.qr_ecc, boost_error=False)
        matrix = np.array([list(row) for row in qr.matrix], dtype=np.uint8)
        dots = np.kron(matrix, np.ones((self._modes.qr_module,) * 2, np.uint8))
        data = self._qr_data.decode("utf-8", "replace")
        self._print_line_if_any()
        self._emit(self._aligned(Image.fromarray(np.where(dots, 0, 255).astype(np.uint8), "L")),
                   record=lambda job: job.qr_codes.append(data))

    def _print_barcode(self, data: bytes) -> None:
        m = self._modes
        try:
            bars = code128.bar_modules(data)
            _, text = code128.symbol_values(data)
        except code128.Code128Error as e:
            self._error(f"CODE128: {e}")
            return
        row = np.repeat(np.where(np.array(bars), 0, 255).astype(np.uint8), m.barcode_module)
        image = Image.fromarray(np.tile(row, (m.barcode_height, 1)), "L")
        if m.hri_below:
            hri = raster.draw_text(text)
            combined = Image.new("L", (max(image.width, hri.width), image.height + hri.height + 4), 255)
            combined.paste(image, ((combined.width - image.width) // 2, 0))
            combined.paste(hri, ((combined.width - hri.width) // 2, image.height + 4))
            image = combined
        self._print_line_if_any()
        self._emit(self._aligned(image), record=lambda job: job.barcodes.append(text))

    def _width(self) -> int:
        """The print area's width: GS W, cut at the paper edge."""
        return max(min(self._area, self.dots - self._left), 1)

    def _aligned(self, image: Image.Image) -> Image.Image:
        band = Image.new("L", (self.dots, image.height), 255)
        free = max(self._width() - image.width, 0)
        x = self._left + (0, free // 2, free)[min(self._modes.align, 2)]
        band.paste(image.crop((0, 0, min(image.width, self.dots - x), image.height)), (x, 0))  # cut at the edge
        return band

    def _blank(self, dots: int) -> None:
        if dots > 0:
            self._emit(Image.new("L", (self.dots, dots), 255), count=False)

    def _emit(self, band: Image.Image, count: bool = True,
              record: Callable[[PrintedJob], None] | None = None) -> None:
        """Put a band on paper if there is paper; ``record`` notes what it was in the job."""
        if not self.online:
            return
        if self._job is None:
            self._job = PrintedJob(len(self.jobs) + 1)
        self._job.bands.append(band)
        if record is not None:
            record(self._job)
        if count:
            self.lines_printed += 1
            if self._fault and self.lines_printed >= self._fault[0]:
                action, self._fault = self._fault[1], None
                action()

    def _cut(self) -> None:
        self._print_line_if_any()
        if self._job is not None and self.online:
            self._finish(cut=True)

    def _interrupt(self) -> None:
        if self._job is not None:
            self._line.clear()
            self._job.interrupted = True
            self._finish(cut=False)

    def _error(self, what: str) -> None:
        if self._job is None:
            self._job = PrintedJob(len(self.jobs) + 1)
        self._job.errors.append(what)

    def _finish(self, cut: bool) -> PrintedJob | None:
        job, self._job = self._job, None
        if job is None:
            return None
        job.cut = cut
        job.cut_kind = self._cut_kind if cut else None
        job.density_percent = self._density
        job.print_area = (self._left, self._width())
        self.jobs.append(job)
        if self.out_dir is not None:
            try:
                self._save(job)
            except OSError as e:  # a full disk: the job still came out, only its picture is missing
                log.warning("virtual printer: job %d not saved as a picture (%s)", job.number, e.strerror or e)
                job.png_path = None
        job.bands = []  # the PNG is the record: a kiosk demo prints all day, keep no bitmaps
        if self.on_job is not None:
            self.on_job(job)
        return job

    def _save(self, job: PrintedJob) -> None:
        height = sum(b.height for b in job.bands) + 2 * MARGIN_DOTS
        paper = Image.new("L", (self.dots + 2 * MARGIN_DOTS, height), 255)
        y = MARGIN_DOTS
        for band in job.bands:
            paper.paste(band, (MARGIN_DOTS, y))
            y += band.height
        self.out_dir.mkdir(parents=True, exist_ok=True)
        job.png_path = self.out_dir / f"job-{job.number:04d}.png"
        paper.point(lambda v: 255 if v >= 128 else 0).convert("1").save(job.png_path)
        job.png_path.with_suffix(".txt").write_text("\n".join(job.text_lines) + "\n", encoding="utf-8")
