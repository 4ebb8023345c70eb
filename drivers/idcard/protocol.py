"""The SAM command set: command codes, per-command timeouts, SW3 meanings, and the layout of
replies (pure; the conversation itself is :class:`drivers.idcard.reader.IdCardReader`)."""
from __future__ import annotations

import re

from dataclasses import dataclass

from drivers.idcard.errors import MalformedReply


@dataclass(frozen=True)
class CommandSpec:
    """One command of the SAM protocol.

    Attributes:
        name: English name for messages, e.g. ``"find card"``.
        cmd, para: the command bytes (``para`` may be overridden, e.g. by set baud).
        timeout_s: how long to wait for the complete reply (the spec's working figures, plus wire time).
        answers: SW3 values that are answers rather than failures (e.g. 80 "no card" for find).
    """

    name: str
    cmd: int
    para: int
    timeout_s: float
    answers: frozenset[int] = frozenset({0x90})


RESET = CommandSpec("reset SAM", 0x10, 0xFF, 5.0)  # module power-up takes 1.3-5 s
STATUS = CommandSpec("SAM status", 0x11, 0xFF, 0.5)
SAM_ID = CommandSpec("read SAM ID", 0x12, 0xFF, 0.5)
FIND = CommandSpec("find card", 0x20, 0x01, 0.5, frozenset({0x9F, 0x80}))
SELECT = CommandSpec("select card", 0x20, 0x02, 0.5, frozenset({0x90, 0x81}))
READ = CommandSpec("read text and photo", 0x30, 0x01, 3.5)
READ_WITH_FINGERPRINT = CommandSpec("read text, photo and fingerprint", 0x30, 0x10, 3.5)
READ_NEW_ADDRESS = CommandSpec("read new address", 0x30, 0x03, 2.0, frozenset({0x90, 0x91}))
SET_BAUD = CommandSpec("set baud", 0x60, 0x00, 0.5)
SET_MAX_RF_BYTES = CommandSpec("set max RF bytes", 0x61, 0xFF, 0.5)

SUCCESS, NO_CONTENT, CARD_FOUND, NO_CARD, SELECT_FAILED = 0x90, 0x91, 0x9F, 0x80, 0x81
SAM_SELF_TEST_FAILED, SAM_NOT_AUTHORISED = 0x60, 0x66

SW3_MEANINGS = {
    0x90: "success",
    0x91: "the card has no content for this item",
    0x9F: "card found",
    0x10: "checksum error in the host's frame",
    0x11: "length error in the host's frame",
    0x21: "bad command or parameter",
    0x23: "operation not permitted",
    0x24: "unrecognised error or command out of sequence",
    0x31: "card failed to authenticate the SAM",
    0x32: "SAM failed to authenticate the card",
    0x33: "information verification failed",
    0x37: "fingerprint verification failed",
    0x3F: "information length error",
    0x40: "unrecognised card type",
    0x41: "read failed",
    0x47: "random number failure",
    0x60: "SAM self-test failed, cannot accept commands",
    0x66: "SAM not authorised",
    0x80: "no card",
    0x81: "select card failed",
}

# set-baud parameter per rate (codes 01-03 are single-sourced)
BAUD_CODES = {115200: 0x00, 57600: 0x01, 38400: 0x02, 19200: 0x03, 9600: 0x04}
SAM_ID_SIZE = 16
NEW_ADDRESS_SIZE = 70       # the spec's block; modules with several appended addresses send more
NEW_ADDRESS_MAX = 128       # the longest reply public readers of the protocol accept
_PADDING = re.compile(r"\0+| {2,}")  # between or after appended addresses; single spaces are the address's own


def sw3_meaning(sw3: int) -> str:
    """The spec's meaning of a status byte (``"unknown status"`` for codes it does not list)."""
    return SW3_MEANINGS.get(sw3, "unknown status")


@dataclass(frozen=True, repr=False)
class CardBlocks:
    """The raw blocks of a card read: text (256 bytes), photo (1024), fingerprint (may be empty)."""

    text: bytes
    photo: bytes
    fingerprint: bytes = b""

    def __repr__(self) -> str:
        return f"CardBlocks({len(self.text)}+{len(self.photo)}+{len(self.fingerprint)} bytes)"


def split_read(data: bytes, with_fingerprint: bool) -> CardBlocks:
    """Split the data of a read reply (after SW3) using its length fields, not constants.

    Raises:
        MalformedReply: the lengths do not add up to the data received.
    """
    count = 3 if with_fingerprint else 2
    head = 2 * count
    if len(data) < head:
        raise MalformedReply(f"read reply of {len(data)} bytes has no length fields")
    lengths = [int.from_bytes(data[2 * i:2 * i + 2], "big") for i in range(count)]
    if head + sum(lengths) != len(data):
        raise MalformedReply(f"read reply lengths {lengths} do not match its {len(data) - head} data bytes")
    text_end = head + lengths[0]
    photo_end = text_end + lengths[1]
    return CardBlocks(data[head:text_end], data[text_end:photo_end], data[photo_end:])


def decode_new_address(data: bytes) -> str:
    """The new-address block (UTF-16LE, space or NUL padded) as text.

    The spec gives 70 bytes; a card with several appended addresses comes back longer (up to
    ``NEW_ADDRESS_MAX``). Padding between appended addresses becomes one space.

    Raises:
        MalformedReply: empty, longer than ``NEW_ADDRESS_MAX``, an odd length, or not UTF-16.
    """
    if not 0 < len(data) <= NEW_ADDRESS_MAX or len(data) % 2:
        raise MalformedReply(f"new address block has {len(data)} bytes, expected 2 to {NEW_ADDRESS_MAX}, even")
    try:
        text = data.decode("utf-16-le")
    except UnicodeDecodeError:
        raise MalformedReply("new address block is not valid UTF-16") from None
    return " ".join(part for part in _PADDING.split(text) if part.strip(" "))
