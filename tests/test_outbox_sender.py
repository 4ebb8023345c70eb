"""Delivery: acknowledged submissions leave only an audit line; failures are retried with jittered
backoff; refusals and stuck submissions are shown to operators; the citizen hears the truth."""
from __future__ import annotations

import random
import socket
import threading

import pytest

from backend_sim import launch
from backend_sim.examples import example
from kiosk.backends import Backends
from common.device_status import Action, DeviceState
from common.events import STATUS, EventBus
from kiosk.outbox import Outbox, Outcome, Sender
from tests.backend_support import transports, wait_for

RATING = "hall.submit_rating"
RESIDENCE = "registration.register_residence"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Health:
    """Collects the outbox's published statuses."""

    def __init__(self, bus: EventBus) -> None:
        self.seen = []
        bus.subscribe(lambda e: self.seen.append(e.payload) if e.source == "outbox" else None, {STATUS})

    def reasons(self) -> list[str]:
        return [s.reason for s in self.seen]


@pytest.fixture
def outbox(tmp_path):
    box = Outbox(tmp_path / "outbox.db", tmp_path / "outbox.key", "SEND-01", stuck_after_s=3600)
    yield box
    box.close()


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    with launch(tmp_path_factory.mktemp("sim")) as handle:
        yield handle


def sender_for(outbox: Outbox, base_url: str, bus: EventBus | None = None) -> tuple[Sender, Backends]:
    backends = Backends(transports(base_url, connect_timeout_s=0.5, query_attempts=1))
    sender = Sender(outbox, backends.submit, bus=bus, retry_initial_s=0.05, retry_max_s=0.2, poll_interval_s=0.1)
    return sender, backends


def test_a_delivered_submission_leaves_only_an_audit_line(outbox, sim):
    sender, backends = sender_for(outbox, sim.base_url)
    sender.start()
    receipt = outbox.enqueue(RESIDENCE, example(RESIDENCE))
    key = outbox.store.read("SELECT idempotency_key FROM submission WHERE receipt_no = ?", (receipt,))
    delivery = outbox.wait(receipt, 10)
    assert delivery.outcome is Outcome.DELIVERED
    assert delivery.reply["application_no"].startswith("DJ")
    assert delivery.msgid == "Submitted. Please keep your receipt."
    assert sender.stop()
    assert outbox.store.read("SELECT count(*) FROM submission") == [(0,)]
    assert outbox.store.read("SELECT receipt_no, service_id, outcome FROM audit") == [(receipt, RESIDENCE, "delivered")]
    if key:  # the sender may have been faster than our look at the row
        assert [s["received"] for s in sim.submissions()["submissions"] if s["idempotency_key"] == key[0][0]] == [1]
    assert outbox.lookup(receipt).outcome is Outcome.DELIVERED
    backends.close()


def test_while_the_department_is_down_the_citizen_hears_saved_and_it_is_sent_later(outbox, tmp_path):
    port = free_port()
    bus = EventBus()
    health = Health(bus)
    sender, backends = sender_for(outbox, f"http://127.0.0.1:{port}", bus)
    sender.start()
    receipt = outbox.enqueue(RESIDENCE, example(RESIDENCE))
    delivery = outbox.wait(receipt, 0.3)
    assert delivery.outcome is Outcome.PENDING
    assert delivery.msgid == "The registration service is not answering. Your request is saved and will be sent."
    wait_for(lambda: "retrying" in health.reasons())
    assert bus.last_status("outbox").state is DeviceState.OFFLINE and bus.last_status("outbox").action is Action.WAIT
    wait_for(lambda: outbox.status().retrying == 1)
    with launch(tmp_path / "late", port=port):
        wait_for(lambda: outbox.status().delivered == 1, timeout_s=10)
        wait_for(lambda: bus.last_status("outbox").state is DeviceState.ONLINE)
    assert sender.stop()
    assert outbox.lookup(receipt).outcome is Outcome.DELIVERED
    backends.close()


def test_a_refused_submission_is_kept_for_an_operator_and_told_to_the_citizen(outbox, sim):
    bus = EventBus()
    sender, backends = sender_for(outbox, sim.base_url, bus)
    sender.start()
    unhappy = example(RATING) | {"rating": "very_dissatisfied", "reasons": [], "comment": ""}
    receipt = outbox.enqueue(RATING, unhappy)  # valid by schema: only the department knows the rule
    delivery = outbox.wait(receipt, 10)
    assert delivery.outcome is Outcome.REJECTED
    assert [(f.field, f.code) for f in delivery.fields] == [("reasons", "required")]
    assert delivery.msgid == "Please check the marked entries."
    status = outbox.status()
    assert status.rejected == 1 and status.pending == 0
    assert status.rejected_items[0].receipt_no == receipt
    assert status.rejected_items[0].detail == "validation reasons/required"
    health = bus.last_status("outbox")
    assert (health.state, health.reason, health.action) == (DeviceState.ONLINE, "rejected", Action.CLEAR)
    assert outbox.dismiss(receipt) and outbox.status().rejected == 0
    assert sender.stop()
    backends.close()


def test_a_submission_that_waits_too_long_is_reported_stuck(tmp_path):
    box = Outbox(tmp_path / "o.db", tmp_path / "o.key", "STUCK-01", stuck_after_s=0.2)
    bus = EventBus()
    sender, backends = sender_for(box, f"http://127.0.0.1:{free_port()}", bus)
    sender.start()
    box.enqueue(RATING, example(RATING))
    wait_for(lambda: bus.last_status("outbox") is not None and bus.last_status("outbox").reason == "stuck")
    health = bus.last_status("outbox")
    assert (health.state, health.action, health.conditions["stuck"]) == (DeviceState.OFFLINE, Action.MAINTENANCE, "1")
    assert sender.stop()
    backends.close()
    box.close()


def test_an_unexpected_failure_in_delivery_keeps_the_submission(outbox):
    calls = []
    failed_once = threading.Event()

    def deliver(service_id, payload, key):
        calls.append(key)
        if len(calls) == 1:
            failed_once.set()
            raise RuntimeError("a bug")
        return {"ok": True}

    sender = Sender(outbox, deliver, retry_initial_s=0.01, retry_max_s=0.02, poll_interval_s=0.05)
    sender.start()
    receipt = outbox.enqueue(RATING, example(RATING))
    assert outbox.wait(receipt, 5).outcome is Outcome.DELIVERED
    assert failed_once.is_set() and len(set(calls)) == 1 and len(calls) == 2  # the same key both times
    assert sender.stop()


def test_backoff_grows_exponentially_with_full_jitter(outbox):
    sender = Sender(outbox, lambda *a: {}, retry_initial_s=1.0, retry_max_s=30.0, rng=random.Random(7))
    for attempt, cap in [(1, 1.0), (2, 2.0), (3, 4.0), (5, 16.0), (6, 30.0), (20, 30.0)]:
        delays = [sender._backoff(attempt) for _ in range(200)]
        assert 0 <= min(delays) < cap * 0.1 and cap * 0.9 < max(delays) <= cap


def test_delivery_uses_the_stored_idempotency_key(outbox):
    seen = []
    sender = Sender(outbox, lambda service, payload, key: seen.append((service, payload, key)) or {})
    receipt = outbox.enqueue(RATING, example(RATING))
    [(key,)] = outbox.store.read("SELECT idempotency_key FROM submission WHERE receipt_no = ?", (receipt,))
    assert sender.deliver_one() and seen == [(RATING, example(RATING), key)]
    assert not sender.deliver_one()
