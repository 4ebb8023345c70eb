"""The ID card driver's exceptions. No message ever contains a card field.

::

    IdCardError
    ├── DeviceError            we could not hold a conversation with the reader
    │   ├── PortError          the port cannot be opened, read or written (unplugged, no permission)
    │   ├── ReplyTimeout       the reader did not answer in time
    │   ├── ChecksumError      the answer failed its checksum
    │   ├── MalformedReply     the answer is SAM-framed but its content does not fit the command
    │   └── UnsupportedDevice  something answers, but not in SAM framing
    ├── StatusError            the reader answered with a failure status word (SW3)
    └── CardInvalid            the card's data fails validation (``reason`` says which rule)
"""
from __future__ import annotations


class IdCardError(Exception):
    """Base of every error raised by ``drivers.idcard``."""


class DeviceError(IdCardError):
    """The conversation with the reader failed (transport or framing)."""


class PortError(DeviceError):
    """The port cannot be opened, read or written.

    Attributes:
        missing: True when nothing exists at the configured port (unplugged).
        permission: True when the port exists but this user may not open it.
    """

    def __init__(self, message: str, *, missing: bool = False, permission: bool = False) -> None:
        super().__init__(message)
        self.missing = missing
        self.permission = permission


class ReplyTimeout(DeviceError):
    """No complete reply arrived within the command's timeout."""


class ChecksumError(DeviceError):
    """A reply arrived but failed its XOR checksum."""


class MalformedReply(DeviceError):
    """A reply in SAM framing whose content does not fit the command (e.g. inconsistent lengths)."""


class UnsupportedDevice(DeviceError):
    """Bytes arrived, but none in SAM framing: a reader that wraps the protocol, or another device."""


class StatusError(IdCardError):
    """The reader answered with a failure status.

    Attributes:
        sw3: the status byte.
        command: the command's name, e.g. ``"find card"``.
    """

    def __init__(self, command: str, sw3: int, meaning: str) -> None:
        super().__init__(f"{command}: reader answered SW3 0x{sw3:02X} ({meaning})")
        self.command = command
        self.sw3 = sw3


class CardInvalid(IdCardError):
    """The card was read but its data fails a rule; never passed on as a card.

    Attributes:
        reason: a short word for events and status, e.g. ``"invalid_number"``.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
