"""The kiosk's durable record of every payment order it created, so that no paid order is lost.

Rows live in the outbox's SQLite file (table ``payment_order``, see :mod:`kiosk.outbox.store`):
storing a paid submission and marking its order ``submitted`` is one transaction, and so is a
department's final refusal and the refund it makes due. An order's life::

    creating -> open -> paid -> submitted -> settled            (the department took the application)
                     |       |            -> refund_due -> refunding -> refunded   (it refused)
                     |       -> refund_due ...                  (paid, but never submitted)
                     -> closing -> closed                       (cancelled or expired, nothing paid)
                                -> refund_due ...               (paid after all: too late)

The row is written *before* the gateway is asked to create the order (``creating``, with the
Idempotency-Key of that call), so a kiosk killed at any point leaves a row the
:class:`~kiosk.payment.settler.Settler` can finish: it re-sends the create with the same key (the
gateway answers the same order), closes what is unpaid and refunds what is paid but unused.

Orders of the citizen being served are *held*: the settler leaves them to the pay step until the
session ends (:meth:`release_all`). Rows hold ids, amounts and states, no personal data.
"""
from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from typing import Callable

from kiosk.outbox.store import OutboxStore

FINAL = ("settled", "closed", "refunded")


@dataclass(frozen=True)
class LedgerRow:
    create_key: str
    service_id: str
    fee_id: str
    amount: str
    order_id: str | None
    state: str
    receipt_no: str | None
    refund_reason: str
    refund_id: str | None
    created_at: float
    attempts: int

    @property
    def refund_key(self) -> str:
        """The Idempotency-Key of this order's refund: the same on every attempt, after any restart."""
        return f"{self.create_key}-refund"


_COLUMNS = ("create_key, service_id, fee_id, amount, order_id, state, receipt_no, refund_reason, refund_id, "
            "created_at, attempts")


class PaymentLedger:
    """Payment orders by state, in the outbox's file.

    Args:
        store: the outbox's store (the same file and transactions as the submissions).
        clock: wall-clock seconds (tests pass their own).
    """

    def __init__(self, store: OutboxStore, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self._clock = clock
        self._held: set[str] = set()
        self._lock = threading.Lock()

    # -- the pay step's side (through the effect runner) -------------------------------------------
    def intent(self, service_id: str, fee_id: str, amount: str) -> str:
        """Record an order about to be created (held); returns the Idempotency-Key to create it with."""
        key = str(uuid.uuid4())
        with self._lock:
            self._held.add(key)
        now = self._clock()
        with self.store.write() as con:
            con.execute("INSERT INTO payment_order (create_key, service_id, fee_id, amount, state, created_at, "
                        "updated_at, next_attempt_at) VALUES (?, ?, ?, ?, 'creating', ?, ?, ?)",
                        (key, service_id, fee_id, amount, now, now, now))
        return key

    def opened(self, create_key: str, order_id: str) -> None:
        """The gateway created the order."""
        self._set(create_key, "open", "state = 'creating'", order_id=order_id)

    def paid(self, order_id: str) -> None:
        """The gateway confirmed the order paid (it stays held while the citizen is here)."""
        self._by_order(order_id, "paid", "state IN ('creating', 'open', 'closing', 'closed')")

    def closing(self, order_id: str) -> None:
        """The citizen gave up or the time ran out: the settler makes sure it is closed (or refunded)."""
        self._by_order(order_id, "closing", "state IN ('creating', 'open')")

    def abandon(self, create_key: str) -> None:
        """The create call failed: the order may exist or not; the settler finds out and closes it."""
        self.release(create_key)

    def release(self, create_key: str) -> None:
        """Hand one order to the settler (the citizen is done with it)."""
        with self._lock:
            self._held.discard(create_key)

    def release_order(self, order_id: str) -> None:
        """Hand the order ``order_id`` to the settler."""
        rows = self.store.read("SELECT create_key FROM payment_order WHERE order_id = ?", (order_id,))
        if rows:
            self.release(rows[0][0])

    def release_all(self) -> None:
        """The session ended: every order of it is the settler's now."""
        with self._lock:
            self._held.clear()

    def held(self) -> frozenset[str]:
        with self._lock:
            return frozenset(self._held)

    # -- the settler's side ------------------------------------------------------------------------
    def due(self, now: float) -> list[LedgerRow]:
        """Unfinished orders not held by a session whose next attempt is due, oldest first."""
        rows = self.store.read(f"SELECT {_COLUMNS} FROM payment_order WHERE state NOT IN {FINAL} "
                               "AND state != 'submitted' AND next_attempt_at <= ? ORDER BY next_attempt_at, created_at",
                               (now,))
        held = self.held()
        return [r for r in (LedgerRow(*row) for row in rows) if r.create_key not in held]

    def next_attempt_at(self) -> float | None:
        return self.store.read(f"SELECT min(next_attempt_at) FROM payment_order WHERE state NOT IN {FINAL} "
                               "AND state != 'submitted'")[0][0]

    def move(self, row: LedgerRow, state: str, *, order_id: str | None = None, refund_id: str | None = None,
             refund_reason: str | None = None) -> bool:
        """Move ``row`` on from the state it was read in (False if it moved meanwhile)."""
        return self._set(row.create_key, state, f"state = '{row.state}'", order_id=order_id, refund_id=refund_id,
                         refund_reason=refund_reason)

    def retry_later(self, row: LedgerRow, at: float, error: str) -> None:
        with self.store.write() as con:
            con.execute("UPDATE payment_order SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? "
                        "WHERE create_key = ?", (at, error, row.create_key))

    # -- reports -----------------------------------------------------------------------------------
    def rows(self) -> list[LedgerRow]:
        """Every order, oldest first (for operators and tests)."""
        return [LedgerRow(*r) for r in self.store.read(f"SELECT {_COLUMNS} FROM payment_order ORDER BY created_at")]

    def state_of(self, order_id: str) -> str | None:
        rows = self.store.read("SELECT state FROM payment_order WHERE order_id = ?", (order_id,))
        return rows[0][0] if rows else None

    # -- helpers -----------------------------------------------------------------------------------
    def _set(self, create_key: str, state: str, guard: str, **columns) -> bool:
        now = self._clock()
        sets = ["state = ?", "updated_at = ?", "next_attempt_at = ?", "attempts = 0", "last_error = ''"]
        args: list = [state, now, now]
        for name, value in columns.items():
            if value is not None:
                sets.append(f"{name} = ?")
                args.append(value)
        with self.store.write() as con:
            return bool(con.execute(f"UPDATE payment_order SET {', '.join(sets)} WHERE create_key = ? AND {guard}",
                                    (*args, create_key)).rowcount)

    def _by_order(self, order_id: str, state: str, guard: str) -> bool:
        rows = self.store.read("SELECT create_key FROM payment_order WHERE order_id = ?", (order_id,))
        return bool(rows) and self._set(rows[0][0], state, guard)
