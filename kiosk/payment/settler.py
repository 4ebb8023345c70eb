"""Finishes every payment order the citizen's session no longer holds, until the gateway confirms.

For each due row of the :class:`~kiosk.payment.ledger.PaymentLedger` (in a thread, or in the
caller's with :meth:`Settler.settle_due`):

* ``creating`` (the kiosk stopped while creating it): create again with the same Idempotency-Key
  (the gateway answers the order it made, or makes it now), then close it;
* ``open`` / ``closing``: cancel it. Cancelled: ``closed``; expired: ``closed`` once
  ``late_grace_s`` have passed since its expiry (a wallet may still deliver a payment made at the
  last second); paying: asked again; paid after all: a refund is due;
* ``paid`` (the citizen left, or the kiosk stopped, before the submission was stored): refund;
* ``refund_due``: ask for the refund (the same key every time; the gateway makes one refund per
  order); ``refunding``: ask until the bank confirms it, then ``refunded``.

A failure (the gateway down, a timeout) waits ``uniform(0, min(max_s, initial_s * 2**n))`` and tries
again, forever: a paid order is never given up on.
"""
from __future__ import annotations

import logging
import random
import threading
import time
from typing import Callable

from kiosk.backends.clients import PaymentClient
from kiosk.backends.errors import BackendError, Rejected
from kiosk.outbox.store import OutboxError
from kiosk.payment.ledger import LedgerRow, PaymentLedger

log = logging.getLogger(__name__)


class Settler:
    """Settles the ledger's orders against the gateway.

    Args:
        ledger: the orders.
        gateway: the payment platform's client.
        terminal_id: sent when an order is created again.
        initial_s, max_s: the retry backoff.
        late_grace_s: how long after its expiry an unpaid order is still watched for a late payment.
        rng, clock: tests pass their own.
    """

    def __init__(self, ledger: PaymentLedger, gateway: PaymentClient, terminal_id: str, *, initial_s: float = 2.0,
                 max_s: float = 120.0, late_grace_s: float = 600.0, rng: random.Random | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.ledger = ledger
        self.gateway = gateway
        self.terminal_id = terminal_id
        self.initial_s, self.max_s, self.late_grace_s = initial_s, max(max_s, initial_s), late_grace_s
        self._rng = rng or random.Random()
        self._clock = clock
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> None:
        """Settle in a background thread until :meth:`stop`."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="payment-settler", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 15.0) -> bool:
        self._stopping.set()
        self._wake.set()
        if self._thread is None:
            return True
        self._thread.join(timeout_s)
        return not self._thread.is_alive()

    def wake(self) -> None:
        """Look at the ledger now (a session ended, a refund became due)."""
        self._wake.set()

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                self.settle_due()
                next_at = self.ledger.next_attempt_at()
            except OutboxError as e:
                log.error("payment ledger: %s", e)
                next_at = None
            delay = self.max_s if next_at is None else max(0.05, next_at - self._clock())
            self._wake.wait(min(delay, 5.0))

    # -- one pass ----------------------------------------------------------------------------------
    def settle_due(self) -> int:
        """Attempt every due row once; returns how many were attempted."""
        rows = self.ledger.due(self._clock())
        for row in rows:
            if self._stopping.is_set():
                break
            try:
                self._settle(row)
            except Rejected as e:
                refused = " ".join(f"{f.field}/{f.code}" for f in e.fields) or e.code
                log.error("payment order %s (%s): the gateway refused: %s", row.order_id or row.create_key[:8],
                          row.state, refused)
                if row.state in ("creating", "open", "closing"):
                    self.ledger.move(row, "closed")  # no order, or nothing that can be paid: nothing to give back
                else:  # a paid order is never given up on: try again slowly (operators see the log)
                    self._later(row, f"refused {refused}", min_delay=self.max_s)
            except BackendError as e:
                self._later(row, type(e).__name__)
        return len(rows)

    def _settle(self, row: LedgerRow) -> None:
        if row.state == "creating":
            order = self.gateway.create_order(row.fee_id, row.amount, self.terminal_id, idempotency_key=row.create_key)
            self.ledger.move(row, "closing", order_id=order.order_id)
        elif row.state in ("open", "closing"):
            order = self.gateway.cancel(row.order_id)
            if order.status == "paid":
                self.ledger.move(row, "refund_due", refund_reason="paid_after_close")
                self.wake()
            elif order.status == "paying" or (order.status == "expired" and
                                              self._clock() < order.expires_at.timestamp() + self.late_grace_s):
                self._later(row, f"watching {order.status}", min_delay=self.initial_s)
            else:
                self.ledger.move(row, "closed")
        elif row.state == "paid":
            self.ledger.move(row, "refund_due", refund_reason="not_submitted")
            self.wake()
        elif row.state == "refund_due":
            refund = self.gateway.refund(row.order_id, row.amount, row.refund_reason or "not_submitted",
                                         idempotency_key=row.refund_key)
            self._refund_answer(row, refund.status, refund.refund_id, "refunding")
        elif row.state == "refunding":
            refund = self.gateway.refund_status(row.refund_id)
            self._refund_answer(row, refund.status, refund.refund_id, None)

    def _refund_answer(self, row: LedgerRow, status: str, refund_id: str, pending_state: str | None) -> None:
        if status == "refunded":
            self.ledger.move(row, "refunded", refund_id=refund_id)
            log.info("payment order %s refunded (%s)", row.order_id, row.refund_reason)
        elif pending_state is not None:
            self.ledger.move(row, pending_state, refund_id=refund_id)
            self._later(self._reread(row), "refund processing", min_delay=self.initial_s)
        else:
            self._later(row, "refund processing", min_delay=self.initial_s)

    def _reread(self, row: LedgerRow) -> LedgerRow:
        return next(r for r in self.ledger.rows() if r.create_key == row.create_key)

    def _later(self, row: LedgerRow, why: str, min_delay: float = 0.0) -> None:
        delay = max(min_delay, self._rng.uniform(0, min(self.max_s, self.initial_s * 2 ** row.attempts)))
        self.ledger.retry_later(row, self._clock() + delay, why)
