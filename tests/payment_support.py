"""A kiosk without a screen for payment tests: the journey engine and the real effect runner over a
real outbox, payment ledger, sender and settler, against the reference backend and its gateway.

``Kiosk(tmp_path, sim)`` builds it; ``walk(kiosk, stop_at)`` plays the demo citizen (agree, card,
face accepted, permit number typed, the first endorsement picked, confirm) up to a step kind.
Run as ``python -m tests.payment_support CHILD_ARGS`` it is the process the kill-and-restart test
kills (see :func:`main`).
"""
from __future__ import annotations

import argparse
import dataclasses
import faulthandler
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


class _Runner(EffectRunner):
    def printer_ready(self, printer: str = "receipt") -> bool:
        return False  # no printer here: the print step shows the receipt number instead


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

    def __init__(self, folder: Path, sim: SimHandle, *, confirm_wait_s: float = 3.0, late_grace_s: float = 0.0) -> None:
        settings = Settings.model_validate({"payment": {"poll_interval_s": 0.5},
                                            "outbox": {"confirm_wait_s": confirm_wait_s}})
        self.sim = sim
        self.backends = Backends(transports(sim.base_url, query_attempts=1))
        self.outbox = Outbox(folder / "outbox.db", folder / "outbox.key", "T-1")
        self.sender = Sender(self.outbox, self.backends.submit, retry_initial_s=0.1, retry_max_s=0.5,
                             poll_interval_s=0.1)
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
    """The kiosk the kill-and-restart test kills: ``citizens FOLDER BASE_URL N`` pays and submits N
    applications one after the other, printing ``PAID <order>`` when each is paid;
    ``recover FOLDER BASE_URL`` starts the sender and settler (as the kiosk does on start) and exits
    once every order is settled, closed or refunded and nothing waits in the outbox."""
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["citizens", "recover"])
    parser.add_argument("folder", type=Path)
    parser.add_argument("base_url")
    parser.add_argument("n", type=int, nargs="?", default=1)
    args = parser.parse_args(argv)
    faulthandler.register(signal.SIGUSR1)  # the test asks a child that seems stuck where it is
    sim = SimHandle(args.base_url, args.folder, "", "", "", args.folder / "none.log", process=None)
    kiosk = Kiosk(args.folder, sim, confirm_wait_s=1.0)
    kiosk.pump_timeout_s = 90.0  # a loaded CI machine: a slow step is not what this test is about
    kiosk.start()
    if args.mode == "recover":
        pause = threading.Event()
        while [r for r in kiosk.ledger.rows() if r.state not in ("settled", "closed", "refunded")] \
                or kiosk.outbox.status().pending:
            pause.wait(0.1)
        print("SETTLED all", flush=True)
        return 0
    for _ in range(args.n):
        walk(kiosk, "pay")
        kiosk.pump(lambda: kiosk.engine.view.pay_state == "waiting", what="the QR code")
        order_id = kiosk.engine.view.order.order_id
        sim.pay(order_id)
        kiosk.pump(lambda: kiosk.ledger.state_of(order_id) == "paid", what="paid")
        print(f"PAID {order_id}", flush=True)
        kiosk.pump(lambda: kiosk.engine.kind != "pay", what="leaving the pay step")
        kiosk.pump(lambda: kiosk.engine.kind not in ("pay", "submit") or kiosk.engine.view.notice, what="submitted")
        print(f"SUBMITTED {order_id}", flush=True)
        kiosk.end_session()
    return 0


if __name__ == "__main__":
    sys.exit(main())
