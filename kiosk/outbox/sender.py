"""The outbox's sender: delivers waiting submissions, retrying with exponential backoff and full jitter.

The only place in the kiosk where a submission is retried. Each attempt sends the submission's
own Idempotency-Key, so a reply lost on the way (or a sender killed between the department's
commit and ours) can only make the department answer "already done", never do it twice.

Outcomes: acknowledged -> the row (and its sealed payload) is deleted and an audit line kept, in one
transaction; refused (4xx with the contract's error body) -> marked rejected, kept for operators;
anything else -> attempt again after ``uniform(0, min(retry_max_s, retry_initial_s * 2**n))``.

Health is published as the ``DeviceStatus`` of device ``"outbox"`` on the EventBus (logged once
per change): ONLINE; OFFLINE ``retrying``/WAIT while deliveries fail; OFFLINE ``stuck``/MAINTENANCE
when a submission waited longer than ``stuck_after_s``; ONLINE ``rejected``/CLEAR while rejected
submissions wait for an operator; OFFLINE ``storage_error``/MAINTENANCE when the file fails.
"""
from __future__ import annotations

import logging
import random
import threading
import time
from typing import Callable

from kiosk.backends.errors import BackendError, Rejected, ServerError
from kiosk.config import Settings
from common.device_status import Action, DeviceState, DeviceStatus
from common.events import EventBus
from kiosk.outbox.crypto import InvalidTag
from kiosk.outbox.outbox import Delivery, Outbox, Outcome, describe_rejection
from kiosk.outbox.store import OutboxError

log = logging.getLogger(__name__)
DEVICE = "outbox"

Deliver = Callable[[str, dict, str], dict]  # (service_id, payload, idempotency_key) -> the department's reply


class Sender:
    """Delivers an outbox's submissions, in a thread (:meth:`start`) or in the caller's (:meth:`run`).

    Args:
        outbox: where the submissions wait.
        deliver: sends one submission once, e.g. ``Backends.submit``; raises ``Rejected`` for a final
            refusal, any other ``BackendError`` for "try again".
        bus: where to publish the outbox's health (optional).
        retry_initial_s, retry_max_s: the backoff (see module docstring).
        poll_interval_s: longest sleep without being woken (work from other processes is found so).
        report: called with one technician-English line per outcome (the CLI prints them).
        rng: the jitter's random source (tests pass a seeded one).
    """

    def __init__(self, outbox: Outbox, deliver: Deliver, *, bus: EventBus | None = None,
                 retry_initial_s: float = 2.0, retry_max_s: float = 300.0, poll_interval_s: float = 5.0,
                 report: Callable[[str], None] | None = None, rng: random.Random | None = None) -> None:
        self.outbox = outbox
        self._deliver = deliver
        self._bus = bus
        self.retry_initial_s = retry_initial_s
        self.retry_max_s = max(retry_max_s, retry_initial_s)
        self.poll_interval_s = poll_interval_s
        self._report = report or (lambda line: log.debug("%s", line))
        self._rng = rng or random.Random()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._failing = False
        self._storage_error: str | None = None
        outbox.on_enqueue(self.wake)

    @classmethod
    def from_settings(cls, outbox: Outbox, deliver: Deliver, settings: Settings, *, bus: EventBus | None = None,
                      report: Callable[[str], None] | None = None) -> "Sender":
        o = settings.outbox
        return cls(outbox, deliver, bus=bus, retry_initial_s=o.retry_initial_s, retry_max_s=o.retry_max_s,
                   poll_interval_s=o.poll_interval_s, report=report)

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        """Deliver in a background thread until :meth:`stop`."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self.run, name="outbox-sender", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 15.0) -> bool:
        """Stop after the attempt in progress; True if the thread ended within ``timeout_s``."""
        self._stopping.set()
        self._wake.set()
        if self._thread is None:
            return True
        self._thread.join(timeout_s)
        ended = not self._thread.is_alive()
        if not ended:
            log.warning("outbox sender did not stop within %.0f s (a delivery is still in progress)", timeout_s)
        return ended

    def wake(self) -> None:
        """Look for work now (called on every enqueue)."""
        self._wake.set()

    def run(self, until_empty: bool = False) -> None:
        """Deliver until stopped, or (``until_empty``) until nothing is pending any more."""
        try:
            while not self._stopping.is_set():
                self._wake.clear()
                try:
                    if self.deliver_one():
                        continue
                    self._storage_error = None
                    self.publish_health()
                    next_at = self.outbox.store.next_attempt_at()
                except OutboxError as e:
                    self._storage_problem(e)
                    next_at = None
                if next_at is None and until_empty and self._storage_error is None:
                    return
                delay = self.poll_interval_s if next_at is None else max(0.0, next_at - time.time())
                self._wake.wait(min(delay, self.poll_interval_s))
        finally:
            self.outbox.store.close()

    # -- one attempt -------------------------------------------------------------------------
    def deliver_one(self) -> bool:
        """Attempt the most overdue pending submission; False if none is due."""
        store = self.outbox.store
        item = store.next_due(time.time())
        if item is None:
            return False
        try:
            payload = self.outbox.cipher.open(item.nonce, item.ciphertext, item.associated_data)
        except InvalidTag:
            store.retry_later(item, time.time() + self.retry_max_s, "cannot_decrypt")
            log.error("outbox submission %s cannot be decrypted (wrong key or damaged row)", item.receipt_no)
            return True
        try:
            reply = self._deliver(item.service_id, payload, item.idempotency_key)
        except Rejected as e:
            detail = describe_rejection(e)
            store.rejected(item, time.time(), detail)
            self._report(f"rejected {item.receipt_no} {item.service_id}: {detail}")
            log.warning("outbox submission %s was rejected: %s", item.receipt_no, detail)
            self.publish_health()
            self.outbox.finished(Delivery(item.receipt_no, item.service_id, Outcome.REJECTED, fields=e.fields))
        except Exception as e:  # noqa: BLE001 - whatever failed, the submission stays and is retried
            word = _error_word(e)
            delay = self._backoff(item.attempts + 1)
            store.retry_later(item, time.time() + delay, word)
            self._report(f"retry {item.receipt_no} {item.service_id} in {delay:.1f} s: {word}")
            if not isinstance(e, BackendError):
                log.error("outbox delivery of %s failed unexpectedly: %s", item.receipt_no, word)
            self._set_failing(True)
        else:
            store.delivered(item, time.time())
            self._report(f"delivered {item.receipt_no} {item.service_id}")
            self._set_failing(False)
            self.outbox.finished(Delivery(item.receipt_no, item.service_id, Outcome.DELIVERED, reply=reply))
        return True

    def _backoff(self, attempt: int) -> float:
        return self._rng.uniform(0, min(self.retry_max_s, self.retry_initial_s * 2 ** (attempt - 1)))

    # -- health ------------------------------------------------------------------------------
    def health(self) -> DeviceStatus:
        """The outbox's health now (see module docstring)."""
        if self._storage_error:
            return DeviceStatus(DEVICE, DeviceState.OFFLINE, "storage_error", Action.MAINTENANCE,
                                detail=self._storage_error)
        status = self.outbox.status()
        conditions = {"stuck": str(status.stuck), "rejected": str(status.rejected)}
        if status.stuck:
            return DeviceStatus(DEVICE, DeviceState.OFFLINE, "stuck", Action.MAINTENANCE, conditions,
                                f"submissions undelivered for more than {self.outbox.stuck_after_s:g} s; "
                                "check the network and the backends")
        if self._failing and status.pending:
            return DeviceStatus(DEVICE, DeviceState.OFFLINE, "retrying", Action.WAIT, conditions,
                                "deliveries are failing; retrying with backoff")
        if status.rejected:
            return DeviceStatus(DEVICE, DeviceState.ONLINE, "rejected", Action.CLEAR, conditions,
                                "rejected submissions wait for an operator: python -m kiosk.outbox status")
        return DeviceStatus(DEVICE, DeviceState.ONLINE, conditions=conditions)

    def publish_health(self) -> None:
        if self._bus is not None:
            self._bus.publish_status(self.health())

    def _set_failing(self, failing: bool) -> None:
        changed = failing != self._failing
        self._failing = failing
        if changed:
            self.publish_health()

    def _storage_problem(self, error: OutboxError) -> None:
        if self._storage_error != str(error):
            log.error("%s", error)
        self._storage_error = str(error)
        self.publish_health()


def _error_word(error: Exception) -> str:
    """A short, value-free description of a failure for the row and the report."""
    if isinstance(error, ServerError) and error.status:
        return f"{type(error).__name__} HTTP {error.status}"
    return type(error).__name__
