"""ESC/POS command bytes: the part of the Epson command set this driver sends (and the simulator reads).

Only builders and constants live here, no state and no I/O. Names follow Epson's command reference
(ESC @, FS &, GS ( k ...); each builder returns the complete command so a caller never splits one.
"""
from __future__ import annotations

import re

ESC, GS, FS, DLE = b"\x1b", b"\x1d", b"\x1c", b"\x10"
LF = b"\n"

INIT = ESC + b"@"                      # ESC @: reset modes, keep the receive buffer
USA_CHARACTERS = ESC + b"R\x00"        # ESC R 0: 0x24 is '$' and 0x5C is '\' whatever the DIP switches say
ASB_OFF = GS + b"a\x00"                # GS a 0: no automatic status back (we ask with DLE EOT)
CHINESE_ON = FS + b"&"                 # FS &: two-byte (GB18030) characters from here on
CHINESE_OFF = FS + b"."                # FS .: single-byte code page characters only
PARTIAL_CUT = GS + b"VB\x00"           # GS V 66 0: feed to the cutter and cut, leaving a hinge
FULL_CUT = GS + b"VA\x00"              # GS V 65 0: feed to the cutter and cut through
CLEAR_BUFFER = DLE + b"\x14\x08\x01\x03\x14\x01\x06\x02\x08"  # DLE DC4 8: drop unprinted data (real-time)
PAPER_STATUS_IN_ORDER = GS + b"r\x01"  # GS r 1: answered only after everything before it was printed

# Real-time commands (DLE EOT, DLE ENQ, DLE DC4) are acted on the moment the printer receives them,
# even inside another command's data (a barcode, a QR code, an image). GS ( D can switch off only
# DLE DC4 fn 1 and 2 (pulse, power-off), not DLE EOT, so the encoder's rule is that no data it sends
# ever holds such a sequence: barcodes avoid the byte, QR codes whose bytes would hold it are sent as
# images, and image data is defused.
REALTIME = re.compile(rb"\x10(?=[\x04\x05\x14])")

# DLE EOT n: real-time status, answered even while the printer is offline.
STATUS_PRINTER, STATUS_OFFLINE_CAUSE, STATUS_ERROR, STATUS_PAPER = 1, 2, 3, 4


def density(percent: int) -> bytes:
    """GS ( K 2 0 49 m: print density for this job, 70-130 % in 5 % steps (m = -6..6 as a byte).

    Valid until ``ESC @``, so it is sent with every job; printers without it skip the command
    (its length is in the header)."""
    if percent % 5 or not 70 <= percent <= 130:
        raise ValueError(f"density must be 70-130 % in 5 % steps, got {percent}")
    return GS + b"(K\x02\x001" + bytes([((percent - 100) // 5) & 0xFF])


def print_area(left_dots: int, width_dots: int) -> bytes:
    """GS L + GS W: the left margin and the print area width, in dots (the motion unit of 203-dpi
    heads). Valid until ``ESC @``, so sent with every job that has margins."""
    if not 0 <= left_dots <= 0xFFFF or not 1 <= width_dots <= 0xFFFF:
        raise ValueError(f"print area out of range: left {left_dots}, width {width_dots}")
    return GS + b"L" + left_dots.to_bytes(2, "little") + GS + b"W" + width_dots.to_bytes(2, "little")


def status_query(n: int) -> bytes:
    """DLE EOT n (n = 1 printer, 2 offline cause, 3 error cause, 4 roll paper sensor)."""
    return DLE + b"\x04" + bytes([n])


def align(where: str) -> bytes:
    """ESC a n: justification for the following lines ("left", "center" or "right")."""
    return ESC + b"a" + bytes([{"left": 0, "center": 1, "right": 2}[where]])


def bold(on: bool) -> bytes:
    """ESC E n: emphasized (bold) printing."""
    return ESC + b"E" + bytes([1 if on else 0])


def size(scale: int) -> bytes:
    """GS ! n (all characters) plus FS ! n (two-byte characters): print at ``scale`` x ``scale``.

    Epson applies GS ! to every character, but some Chinese printers size two-byte characters only
    from FS !, which knows nothing beyond double size; the layout therefore never prints two-byte
    text larger than 2x (only the ASCII queue number is).
    """
    if not 1 <= scale <= 8:
        raise ValueError(f"character scale must be 1-8, got {scale}")
    chinese = 0x0C if scale >= 2 else 0x00
    return GS + b"!" + bytes([(scale - 1) << 4 | (scale - 1)]) + FS + b"!" + bytes([chinese])


def feed_lines(n: int) -> bytes:
    """ESC d n: print the buffer and feed ``n`` lines."""
    return ESC + b"d" + bytes([n])


def feed_dots(n: int) -> bytes:
    """ESC J n: print the buffer and feed ``n`` dots."""
    return ESC + b"J" + bytes([n])


def _gs_k_qr(fn: int, payload: bytes) -> bytes:
    body = b"1" + bytes([fn]) + payload  # cn = 49 (QR code), then fn
    return GS + b"(k" + len(body).to_bytes(2, "little") + body


def qr_code(data: bytes, module_dots: int, ecc: str = "M") -> bytes:
    """GS ( k: select model 2, module size, error correction, store ``data``, print the symbol."""
    if not 1 <= module_dots <= 16:
        raise ValueError(f"QR module size must be 1-16 dots, got {module_dots}")
    if not 1 <= len(data) <= 7089:
        raise ValueError(f"QR data must be 1-7089 bytes, got {len(data)}")
    return (
        _gs_k_qr(65, b"2\x00")                       # fn 65: model 2
        + _gs_k_qr(67, bytes([module_dots]))         # fn 67: module size in dots
        + _gs_k_qr(69, bytes([48 + "LMQH".index(ecc)]))  # fn 69: error correction level
        + _gs_k_qr(80, b"0" + data)                  # fn 80: store the data
        + _gs_k_qr(81, b"0")                         # fn 81: print the stored symbol
    )


def code128(data: bytes, module_dots: int, height_dots: int = 64) -> bytes:
    """GS h / GS w / GS H / GS f / GS k 73: a CODE128 barcode with its text printed below.

    ``data`` is in Epson's CODE128 form: it starts with ``{A``, ``{B`` or ``{C`` and switches
    code sets with ``{`` sequences (see :mod:`drivers.printer.code128`).
    """
    if not 2 <= len(data) <= 255:
        raise ValueError(f"CODE128 data must be 2-255 bytes, got {len(data)}")
    return (
        GS + b"h" + bytes([height_dots])
        + GS + b"w" + bytes([module_dots])
        + GS + b"H\x02"      # human-readable text below the bars
        + GS + b"f\x00"      # in font A
        + GS + b"kI" + bytes([len(data)]) + data  # m = 73: CODE128
    )


def defuse(data: bytes) -> bytes:
    """Image bytes that can never start a real-time command (see :data:`REALTIME`).

    A DLE byte (``0x10``: a single black dot in that group of eight) that is followed by EOT, ENQ or
    DC4 loses its dot. One dot of a rasterised character is invisible; a QR code or barcode drawn
    with modules of two dots or more never has a lone dot, so it is never touched.
    """
    return REALTIME.sub(b"\x00", data)


def raster_image(data: bytes, width_bytes: int, height: int) -> bytes:
    """GS v 0: a raster bit image, ``width_bytes`` x 8 dots wide, one bit per dot (1 = black), rows in order.

    The data goes through :func:`defuse`: the printer would act on a real-time command hidden in it."""
    if len(data) != width_bytes * height:
        raise ValueError("raster data does not match its size")
    if height > 1000:  # height bytes 0x10 0x04 (1040 dots) would read as DLE EOT; no receipt band is that tall
        raise ValueError("a raster image band is at most 1000 dots high")
    return GS + b"v0\x00" + width_bytes.to_bytes(2, "little") + height.to_bytes(2, "little") + defuse(data)
