"""A kiosk without a screen for payment tests: the journey engine and the real effect runner over a
real outbox, payment ledger, sender and settler, against the reference backend and its gateway.

``Kiosk(tmp_path, sim)`` builds it; ``walk(kiosk, stop_at)`` plays the demo citizen (agree, card,
face accepted, permit number typed, the first endorsement picked, confirm) up to a step kind.
Run as ``python -m tests.payment_support CHILD_ARGS`` it is the process the kill-and-restart test
kills (see :func:`main`): it stops at a chosen point between "paid" and "submitted", says so, and
waits there to be killed, so where the kill lands does not depend on how busy the machine is.
"""
from __future__ import annotations

import argparse
import dataclasses
import faulthandler
import os
import queue
import signal
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Callable

from backend_sim import data
from backend_sim.launch import SimHandle
from drivers.idcard.card import parse_card
from drivers.idcard.simcards import load_fixture
from kiosk.backends import Backends
from kiosk.backends.contract import load_contract
from kiosk.catalog import load_catalog
from kiosk.config import Settings
from kiosk.journeys.engine import JourneyEngine
from kiosk.journeys.runner import EffectRunner
from kiosk.outbox import Outbox
from kiosk.outbox.sender import Sender
from kiosk.payment.ledger import PaymentLedger
from kiosk.payment.settler import Settler
from kiosk.session import CitizenSession
from common.i18n import Translator
from tests.backend_support import transports

SERVICE = "hk_macau_endorsement"
# Where a child can stop to be killed, in the order a paid application passes them: the ledger says
# paid (the pay step has not moved on); the submission is about to be stored; it is stored (ledger
# "submitted"), not yet sent; the department took it but the outbox has not recorded the delivery.
HOLD_POINTS = ("paid", "storing", "stored", "sent")
HOLD_LIMIT_S = 600.0  # a child nobody kills gives up (the test has failed by then)


class Hold:
    """Where a child stops to be killed (``point``; None: nowhere). When the gateway says the order
    is paid it prints ``PAID <order>`` (before the pay step hears of it); the thread that reaches
    ``point`` for that order prints ``AT <point> <order>`` and waits to be killed. A child nobody
    kills exits with status 3 after :data:`HOLD_LIMIT_S`."""

    def __init__(self, point: str | None = None) -> None:
        if point is not None and point not in HOLD_POINTS:
            raise ValueError(f"hold point {point!r}: one of {', '.join(HOLD_POINTS)}")
        self.point = point
        self.order_id: str | None = None  # the order this child paid
        self._never = threading.Event()

    def paid(self, order_id: str) -> None:
        if self.point is not None:
            self.order_id = order_id
            print(f"PAID {order_id}", flush=True)
            self("paid", order_id)

    def __call__(self, point: str, order_id: str | None) -> None:
        if point != self.point or order_id is None or order_id != self.order_id:
            return  # another point, or an earlier child's submission the sender delivers first
        print(f"AT {point} {order_id}", flush=True)
        self._never.wait(HOLD_LIMIT_S)
        os._exit(3)


class _Runner(EffectRunner):
    hold = Hold()

    def printer_ready(self, printer: str = "receipt") -> bool:
        return False  # no printer here: the print step shows the receipt number instead

    def _check_order(self, effect):
        order = super()._check_order(effect)
        if order.status == "paid":  # the ledger says so now; the pay step hears of it after this returns
            self.hold.paid(order.order_id)
        return order

    def _enqueue(self, effect):
        self.hold("storing", effect.payment_order_id)
        return super()._enqueue(effect)


class _Face:
    """Accepts every face at once (the face check is tested elsewhere)."""

    def __init__(self, deliver) -> None:
        self.deliver, self.engine = deliver, None

    def begin(self, token, _photo) -> None:
        self.deliver(lambda: self.engine.face_decided(token, "accept"))

    def cancel(self) -> None:
        pass


def demo_card(**changes):
    fixture = load_fixture("demo_citizen")
    card = parse_card(fixture.text, fixture.photo)
    return dataclasses.replace(card, **changes) if changes else card


class Kiosk:
    """The engine, the runner and the durable parts, in this process."""

    def __init__(self, folder: Path, sim: SimHandle, *, confirm_wait_s: float = 3.0, late_grace_s: float = 0.0,
                 hold: Hold = Hold(), read_timeout_s: float = 10.0) -> None:
        # The settler re-creates an interrupted order with the terminal id the runner created it with.
        settings = Settings.model_validate({"kiosk": {"terminal_id": "T-1"}, "payment": {"poll_interval_s": 0.5},
                                            "outbox": {"confirm_wait_s": confirm_wait_s}})
        self.sim = sim
        self.backends = Backends(transports(sim.base_url, query_attempts=1, read_timeout_s=read_timeout_s))
        self.outbox = Outbox(folder / "outbox.db", folder / "outbox.key", "T-1")

        def deliver(service_id: str, payload: dict, key: str) -> dict:
            hold("stored", payload.get("payment_order_id"))
            reply = self.backends.submit(service_id, payload, key)
            hold("sent", payload.get("payment_order_id"))
            return reply
        self.sender = Sender(self.outbox, deliver, retry_initial_s=0.1, retry_max_s=0.5, poll_interval_s=0.1)
        self.ledger = PaymentLedger(self.outbox.store)
        self.settler = Settler(self.ledger, self.backends.payment, "T-1", initial_s=0.1, max_s=0.5,
                               late_grace_s=late_grace_s)
        self.inbox: queue.Queue = queue.Queue()
        deliver = lambda fn, *args: self.inbox.put((fn, args))  # noqa: E731 - the UI bridge's signature
        face = _Face(lambda fn: self.inbox.put((fn, ())))
        printer = SimpleNamespace(driver=SimpleNamespace(wipe=lambda: None))
        runtime = SimpleNamespace(backends=self.backends, outbox=self.outbox, ledger=self.ledger,
                                  settler=self.settler, settings=settings, printer=printer)
        voice = SimpleNamespace(say=lambda *a, **k: None, stop=lambda: None)
        self.runner = _Runner(runtime, Translator("en"), voice, deliver, face)
        self.runner.hold = hold
        self.session = CitizenSession(600, 20)
        plan = next(s for s in load_catalog() if s.id == SERVICE).plan
        self.engine = JourneyEngine(self.session, {SERVICE: plan}, self.runner, load_contract(), face_attempts=3,
                                    terminal_id="T-1")
        self.runner.engine = face.engine = self.engine

    def start(self) -> "Kiosk":
        """Start the sender and the settler, as the kiosk's runtime does."""
        self.sender.start()
        self.settler.start()
        return self

    pump_timeout_s = 20.0

    def pump(self, until: Callable[[], object], timeout_s: float | None = None, what: str = "") -> None:
        """Run what the worker threads hand to the engine until ``until()`` holds."""
        timeout_s = timeout_s or self.pump_timeout_s
        deadline = time.monotonic() + timeout_s
        while not until():
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"not within {timeout_s} s: {what} (at {self.engine.kind}, "
                                     f"notice {self.engine.view.notice!r})")
            try:
                fn, args = self.inbox.get(timeout=min(left, 0.2))
            except queue.Empty:
                continue
            fn(*args)

    def end_session(self) -> None:
        self.session.end("finished")

    def close(self) -> None:
        self.settler.stop()
        self.sender.stop()
        self.backends.close()
        self.outbox.close()


def walk(kiosk: Kiosk, stop_at: str, card=None) -> None:
    """The demo citizen from the start of the service to the first step of kind ``stop_at``."""
    engine, card = kiosk.engine, card or demo_card()
    kiosk.session.start()
    kiosk.session.choose(SERVICE)
    engine.begin(SERVICE)
    for _ in range(40):
        kiosk.pump(lambda: not engine.view.busy, what="the step to be ready")
        kind = engine.kind
        if kind == stop_at:
            return
        if kind == "consent":
            engine.action("agree")
        elif kind == "card":
            engine.card_placed(card, photo=b"photo")
        elif kind == "face":
            kiosk.pump(lambda: engine.kind != "face", what="the face check")
        elif kind == "form":
            engine.action("set", name="permit_number", value=data.permit(card.id_number)[0])
            engine.action("next")
        elif kind == "choose":
            kiosk.pump(lambda: engine.data.replies.get(engine.step.id) is not None or engine.kind != "choose",
                       what="the endorsements")
            if engine.kind != "choose":
                continue
            rows = engine.data.replies[engine.step.id]
            if not rows:
                raise AssertionError("nothing to choose")
            engine.action("pick", value=rows[0]["offer_id"])
            engine.action("next")
        else:
            engine.action("next")
    raise AssertionError(f"never reached {stop_at}")


def pay(kiosk: Kiosk) -> str:
    """At the pay step: wait for the code, pay it with the phone, wait for "paid"; the order id."""
    engine = kiosk.engine
    kiosk.pump(lambda: engine.view.pay_state == "waiting", what="the QR code")
    order_id = engine.view.order.order_id
    kiosk.sim.pay(order_id)
    kiosk.pump(lambda: engine.kind != "pay", what="the payment to be confirmed")
    return order_id


def main(argv: list[str] | None = None) -> int:
    """The kiosk the kill-and-restart test kills.

    ``citizen FOLDER BASE_URL POINT``: one citizen pays (``PAID <order>``) and goes on to the
    submission; the thread that reaches ``POINT`` (one of :data:`HOLD_POINTS`) prints
    ``AT <point> <order>`` and stops there, and the child waits to be killed.
    ``recover FOLDER BASE_URL``: starts the sender and settler (as the kiosk does on start) and exits
    once every order is settled, closed or refunded and nothing waits in the outbox (``SETTLED``)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["citizen", "recover"])
    parser.add_argument("folder", type=Path)
    parser.add_argument("base_url")
    parser.add_argument("point", nargs="?", choices=HOLD_POINTS, default="paid")
    args = parser.parse_args(argv)
    faulthandler.register(signal.SIGUSR1)  # the test asks a child that seems stuck where it is
    sim = SimHandle(args.base_url, args.folder, "", "", "", args.folder / "none.log", process=None)
    # A loaded CI machine: a slow reply or step is not what this test is about (the walk never tries again).
    kiosk = Kiosk(args.folder, sim, confirm_wait_s=1.0, hold=Hold(args.point if args.mode == "citizen" else None),
                  read_timeout_s=60.0)
    kiosk.pump_timeout_s = 240.0
    kiosk.start()
    if args.mode == "recover":
        pause, deadline = threading.Event(), time.monotonic() + HOLD_LIMIT_S
        while [r for r in kiosk.ledger.rows() if r.state not in ("settled", "closed", "refunded")] \
                or kiosk.outbox.status().pending:
            if time.monotonic() > deadline:
                return 1
            pause.wait(0.1)  # the settler and the sender work in their threads; this only watches
        print("SETTLED all", flush=True)
        kiosk.close()
        return 0
    walk(kiosk, "pay")
    kiosk.pump(lambda: kiosk.engine.view.pay_state == "waiting", what="the QR code")
    order_id = kiosk.engine.view.order.order_id
    sim.pay(order_id)
    # On to the submission, until a worker thread stops at the point and the test kills this process.
    kiosk.pump(lambda: False, timeout_s=HOLD_LIMIT_S, what=f"being killed at {args.point}")
    return 3


if __name__ == "__main__":
    sys.exit(main())
