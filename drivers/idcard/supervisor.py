"""The reader supervisor: owns the reader in its own thread and reports on the kiosk's event bus.

It connects (probing the line speed), polls for a card every ``poll_interval_s``, reads and
validates each card once per placement, and publishes:

* ``DeviceStatus`` for device ``"idcard"`` (through ``EventBus.publish_status``, logged on change):
  ONLINE (``reason`` ``photo_decoder_missing`` / ``photo_decode_failed`` when the photo cannot be
  decoded, condition ``card`` present/absent), NO_DEVICE, OFFLINE, UNSUPPORTED, HARDWARE_ERROR;
* ``Event("idcard", "card_placed", Card)`` once per placement;
* ``Event("idcard", "card_unreadable", reason)`` instead, when the card fails validation
  (``invalid_number``, ``birth_date_mismatch``, ...) or cannot be read after a few attempts
  (``checksum``, ``no_answer``, ``read_failed``, ...);
* ``Event("idcard", "card_removed")`` when a card that was reported is lifted.

Modules differ after a read: some keep answering find with "card found", others answer "no card"
while the card stays. A card counts as present while find finds it *or* select still succeeds, so
both kinds give exactly one ``card_placed`` per placement. When the port vanishes or the module
stops answering, it reconnects with a growing back-off; no restart is needed. Whether a card has
expired is the application's decision (``Card.expired(today)``).
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from drivers.idcard import protocol as p
from drivers.idcard.card import Card, parse_card
from drivers.idcard.errors import (
    CardInvalid, ChecksumError, DeviceError, IdCardError, MalformedReply, PortError, ReplyTimeout,
    StatusError, UnsupportedDevice,
)
from drivers.idcard.reader import IdCardReader, probe_rates
from drivers.idcard.transport import SerialTransport
from drivers.idcard.wlt import WltDecodeError, WltDecoder, bmp_to_rgb
from common.device_status import Action, DeviceState, DeviceStatus
from common.events import Event, EventBus

log = logging.getLogger(__name__)

DEVICE = "idcard"
CARD_PLACED, CARD_REMOVED, CARD_UNREADABLE = "card_placed", "card_removed", "card_unreadable"
READ_ATTEMPTS = 3          # failed reads of one placement before it is reported unreadable
POLL_ERRORS_TOLERATED = 3  # consecutive failed polls before the connection is re-established

_SW3_REASONS = {0x31: "card_authentication", 0x32: "card_authentication", 0x33: "verification_failed",
                0x40: "unknown_card_type", 0x41: "read_failed"}
_SAM_FAULTS = {p.SAM_SELF_TEST_FAILED, p.SAM_NOT_AUTHORISED}


class Backoff:
    """Reconnect delays: ``initial``, doubling after each failure up to ``maximum``; reset on success."""

    def __init__(self, initial: float, maximum: float) -> None:
        self.initial, self.maximum = initial, maximum
        self._next = initial

    def next(self) -> float:
        delay, self._next = self._next, min(self._next * 2, self.maximum)
        return delay

    def reset(self) -> None:
        self._next = self.initial


@dataclass
class _Placement:
    """One card on the antenna, from first seen to lifted."""

    reported: bool = False  # card_placed or card_unreadable was published
    attempts: int = 0


class ReaderSupervisor:
    """Runs the reader in a thread and publishes its status and card events on ``bus``.

    Args:
        port: device path or pyserial URL of the reader.
        baud: 115200 or 9600; 0 probes 115200 then 9600.
        poll_interval_s: time between two looks for a card.
        bus: the kiosk's event channel.
        decoder: the WLT photo decoder, or None (cards are read without a photo; the status says so).
        read_new_address: also read the address added after issue (one more command per card).
        backoff_initial_s, backoff_max_s: reconnect delays; each failed attempt doubles the delay.
    """

    def __init__(self, port: str, baud: int, poll_interval_s: float, bus: EventBus,
                 decoder: WltDecoder | None = None, *, read_new_address: bool = True,
                 backoff_initial_s: float = 0.5, backoff_max_s: float = 10.0) -> None:
        self.port = port
        self.baud = baud
        self.poll_interval_s = poll_interval_s
        self.bus = bus
        self.decoder = decoder
        self.read_new_address = read_new_address
        self.backoff_initial_s = backoff_initial_s
        self.backoff_max_s = backoff_max_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._reader: IdCardReader | None = None
        self._placement: _Placement | None = None
        self._decode_error: str | None = None
        self._rate: int | None = None
        self._polled = False  # a poll succeeded on the current connection
        self.sam_id: bytes | None = None
        self.counters = {"polls": 0, "cards_read": 0, "cards_unreadable": 0, "read_errors": 0, "poll_errors": 0,
                         "connects": 0, "connect_failures": 0}

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        """Start the supervisor thread (status UNKNOWN until the first connection attempt ends)."""
        if self._thread is not None:
            raise RuntimeError("the supervisor is already running")
        self._stop.clear()
        self.bus.publish_status(DeviceStatus(DEVICE, DeviceState.UNKNOWN, "starting"))
        self._thread = threading.Thread(target=self._run, name="idcard-supervisor", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> bool:
        """Stop polling, close the port and join the thread.

        Returns:
            True when the thread ended within ``timeout_s``; False (and a warning is logged) if not.
        """
        self._stop.set()
        reader = self._reader
        if reader is not None:
            reader.transport.cancel()
        thread, self._thread = self._thread, None
        if thread is None:
            return True
        thread.join(timeout_s)
        if thread.is_alive():
            log.warning("idcard supervisor thread did not end within %.1f s", timeout_s)
            return False
        return True

    def set_baud(self, baud: int) -> None:
        """Use ``baud`` (0 = probe) from now on: the current connection is dropped and re-made."""
        self.baud, self._rate = baud, None
        reader = self._reader
        if reader is not None:
            reader.transport.cancel()

    def diagnostics(self) -> dict:
        """A plain dict for the technician screen (no card data)."""
        status = self.bus.last_status(DEVICE)
        return {
            "port": self.port,
            "baud": self._rate,
            "sam_id": self.sam_id.hex() if self.sam_id else None,
            "status": status.as_dict() if status else None,
            "photo_decoder": self.decoder.name if self.decoder else None,
            **self.counters,
        }

    # -- the thread --------------------------------------------------------------------------
    def _run(self) -> None:
        backoff = Backoff(self.backoff_initial_s, self.backoff_max_s)
        while not self._stop.is_set():
            self._polled = False
            try:
                self._poll_until_stopped(self._connect())
            except IdCardError as e:
                if self._stop.is_set():
                    break
                if self._polled:
                    log.warning("connection to the reader lost (%s); reconnecting", type(e).__name__)
                    backoff.reset()
                    continue  # try again at once: most losses are a single glitch
                # Not even one poll worked (a module that answers status but nothing else counts too).
                self.counters["connect_failures"] += 1
                self.bus.publish_status(_failure_status(e, self.port))
            except Exception:  # noqa: BLE001 - a driver bug must not end card reading for good
                log.exception("idcard supervisor failed; reconnecting")
                self.bus.publish_status(DeviceStatus(DEVICE, DeviceState.UNKNOWN, "driver_error", Action.RESET,
                                                     detail="unexpected error in the driver; see the log"))
            finally:
                if self._reader is not None:
                    self._reader.close()
                    self._reader = None
            self._stop.wait(backoff.next())

    def _connect(self) -> IdCardReader:
        rates = probe_rates(self.baud, self._rate)
        reader = IdCardReader(SerialTransport(self.port, rates[0]))
        self._reader = reader  # so stop() can interrupt the probe; _run closes it on failure
        try:
            self._rate = reader.probe(rates)
        except StatusError as e:
            if e.sw3 != p.SAM_SELF_TEST_FAILED:
                raise
            log.warning("SAM self-test failed; resetting it")
            reader.reset()
            self._rate = reader.probe((reader.transport.baud,))
        self.sam_id = reader.sam_id()
        self.counters["connects"] += 1
        log.info("reader connected on %s at %d baud", self.port, self._rate)
        return reader  # ONLINE is published after the first poll that works

    def _poll_until_stopped(self, reader: IdCardReader) -> None:
        errors = 0
        delay = 0.0  # look at once after (re)connecting
        while not self._stop.wait(delay):
            delay = self.poll_interval_s
            try:
                self._poll(reader)
                errors = 0
                if not self._polled:
                    self._polled = True
                    self._publish_online()
            except PortError:
                raise
            except StatusError as e:
                if e.sw3 in _SAM_FAULTS:
                    raise
                errors = self._poll_failed(e, errors)
            except DeviceError as e:
                errors = self._poll_failed(e, errors)

    def _poll_failed(self, error: IdCardError, errors: int) -> int:
        self.counters["poll_errors"] += 1
        log.debug("poll failed: %s", error)
        if errors + 1 >= POLL_ERRORS_TOLERATED:
            raise error
        return errors + 1

    def _poll(self, reader: IdCardReader) -> None:
        self.counters["polls"] += 1
        present = reader.find()
        if not present and self._placement is not None:
            present = reader.select()  # a module that answers find only once: is the card still there?
        if present and self._placement is None:
            self._placement = _Placement()
            self._publish_online()
        elif not present and self._placement is not None:
            reported = self._placement.reported
            self._placement = None
            self._publish_online()
            if reported:
                self.bus.publish(Event(DEVICE, CARD_REMOVED))
            return
        if self._placement is not None and not self._placement.reported:
            self._read_card(reader, self._placement)

    def _read_card(self, reader: IdCardReader, placement: _Placement) -> None:
        try:
            if not reader.select():
                return  # lifted meanwhile: the next poll says so
            blocks = reader.read()
            card = parse_card(blocks.text, blocks.photo)
        except CardInvalid as e:
            log.info("card rejected: %s", e.reason)
            self._report_unreadable(placement, e.reason)
            return
        except (StatusError, DeviceError) as e:
            if isinstance(e, PortError) or (isinstance(e, StatusError) and e.sw3 in _SAM_FAULTS):
                raise
            self.counters["read_errors"] += 1
            placement.attempts += 1
            log.debug("read attempt %d failed: %s", placement.attempts, e)
            if placement.attempts >= READ_ATTEMPTS:
                self._report_unreadable(placement, _read_failure_reason(e))
            return
        if self.read_new_address:
            card.new_address = self._new_address(reader)
        self._decode_photo(card)
        placement.reported = True
        self.counters["cards_read"] += 1
        self.bus.publish(Event(DEVICE, CARD_PLACED, card))

    def _report_unreadable(self, placement: _Placement, reason: str) -> None:
        placement.reported = True
        self.counters["cards_unreadable"] += 1
        self.bus.publish(Event(DEVICE, CARD_UNREADABLE, reason))

    def _new_address(self, reader: IdCardReader) -> str:
        try:
            return reader.read_new_address()
        except PortError:
            raise
        except (StatusError, DeviceError) as e:
            log.debug("new address not read: %s", type(e).__name__)
            return ""

    def _decode_photo(self, card: Card) -> None:
        if self.decoder is None:
            return
        try:
            bmp = bytearray(self.decoder.decode(card.photo_wlt))
            card.photo_rgb = bmp_to_rgb(bmp)  # here, in the reader's thread: the UI thread only draws
            card.photo_bmp = bmp
            error = None
        except WltDecodeError as e:
            error = str(e)
            log.warning("card photo not decoded: %s", error)
        if error != self._decode_error:
            self._decode_error = error
            self._publish_online()

    def _publish_online(self) -> None:
        reason, action = "", Action.NONE
        detail = f"SAM {self.sam_id.hex() if self.sam_id else '?'} at {self._rate} baud"
        if self.decoder is None:
            reason, action = "photo_decoder_missing", Action.CONFIGURATION
            detail += ("; no WLT photo decoder configured ([idcard] wlt_decoder): cards are read "
                       "without their photo, so face matching needs another photo source")
        elif self._decode_error:
            reason, action = "photo_decode_failed", Action.CONFIGURATION
            detail += f"; the photo decoder failed: {self._decode_error}"
        conditions = {"card": "present" if self._placement else "absent"}
        self.bus.publish_status(DeviceStatus(DEVICE, DeviceState.ONLINE, reason, action, conditions, detail))


def _read_failure_reason(error: IdCardError) -> str:
    if isinstance(error, StatusError):
        return _SW3_REASONS.get(error.sw3, "read_failed")
    if isinstance(error, ChecksumError):
        return "checksum"
    if isinstance(error, ReplyTimeout):
        return "no_answer"
    return "malformed_reply"


def _failure_status(error: IdCardError, port: str) -> DeviceStatus:
    """The status to show when connecting failed: who must act, and a sentence for the technician."""
    retry = "; the driver keeps retrying"
    if isinstance(error, PortError):
        if error.permission:
            return DeviceStatus(DEVICE, DeviceState.NO_DEVICE, "port_permission", Action.CONFIGURATION,
                                detail=f"{error}{retry}")
        reason = "port_missing" if error.missing else "port_error"
        return DeviceStatus(DEVICE, DeviceState.NO_DEVICE, reason, Action.MAINTENANCE, detail=f"{error}{retry}")
    if isinstance(error, UnsupportedDevice):
        return DeviceStatus(DEVICE, DeviceState.UNSUPPORTED, "not_sam_protocol", Action.CONFIGURATION,
                            detail=f"{error}{retry}")
    if isinstance(error, StatusError):
        reason = {p.SAM_SELF_TEST_FAILED: "sam_self_test_failed",
                  p.SAM_NOT_AUTHORISED: "sam_not_authorised"}.get(error.sw3, f"sw3_{error.sw3:02x}")
        action = Action.RESET if error.sw3 == p.SAM_SELF_TEST_FAILED else Action.MAINTENANCE
        return DeviceStatus(DEVICE, DeviceState.HARDWARE_ERROR, reason, action, detail=f"{error}{retry}")
    reason = {ChecksumError: "checksum_errors", MalformedReply: "malformed_reply"}.get(type(error), "no_answer")
    return DeviceStatus(DEVICE, DeviceState.OFFLINE, reason, Action.MAINTENANCE,
                        detail=f"{port}: {error}{retry}")
