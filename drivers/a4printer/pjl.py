"""PJL (HP Printer Job Language) over a raw AppSocket/JetDirect connection: bytes in, messages out.

Pure functions, no I/O. A job is wrapped so the printer knows where it starts and ends and tells us
when it is on paper::

    ESC%-12345X@PJL JOB NAME="<job id>"
    @PJL USTATUS JOB=ON          the printer sends "USTATUS JOB / END / PAGES=n" once the job is printed
    @PJL USTATUS DEVICE=ON       ... and a "USTATUS DEVICE" message whenever its state changes mid-job
    @PJL SET DUPLEX=ON|OFF
    @PJL ENTER LANGUAGE=PDF
    <the PDF>
    ESC%-12345X@PJL EOJ NAME="<job id>"
    ESC%-12345X

Status is asked with ``@PJL INFO STATUS``; every reply (solicited or not) is a block of CR LF lines
ending in a form feed (FF), whose first line names what it answers::

    @PJL INFO STATUS            @PJL USTATUS DEVICE         @PJL USTATUS JOB
    CODE=10001                  CODE=41202                  END
    DISPLAY="00 READY"          DISPLAY="LOAD TRAY 2"       NAME="8f3c..."
    ONLINE=TRUE                 ONLINE=FALSE                PAGES=2
    <FF>                        <FF>                        <FF>
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

UEL = b"\x1b%-12345X"  # Universal Exit Language: ends whatever language the printer was in
FF = b"\x0c"
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,80}$")


def command(line: str) -> bytes:
    """One PJL command in its own UEL envelope (a status question between jobs)."""
    return UEL + b"@PJL\r\n" + line.encode("ascii") + b"\r\n" + UEL


INFO_STATUS = command("@PJL INFO STATUS")
INFO_PAGECOUNT = command("@PJL INFO PAGECOUNT")
INQUIRE_DUPLEX = command("@PJL INQUIRE DUPLEX")


def job(name: str, pdf: bytes, *, duplex: bool = False) -> bytes:
    """The whole job: the PJL wrapper around ``pdf``. ``name`` is the journal's job id (never personal)."""
    if not _NAME.match(name):
        raise ValueError("a PJL job name is 1-80 letters, digits, '_', '.' or '-'")
    if not pdf.startswith(b"%PDF-"):
        raise ValueError("the page must be a PDF document")
    head = (f'@PJL JOB NAME="{name}"\r\n'
            "@PJL USTATUS JOB=ON\r\n"
            "@PJL USTATUS DEVICE=ON\r\n"
            f"@PJL SET DUPLEX={'ON' if duplex else 'OFF'}\r\n"
            "@PJL ENTER LANGUAGE=PDF\r\n").encode("ascii")
    return UEL + head + pdf + UEL + f'@PJL EOJ NAME="{name}"\r\n'.encode("ascii") + UEL


@dataclass(frozen=True)
class Message:
    """One reply block.

    Attributes:
        topic: what it answers, e.g. ``"INFO STATUS"``, ``"USTATUS DEVICE"``, ``"USTATUS JOB"``,
            ``"INFO PAGECOUNT"``, ``"INQUIRE DUPLEX"``.
        values: ``KEY=VALUE`` lines (quotes removed), e.g. ``{"CODE": "10001", "ONLINE": "TRUE"}``.
        words: the other lines, e.g. ``["END"]`` of a job message, ``["1234"]`` of a page count.
    """

    topic: str
    values: dict[str, str] = field(default_factory=dict)
    words: list[str] = field(default_factory=list)

    @property
    def code(self) -> int | None:
        """The status code (``CODE=``), or None when the message has none or it is not a number."""
        value = self.values.get("CODE", "")
        return int(value) if value.isdigit() else None


class ReplyParser:
    """Splits the printer's byte stream into :class:`Message` blocks (feed it what arrives)."""

    def __init__(self, limit: int = 65536) -> None:
        self._buffer = bytearray()
        self._limit = limit

    def feed(self, data: bytes) -> list[Message]:
        """The messages completed by ``data``. A runaway block without FF is dropped at ``limit`` bytes."""
        self._buffer += data
        messages = []
        while (end := self._buffer.find(FF)) >= 0:
            block, self._buffer = bytes(self._buffer[:end]), self._buffer[end + 1:]
            message = parse(block)
            if message is not None:
                messages.append(message)
        if len(self._buffer) > self._limit:
            self._buffer.clear()
        return messages


def parse(block: bytes) -> Message | None:
    """One reply block (without its FF), or None when it is not a PJL reply."""
    lines = [line.strip() for line in block.decode("ascii", "replace").replace("\r", "").split("\n")]
    lines = [line for line in lines if line]
    if not lines or not lines[0].upper().startswith("@PJL "):
        return None
    topic = " ".join(lines[0][5:].split()[:2]).upper()
    values, words = {}, []
    for line in lines[1:]:
        key, sep, value = line.partition("=")
        if sep and key.strip().replace(" ", "").isalnum():
            values[key.strip().upper()] = value.strip().strip('"')
        else:
            words.append(line)
    return Message(topic, values, words)
