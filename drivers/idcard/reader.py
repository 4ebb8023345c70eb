"""Command/response conversation with a SAM module over any :class:`Transport`.

One command at a time: discard stale input, write the frame in one write, collect bytes until a
complete reply frame arrives or the command's own timeout passes. SW3 failures become
:class:`StatusError`; the other failure modes are the :class:`DeviceError` family. No frame
content is ever logged (a read reply is a citizen's card).
"""
from __future__ import annotations

import logging
import time
from typing import Sequence

from drivers.idcard import protocol as p
from drivers.idcard.errors import (
    ChecksumError, DeviceError, MalformedReply, PortError, ReplyTimeout, StatusError, UnsupportedDevice,
)
from drivers.idcard.frames import BadChecksum, FrameParser, Reply, encode_command
from drivers.idcard.transport import SerialTransport, Transport

log = logging.getLogger(__name__)

PROBE_RATES = (115200, 9600)
_SETTLE_S = 0.05  # quiet time after a corrupt frame before giving up on the reply


class IdCardReader:
    """The SAM command set over a transport. Not thread-safe: one owner (the supervisor or the CLI).

    Every method raises :class:`DeviceError` (port gone, timeout, checksum, not SAM framing) or
    :class:`StatusError` (the reader reported a failure; ``.sw3`` has the code).
    """

    def __init__(self, transport: Transport) -> None:
        self.transport = transport
        self._parser = FrameParser()

    def transact(self, spec: p.CommandSpec, para: int | None = None, data: bytes = b"") -> Reply:
        """Send one command and return its reply, raising :class:`StatusError` unless SW3 is an answer."""
        frame = encode_command(spec.cmd, spec.para if para is None else para, data)
        self._parser.reset()
        self.transport.discard_input()
        self.transport.write(frame)
        reply = self._receive(spec)
        log.debug("%s: SW3 %02X, %d data bytes", spec.name, reply.sw3, len(reply.data))
        if reply.sw3 not in spec.answers:
            raise StatusError(spec.name, reply.sw3, p.sw3_meaning(reply.sw3))
        return reply

    def _receive(self, spec: p.CommandSpec) -> Reply:
        deadline = time.monotonic() + spec.timeout_s
        received = 0
        corrupt = False
        while (remaining := deadline - time.monotonic()) > 0:
            # After a corrupt frame, wait only while bytes keep coming: the real reply may follow
            # (a false preamble in line noise swallows it until resynchronisation finds it).
            chunk = self.transport.read(min(remaining, _SETTLE_S) if corrupt else remaining)
            if corrupt and not chunk:
                break
            received += len(chunk)
            for item in self._parser.feed(chunk):
                if isinstance(item, BadChecksum):
                    corrupt = True
                elif len(item) < 3:
                    raise MalformedReply(f"{spec.name}: reply too short for a status word")
                else:
                    return Reply.from_body(item)
        if corrupt:
            raise ChecksumError(f"{spec.name}: reply failed its checksum")
        if received and not self._parser.synced:
            raise UnsupportedDevice(
                f"{spec.name}: {received} bytes arrived but none in SAM framing; "
                "the reader must pass the raw SAM protocol through"
            )
        what = "an incomplete reply" if received else "no reply"
        raise ReplyTimeout(f"{spec.name}: {what} within {spec.timeout_s:.1f} s")

    def status(self) -> None:
        """Check that the SAM is ready (raises on self-test failure, SW3 60)."""
        self.transact(p.STATUS)

    def sam_id(self) -> bytes:
        """The SAM's 16-byte ID, raw (display formats differ between vendors)."""
        data = self.transact(p.SAM_ID).data
        if len(data) != p.SAM_ID_SIZE:
            raise MalformedReply(f"SAM ID has {len(data)} bytes, expected {p.SAM_ID_SIZE}")
        return data

    def reset(self) -> None:
        """Reset the SAM (may clear a failed self-test)."""
        self.transact(p.RESET)

    def find(self) -> bool:
        """True when a card is on the antenna and answers find (see the supervisor for re-reads)."""
        return self.transact(p.FIND).sw3 == p.CARD_FOUND

    def select(self) -> bool:
        """True when a card could be selected (a card is present), False when select failed."""
        return self.transact(p.SELECT).sw3 == p.SUCCESS

    def read(self, with_fingerprint: bool = False) -> p.CardBlocks:
        """Read text and photo (and fingerprint templates if asked) from the selected card."""
        spec = p.READ_WITH_FINGERPRINT if with_fingerprint else p.READ
        return p.split_read(self.transact(spec).data, with_fingerprint)

    def read_new_address(self) -> str:
        """The address added to the card after it was issued, or "" when there is none (SW3 91)."""
        reply = self.transact(p.READ_NEW_ADDRESS)
        return "" if reply.sw3 == p.NO_CONTENT else p.decode_new_address(reply.data)

    def set_baud(self, baud: int) -> None:
        """Switch the module's line speed, then ours."""
        if baud not in p.BAUD_CODES:
            raise ValueError(f"unsupported baud rate {baud}; use one of {sorted(p.BAUD_CODES)}")
        self.transact(p.SET_BAUD, para=p.BAUD_CODES[baud])
        self.transport.set_baud(baud)

    def set_max_rf_bytes(self, count: int) -> None:
        """Set the largest RF transfer the module uses (24-255 bytes)."""
        if not 24 <= count <= 255:
            raise ValueError("max RF bytes must be 24-255")
        self.transact(p.SET_MAX_RF_BYTES, data=bytes([count]))

    def close(self) -> None:
        self.transport.close()


    def probe(self, rates: Sequence[int]) -> int:
        """Find the first of ``rates`` at which the SAM answers status with success; return it.

        Raises:
            PortError: the port has gone.
            StatusError: the SAM answered but reports a failure (e.g. self-test, SW3 60).
            DeviceError: no rate gave a SAM answer. Something that answered (garbage, bad
                checksum) is reported in preference to silence at another rate.
        """
        errors: list[DeviceError] = []
        for rate in rates:
            if rate != self.transport.baud:
                self.transport.set_baud(rate)
            try:
                self.status()
                return rate
            except PortError:
                raise
            except DeviceError as e:
                log.debug("no SAM answer at %d baud (%s)", rate, type(e).__name__)
                errors.append(e)
        raise next((e for e in errors if not isinstance(e, ReplyTimeout)), errors[-1])


def probe_rates(baud: int, first: int | None = None) -> tuple[int, ...]:
    """The rates to try: ``baud`` alone, or for 0 115200 then 9600 (``first``, the last good one, leading)."""
    if baud:
        return (baud,)
    return tuple(sorted(PROBE_RATES, key=lambda rate: rate != first))


def connect(port: str, baud: int = 0) -> IdCardReader:
    """Open ``port`` and probe the line speed (``baud`` 0: 115200 then 9600).

    Returns:
        a reader whose SAM answered status with success.

    Raises:
        PortError, StatusError, DeviceError: as :meth:`IdCardReader.probe`; the port is closed again.
    """
    rates = probe_rates(baud)
    reader = IdCardReader(SerialTransport(port, rates[0]))
    try:
        reader.probe(rates)
    except BaseException:
        reader.close()
        raise
    return reader
