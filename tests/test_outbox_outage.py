"""After an outage: a department that is down gets one probe at a time with growing pauses, not the
backlog; the moment it answers again the whole backlog goes out at full speed; other departments are
served meanwhile."""
from __future__ import annotations

import threading
import time

import pytest

from backend_sim.examples import example
from kiosk.backends import Unreachable
from kiosk.backends.errors import ServerError
from kiosk.outbox import Outbox, Sender
from tests.backend_support import wait_for

RATING = "hall.submit_rating"
RESIDENCE = "registration.register_residence"


class Department:
    """A fake delivery function: departments can be switched down; every call is recorded."""

    def __init__(self, failure=lambda service: Unreachable(service.split(".")[0], service, "refused")) -> None:
        self.down: set[str] = set()
        self.calls: list[tuple[str, float]] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self._failure = failure
        self._lock = threading.Lock()

    def __call__(self, service_id: str, payload: dict, key: str) -> dict:
        with self._lock:
            self.calls.append((service_id, time.monotonic()))
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if service_id.split(".")[0] in self.down:
                raise self._failure(service_id)
            return {"ok": True}
        finally:
            with self._lock:
                self.in_flight -= 1

    def count(self, department: str) -> int:
        return sum(1 for service, _ in self.calls if service.startswith(department + "."))


@pytest.fixture
def outbox(tmp_path):
    box = Outbox(tmp_path / "outbox.db", tmp_path / "outbox.key", "OUTAGE-01", stuck_after_s=3600)
    yield box
    box.close()


@pytest.mark.parametrize("failure", [
    lambda service: Unreachable("hall", service, "refused"),
    lambda service: ServerError("hall", service, "HTTP 503", 503),
])
def test_a_dead_department_gets_one_probe_at_a_time_with_growing_pauses(outbox, failure):
    hall = Department(failure)
    hall.down.add("hall")
    for _ in range(200):
        outbox.enqueue(RATING, example(RATING))
    sender = Sender(outbox, hall, retry_initial_s=0.05, retry_max_s=60.0, poll_interval_s=0.05)
    sender.start()
    wait_for(lambda: hall.count("hall") >= 6, timeout_s=10)
    assert sender.stop()
    assert sender.down == ("hall",) and hall.most_in_flight == 1
    gaps = [later - earlier for (_, earlier), (_, later) in zip(hall.calls, hall.calls[1:6])]
    # each pause at least half the doubling step: 0.025, 0.05, 0.1, 0.2, 0.4 s (not 200 attempts in a burst)
    assert all(gap >= 0.05 * 2 ** i / 2 * 0.9 for i, gap in enumerate(gaps)), gaps
    attempts = outbox.store.read("SELECT sum(attempts) FROM submission")[0][0]
    assert attempts == len(hall.calls) and outbox.status().pending == 200


def test_when_the_department_answers_again_the_backlog_drains_at_once(outbox):
    hall = Department()
    hall.down.add("hall")
    for _ in range(300):
        outbox.enqueue(RATING, example(RATING))
    sender = Sender(outbox, hall, retry_initial_s=0.05, retry_max_s=60.0, poll_interval_s=0.05)
    sender.start()
    wait_for(lambda: hall.count("hall") >= 4, timeout_s=10)  # four failed probes, pauses up to 0.4 s
    hall.down.clear()
    # every submission is due at the next probe, none waits out a backoff of its own (up to 60 s here)
    wait_for(lambda: outbox.status().pending == 0, timeout_s=10)
    assert sender.stop() and sender.down == ()
    assert outbox.status().delivered == 300 and len(hall.calls) == 300 + 4


def test_other_departments_are_served_while_one_is_down(outbox):
    backends = Department()
    backends.down.add("hall")
    for _ in range(20):
        outbox.enqueue(RATING, example(RATING))
    for _ in range(100):
        outbox.enqueue(RESIDENCE, example(RESIDENCE))
    sender = Sender(outbox, backends, retry_initial_s=0.2, retry_max_s=60.0, poll_interval_s=0.05)
    sender.start()
    wait_for(lambda: backends.count("registration") == 100, timeout_s=10)
    assert sender.stop()
    assert backends.count("hall") <= 3 and outbox.status().pending == 20
