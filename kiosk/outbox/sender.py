"""The outbox's sender: delivers waiting submissions, retrying with exponential backoff and full jitter.

The only place in the kiosk where a submission is retried. Each attempt sends the submission's
own Idempotency-Key, so a reply lost on the way (or a sender killed between the department's
commit and ours) can only make the department answer "already done", never do it twice.

Outcomes: acknowledged -> the row (and its sealed payload) is deleted and an audit line kept, in one
transaction; refused (4xx with the contract's error body) -> marked rejected, kept for operators;
the department is down (no answer, a timeout, or the gateway's 502/503/504) -> see *Outages*;
anything else -> attempt again after ``uniform(0, min(retry_max_s, retry_initial_s * 2**n))``.

Outages: a department that is down is not sent the backlog. Its submissions wait, and one at a
time a *probe* (the most overdue of them) is sent, after a delay that doubles from
``retry_initial_s`` up to ``PROBE_MAX_S`` or ``retry_max_s`` if smaller (jittered). The first answer ends the outage and the
backlog, all due, goes out at full speed. So a dead backend sees one request every few seconds
instead of hundreds a second, the outbox file is not rewritten for every failed attempt (the
citizen's enqueue does not queue behind the sender's writes), and recovery is noticed within
``PROBE_MAX_S`` of the department's return. Other departments keep being served meanwhile.

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

from kiosk.backends.errors import BackendError, BadReply, Rejected, ServerError, Unreachable
from kiosk.config import Settings
from common.device_status import Action, DeviceState, DeviceStatus
from common.events import EventBus
from kiosk.outbox.crypto import InvalidTag
from kiosk.outbox.outbox import Delivery, Outbox, Outcome, describe_rejection
from kiosk.outbox.store import OutboxError

log = logging.getLogger(__name__)
DEVICE = "outbox"

Deliver = Callable[[str, dict, str], dict]  # (service_id, payload, idempotency_key) -> the department's reply
PROBE_MAX_S = 15.0  # longest pause between two probes of a department that is down: bounds how late recovery is seen
_DOWN_STATUSES = {502, 503, 504}


class _Outage:
    """One department that is down: how many probes failed and when the next one may go."""

    def __init__(self) -> None:
        self.failures = 0
        self.next_probe_at = 0.0


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
        self._down: dict[str, _Outage] = {}
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
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                if self.deliver_one():
                    continue
                self._storage_error = None
                self.publish_health()
                next_at = self._next_wake()
            except OutboxError as e:
                self._storage_problem(e)
                next_at = None
            if next_at is None and until_empty and self._storage_error is None:
                return
            delay = self.poll_interval_s if next_at is None else max(0.0, next_at - time.time())
            self._wake.wait(min(delay, self.poll_interval_s))

    # -- one attempt -------------------------------------------------------------------------
    def deliver_one(self) -> bool:
        """Attempt the most overdue pending submission; False if none is due."""
        store = self.outbox.store
        now = time.time()
        item = store.next_due(now, self._waiting_departments(now))
        if item is None:
            return False
        department = item.service_id.split(".")[0]
        try:
            payload = self.outbox.cipher.open(item.nonce, item.ciphertext, item.associated_data)
        except InvalidTag:
            store.retry_later(item, time.time() + self.retry_max_s, "cannot_decrypt")
            log.error("outbox submission %s cannot be decrypted (wrong key or damaged row)", item.receipt_no)
            return True
        try:
            reply = self._deliver(item.service_id, payload, item.idempotency_key)
        except Rejected as e:
            self._answered(department)
            detail = describe_rejection(e)
            store.rejected(item, time.time(), detail)
            self._report(f"rejected {item.receipt_no} {item.service_id}: {detail}")
            log.warning("outbox submission %s was rejected: %s", item.receipt_no, detail)
            self.publish_health()
            self.outbox.finished(Delivery(item.receipt_no, item.service_id, Outcome.REJECTED, fields=e.fields))
        except Exception as e:  # noqa: BLE001 - whatever failed, the submission stays and is retried
            word = _error_word(e)
            if _department_down(e):
                at = self._probe_failed(department)  # it waits for the next probe like the rest of the backlog
                delay = at - time.time()
            else:
                delay = self._backoff(item.attempts + 1)
                at = time.time() + delay
            store.retry_later(item, at, word)
            self._report(f"retry {item.receipt_no} {item.service_id} in {delay:.1f} s: {word}")
            if not isinstance(e, BackendError):
                log.error("outbox delivery of %s failed unexpectedly: %s", item.receipt_no, word)
            self._set_failing(True)
        else:
            self._answered(department)
            store.delivered(item, time.time())
            self._report(f"delivered {item.receipt_no} {item.service_id}")
            self._set_failing(False)
            self.outbox.finished(Delivery(item.receipt_no, item.service_id, Outcome.DELIVERED, reply=reply))
        return True

    def _backoff(self, attempt: int) -> float:
        return self._rng.uniform(0, min(self.retry_max_s, self.retry_initial_s * 2 ** (attempt - 1)))

    # -- outages -----------------------------------------------------------------------------
    def _waiting_departments(self, now: float) -> tuple[str, ...]:
        """Departments that are down and whose next probe is not due yet."""
        return tuple(d for d, outage in self._down.items() if outage.next_probe_at > now)

    def _next_wake(self) -> float | None:
        now = time.time()
        times = [self.outbox.store.next_attempt_at(self._waiting_departments(now))]
        times += [outage.next_probe_at for outage in self._down.values()]
        times = [t for t in times if t is not None]
        return min(times) if times else None

    def _probe_failed(self, department: str) -> float:
        """Count a failed probe of ``department``; return when the next one may go."""
        outage = self._down.get(department)
        if outage is None:
            outage = self._down[department] = _Outage()
            log.warning("outbox: the %s service is down; probing it with one submission at a time", department)
        outage.failures += 1
        pause = min(PROBE_MAX_S, self.retry_max_s, self.retry_initial_s * 2 ** (outage.failures - 1))
        outage.next_probe_at = time.time() + pause / 2 + self._rng.uniform(0, pause / 2)  # jittered, never ~0
        return outage.next_probe_at

    def _answered(self, department: str) -> None:
        if self._down.pop(department, None) is not None:
            log.warning("outbox: the %s service answers again; sending its backlog", department)

    @property
    def down(self) -> tuple[str, ...]:
        """The departments the sender currently considers down (probing them one request at a time)."""
        return tuple(sorted(self._down))

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


def _department_down(error: Exception) -> bool:
    """No answer at all, or the gateway saying the service behind it is unavailable."""
    if isinstance(error, Unreachable):
        return True
    return isinstance(error, ServerError) and not isinstance(error, BadReply) and error.status in _DOWN_STATUSES


def _error_word(error: Exception) -> str:
    """A short, value-free description of a failure for the row and the report."""
    if isinstance(error, ServerError) and error.status:
        return f"{type(error).__name__} HTTP {error.status}"
    return type(error).__name__
