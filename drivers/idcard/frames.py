"""SAM frame encoding and an incremental frame parser (bytes in, frames out; no I/O).

A frame is ``AA AA AA 96 69 | LEN_HI LEN_LO | body | CHK``: LEN counts the body plus the
checksum byte, and CHK is the XOR of every byte from LEN_HI to the end of the body. Host frames
carry ``CMD PARA DATA``, reader frames ``SW1 SW2 SW3 DATA``.

:class:`FrameParser` accepts bytes in whatever chunks the port delivers them, skips anything
before a preamble, and resynchronises after garbage or a failed checksum by dropping one byte and
searching again (a real frame may start inside a corrupt one). Its buffer never holds more than
one maximal frame, so no input can make it grow without bound.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Union

PREAMBLE = b"\xAA\xAA\xAA\x96\x69"
HEADER_SIZE = len(PREAMBLE) + 2          # preamble + LEN
MAX_FRAME = 2321                         # read with fingerprint, the largest frame in the protocol
MAX_LEN = MAX_FRAME - HEADER_SIZE
MIN_LEN = 3                              # CMD PARA CHK: the shortest frame either side sends


def checksum(data: bytes) -> int:
    """XOR of all bytes (the SAM frame check)."""
    result = 0
    for byte in data:
        result ^= byte
    return result


def encode_frame(body: bytes) -> bytes:
    """Wrap ``body`` (command or reply, without LEN and CHK) into a complete frame."""
    length = len(body) + 1
    if not MIN_LEN <= length <= MAX_LEN:
        raise ValueError(f"frame body of {len(body)} bytes is outside the protocol's limits")
    head = length.to_bytes(2, "big")
    return PREAMBLE + head + body + bytes([checksum(head + body)])


def encode_command(cmd: int, para: int, data: bytes = b"") -> bytes:
    """A host-to-reader frame, e.g. ``encode_command(0x11, 0xFF)`` for SAM status."""
    return encode_frame(bytes([cmd, para]) + data)


def encode_reply(sw3: int, data: bytes = b"", sw1: int = 0, sw2: int = 0) -> bytes:
    """A reader-to-host frame (used by the simulator and tests)."""
    return encode_frame(bytes([sw1, sw2, sw3]) + data)


@dataclass(frozen=True)
class Reply:
    """A reader-to-host frame. SW1 and SW2 are kept but only SW3 decides (see the spec)."""

    sw1: int
    sw2: int
    sw3: int
    data: bytes

    def __repr__(self) -> str:  # data may be a card's contents
        return f"Reply(sw3=0x{self.sw3:02X}, {len(self.data)} data bytes)"

    @classmethod
    def from_body(cls, body: bytes) -> Reply:
        if len(body) < 3:
            raise ValueError("a reply body has at least SW1 SW2 SW3")
        return cls(body[0], body[1], body[2], bytes(body[3:]))


@dataclass(frozen=True)
class Command:
    """A host-to-reader frame (what the simulator receives)."""

    cmd: int
    para: int
    data: bytes = b""

    @classmethod
    def from_body(cls, body: bytes) -> Command:
        return cls(body[0], body[1], bytes(body[2:]))


@dataclass(frozen=True)
class BadChecksum:
    """A complete frame whose checksum did not match; reported so a waiting caller can fail fast."""

    length: int


ParsedItem = Union[bytes, BadChecksum]


class FrameParser:
    """Turn a byte stream into frame bodies.

    ``feed()`` returns, in order, the body (bytes between LEN and CHK) of every complete frame
    and a :class:`BadChecksum` for every complete frame that failed its check.

    Attributes:
        discarded: bytes dropped while searching for a preamble (garbage, resynchronisation).
        bad_checksums: frames that failed the checksum.
        synced: a preamble was seen since the last :meth:`reset` (False after only foreign bytes).
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self.discarded = 0
        self.bad_checksums = 0
        self.synced = False

    def reset(self) -> None:
        """Forget any partial frame (before sending a new command)."""
        self._buf.clear()
        self.synced = False

    @property
    def buffered(self) -> int:
        """Bytes held while waiting for the rest of a frame (never more than one maximal frame)."""
        return len(self._buf)

    def feed(self, data: bytes) -> list[ParsedItem]:
        """Add received bytes; return the frames they completed."""
        items: list[ParsedItem] = []
        view = memoryview(data)
        # Consume in pieces no larger than one frame so the buffer stays bounded whatever arrives.
        for start in range(0, len(view), MAX_FRAME):
            self._buf += view[start:start + MAX_FRAME]
            self._extract(items)
        return items

    def _extract(self, items: list[ParsedItem]) -> None:
        buf = self._buf
        while True:
            start = buf.find(PREAMBLE)
            if start < 0:
                # Keep a tail that could be the beginning of a preamble split across chunks.
                keep = len(PREAMBLE) - 1
                if len(buf) > keep:
                    self._drop(len(buf) - keep)
                return
            if start:
                self._drop(start)
            self.synced = True
            if len(buf) < HEADER_SIZE:
                return
            length = int.from_bytes(buf[5:7], "big")
            if not MIN_LEN <= length <= MAX_LEN:
                self._drop(1)  # not a real header: look for the next preamble
                continue
            end = HEADER_SIZE + length
            if len(buf) < end:
                return
            if checksum(buf[5:end - 1]) != buf[end - 1]:
                self.bad_checksums += 1
                items.append(BadChecksum(length))
                self._drop(1)
                continue
            items.append(bytes(buf[HEADER_SIZE:end - 1]))
            del buf[:end]

    def _drop(self, count: int) -> None:
        del self._buf[:count]
        self.discarded += count
