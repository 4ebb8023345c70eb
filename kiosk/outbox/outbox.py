"""The outbox's front: store a submission durably before the citizen sees "submitted", and report on it.

:meth:`Outbox.enqueue` validates the payload against the contract (so field errors reach the form
while the citizen is still there), then, in ONE durable transaction, numbers the receipt, creates
the Idempotency-Key and stores the payload sealed with AES-256-GCM. Only after that commit does
it return the receipt number to print. A :class:`~kiosk.outbox.sender.Sender` delivers it.
"""
from __future__ import annotations

import enum
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from kiosk.backends.contract import Contract, load_contract
from kiosk.backends.errors import CANNOT_DO_HERE, CHECK_FIELDS, FieldError, Rejected, saved_msgid
from kiosk.config import Settings
from kiosk.outbox.crypto import KeyFileError, PayloadCipher, key_check, load_key
from kiosk.outbox.store import OutboxError, OutboxStore, Stored
from common.i18n import N_


SUBMITTED = N_("Submitted. Please keep your receipt.")
NOT_PAID = N_("Your payment could not be matched to this application. It will be refunded automatically.")


class PaymentNotPaid(OutboxError):
    """A submission named a payment order that is not paid or already used: nothing was stored."""

    msgid = NOT_PAID
_KEEP_RESULTS = 16  # answers kept for wait(); the kiosk serves one citizen at a time


class Outcome(enum.Enum):
    DELIVERED = "delivered"  # the department acknowledged it
    PENDING = "pending"      # stored, not yet acknowledged: it will be sent
    REJECTED = "rejected"    # the department refused it (see fields)


@dataclass(frozen=True)
class Delivery:
    """What became of one submission.

    Attributes:
        reply: the department's answer (e.g. ``application_no``), only when it was delivered by this
            process while someone waited; it may hold personal data: keep it in the session only.
        fields: the refused entries of a rejected submission.
    """

    receipt_no: str
    service_id: str
    outcome: Outcome
    reply: dict | None = None
    fields: tuple[FieldError, ...] = ()

    @property
    def msgid(self) -> str:
        """What to tell the citizen."""
        if self.outcome is Outcome.DELIVERED:
            return SUBMITTED
        if self.outcome is Outcome.PENDING:
            return saved_msgid(self.service_id.split(".")[0])
        return CHECK_FIELDS if self.fields else CANNOT_DO_HERE


@dataclass(frozen=True)
class RejectedItem:
    receipt_no: str
    service_id: str
    created_at: float
    detail: str  # the error word and refused fields ("validation year_to/out_of_range"): no values


@dataclass(frozen=True)
class OutboxStatus:
    """Counts for operators; no personal data."""

    pending: int
    retrying: int                   # pending submissions that failed at least once
    stuck: int                      # pending for longer than ``stuck_after_s``
    rejected: int                   # refused and not yet dismissed
    delivered: int                  # ever, from the audit trail
    oldest_pending_age_s: float | None
    rejected_items: tuple[RejectedItem, ...]

    def as_dict(self) -> dict:
        return {"pending": self.pending, "retrying": self.retrying, "stuck": self.stuck, "rejected": self.rejected,
                "delivered": self.delivered, "oldest_pending_age_s": self.oldest_pending_age_s,
                "rejected_items": [vars(r) for r in self.rejected_items]}


def describe_rejection(error: Rejected) -> str:
    return " ".join([error.code] + [f"{f.field}/{f.code}" for f in error.fields])


def _fields_of(detail: str) -> tuple[FieldError, ...]:
    return tuple(FieldError(*part.rsplit("/", 1)) for part in detail.split()[1:] if "/" in part)


class Outbox:
    """Durable, encrypted submissions waiting for delivery.

    Args:
        db_path: the SQLite file (created owner-only with its folder).
        key_file: the AES-256 key; created (0600) only while the outbox holds nothing sealed.
        terminal_id: the first part of every receipt number.
        stuck_after_s: pending longer than this counts as stuck in :meth:`status`.
        contract, clock, busy_timeout_s: collaborators and limits (tests pass their own).

    Raises:
        KeyFileError: the key is missing while submissions wait, unreadable, too open, or the wrong key.
        OutboxError: the database cannot be opened.
    """

    def __init__(self, db_path: Path, key_file: Path, terminal_id: str, *, stuck_after_s: float = 1800.0,
                 contract: Contract | None = None, clock: Callable[[], float] = time.time,
                 busy_timeout_s: float = 5.0) -> None:
        self.store = OutboxStore(Path(db_path), busy_timeout_s)
        self.terminal_id = terminal_id
        self.stuck_after_s = stuck_after_s
        self._contract = contract or load_contract()
        self._clock = clock
        sealed = self.store.read("SELECT count(*) FROM submission")[0][0]
        key = load_key(Path(key_file), may_create=sealed == 0)
        check = key_check(key)
        if self.store.meta("key_check") not in (None, check):
            if sealed:
                raise KeyFileError(f"{key_file}: not the key this outbox was written with ({sealed} submissions "
                                   "are sealed with another one). Restore the right key file.")
        if self.store.meta("key_check") != check:
            self.store.set_meta("key_check", check)
        self.cipher = PayloadCipher(key)
        self._listeners: list[Callable[[], None]] = []
        self._results: OrderedDict[str, Delivery] = OrderedDict()
        self._done = threading.Condition()

    @classmethod
    def from_settings(cls, settings: Settings) -> "Outbox":
        o = settings.outbox
        return cls(settings.path(o.db_file), settings.path(o.key_file), settings.kiosk.terminal_id,
                   stuck_after_s=o.stuck_after_s)

    # -- the kiosk's side --------------------------------------------------------------------
    def enqueue(self, service_id: str, payload: dict, payment_order_id: str | None = None) -> str:
        """Store a submission durably and return its receipt number (``<terminal>-<YYYYMMDD>-<NNNN>``).

        Args:
            service_id: the contract's operation id of a submission, e.g. ``hall.submit_rating``.
            payload: the request body; checked against the contract before anything is stored.
            payment_order_id: the paid order this submission uses (``kiosk.payment``): in the same
                transaction its ledger row goes from ``paid`` to ``submitted``, so an order pays for
                exactly one stored submission or is refunded, never both.

        Raises:
            Rejected: the payload breaks the contract's schema (``fields`` name the form entries).
            OutboxError: it could not be stored (disk full, locked); nothing was stored: tell the
                citizen ``error.msgid``, not "submitted".
            PaymentNotPaid: ``payment_order_id`` is not a paid, unused order of this kiosk; nothing was stored.
            ContractError, ValueError: ``service_id`` is not a submission of the contract (a bug).
        """
        op = self._contract.operation(service_id)
        if not op.submission:
            raise ValueError(f"{service_id} is not a submission")
        errors = self._contract.body_errors(op, payload)
        if errors:
            raise Rejected(op.department, op.id, 422, "validation", tuple(errors))
        now = self._clock()
        day = time.strftime("%Y%m%d", time.localtime(now))
        with self.store.write() as con:
            seq = con.execute("INSERT INTO receipt_seq (day, last) VALUES (?, 1) "
                              "ON CONFLICT (day) DO UPDATE SET last = last + 1 RETURNING last", (day,)).fetchone()[0]
            con.execute("DELETE FROM receipt_seq WHERE day < ?", (day,))
            receipt_no = f"{self.terminal_id}-{day}-{seq:04d}"
            key = str(uuid.uuid4())
            sealed = Stored(receipt_no, service_id, key, b"", b"", now, 0)
            nonce, ciphertext = self.cipher.seal(payload, sealed.associated_data)
            con.execute("INSERT INTO submission (receipt_no, service_id, idempotency_key, nonce, ciphertext, "
                        "created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (receipt_no, service_id, key, nonce, ciphertext, now, now))
            if payment_order_id is not None and not con.execute(
                    "UPDATE payment_order SET state = 'submitted', receipt_no = ?, updated_at = ? "
                    "WHERE order_id = ? AND state = 'paid'", (receipt_no, now, payment_order_id)).rowcount:
                raise PaymentNotPaid(f"order {payment_order_id} is not a paid, unused order of this kiosk")
        for listener in list(self._listeners):
            listener()
        return receipt_no

    def wait(self, receipt_no: str, timeout_s: float) -> Delivery:
        """Wait up to ``timeout_s`` for the department's answer to a submission of this process.

        Returns PENDING when no answer came in time (tell the citizen ``delivery.msgid``: "... saved
        and will be sent"); DELIVERED or REJECTED as soon as the sender knows.
        """
        deadline = time.monotonic() + timeout_s
        with self._done:
            while receipt_no not in self._results and (left := deadline - time.monotonic()) > 0:
                self._done.wait(left)
            result = self._results.pop(receipt_no, None)
        return result or self.lookup(receipt_no)

    def lookup(self, receipt_no: str) -> Delivery:
        """The stored state of a submission (``reply`` is never stored, so it is None here)."""
        row = self.store.read("SELECT service_id, state, last_error FROM submission WHERE receipt_no = ?",
                              (receipt_no,))
        if row:
            service_id, state, detail = row[0]
            if state == "rejected":
                return Delivery(receipt_no, service_id, Outcome.REJECTED, fields=_fields_of(detail))
            return Delivery(receipt_no, service_id, Outcome.PENDING)
        audit = self.store.read("SELECT service_id, outcome, detail FROM audit WHERE receipt_no = ? "
                                "AND outcome != 'dismissed' ORDER BY id DESC LIMIT 1", (receipt_no,))
        if not audit:
            raise KeyError(f"no submission {receipt_no} in this outbox")
        service_id, outcome, detail = audit[0]
        if outcome == "delivered":
            return Delivery(receipt_no, service_id, Outcome.DELIVERED)
        return Delivery(receipt_no, service_id, Outcome.REJECTED, fields=_fields_of(detail))

    # -- the operator's side -----------------------------------------------------------------
    def status(self) -> OutboxStatus:
        """Counts by state, oldest pending age, rejected submissions."""
        now = self._clock()
        pending, retrying, oldest, stuck = self.store.read(
            "SELECT count(*), coalesce(sum(attempts > 0), 0), min(created_at), coalesce(sum(created_at < ?), 0) "
            "FROM submission WHERE state = 'pending'", (now - self.stuck_after_s,))[0]
        rejected = self.store.read("SELECT receipt_no, service_id, created_at, last_error FROM submission "
                                   "WHERE state = 'rejected' ORDER BY created_at")
        delivered = self.store.read("SELECT count(*) FROM audit WHERE outcome = 'delivered'")[0][0]
        return OutboxStatus(pending, retrying, stuck, len(rejected), delivered,
                            None if oldest is None else max(0.0, now - oldest),
                            tuple(RejectedItem(*r) for r in rejected))

    def dismiss(self, receipt_no: str) -> bool:
        """Delete a rejected submission an operator has dealt with (keeps an audit line)."""
        return self.store.dismiss(receipt_no, self._clock())

    # -- the sender's side -------------------------------------------------------------------
    def on_enqueue(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` after every enqueue (the sender wakes up)."""
        self._listeners.append(listener)

    def finished(self, delivery: Delivery) -> None:
        """The sender reports an outcome; :meth:`wait` returns it."""
        with self._done:
            self._results[delivery.receipt_no] = delivery
            while len(self._results) > _KEEP_RESULTS:
                self._results.popitem(last=False)
            self._done.notify_all()

    def close(self) -> None:
        self.store.close()
