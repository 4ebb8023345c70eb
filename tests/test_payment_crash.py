"""Kill and restart: the kiosk process is SIGKILLed at points between a citizen's payment being
confirmed and the application being submitted, then started again. Every order the gateway took
money for ends as exactly one application at the department or one refund, never both and never
neither; nothing stays open.

The child stops at its point and says so before it is killed (``tests.payment_support``), so the
kill lands where the test means it to however busy the machine is: every point is hit twice, in an
order drawn from a seeded random source. Every wait is on a line from the child, with a bound
generous enough for a loaded CI machine.
"""
from __future__ import annotations

import os
import queue
import random
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from backend_sim import launch
from tests.payment_support import HOLD_POINTS

REPO = Path(__file__).resolve().parent.parent
ROUNDS = 2          # kills per hold point
WAIT_S = 300.0      # for one line from a child: starting, walking and paying take ~30 s on a loaded machine
# What each point must end as: before the submission is stored the order is refunded; once it is
# stored it is delivered (once, however often it is sent).
EXPECTED = {"paid": ["refunded"], "storing": ["refunded"], "stored": ["applied"], "sent": ["applied"]}


class Child:
    """A ``tests.payment_support`` process; its stdout lines arrive on a queue (read in a thread)."""

    def __init__(self, log, *args: str) -> None:
        env = {k: v for k, v in os.environ.items() if k != "KIOSK_CONFIG"}
        self.process = subprocess.Popen([sys.executable, "-m", "tests.payment_support", *args], cwd=REPO, env=env,
                                        stdout=subprocess.PIPE, stderr=log, text=True)
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line.split())
        self.lines.put(None)  # the process ended

    def expect(self, word: str, timeout_s: float = WAIT_S) -> list[str]:
        """The next line starting with ``word``; fails (with the child's stacks in the log) otherwise."""
        try:
            line = self.lines.get(timeout=timeout_s)
        except queue.Empty:
            self.process.send_signal(signal.SIGUSR1)  # its threads' stacks, into the log
            line = ["(nothing", f"within {timeout_s:g} s)"]
        assert line is not None and line[0] == word, f"expected {word}, got {line}"
        return line

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(WAIT_S)


@pytest.mark.slow
@pytest.mark.timeout(2400)  # the sum of the bounded waits; it takes ~40 s on an idle machine
def test_every_paid_order_ends_as_one_submission_or_one_refund(tmp_path):
    points = list(HOLD_POINTS) * ROUNDS
    random.Random(20261129).shuffle(points)
    kiosk_dir = tmp_path / "kiosk"
    kiosk_dir.mkdir()
    children: list[Child] = []
    with open(tmp_path / "children.log", "ab") as log, launch(tmp_path / "sim", latency_ms=30, timeout_s=WAIT_S) as sim:
        sim.faults(refund_after_s=0.2)
        killed_at: dict[str, str] = {}
        try:
            for point in points:
                child = Child(log, "citizen", str(kiosk_dir), sim.base_url, point)
                children.append(child)
                order_id = child.expect("PAID")[1]
                assert child.expect("AT")[1:] == [point, order_id]
                killed_at[order_id] = point
                child.kill()
            recovery = Child(log, "recover", str(kiosk_dir), sim.base_url)
            children.append(recovery)
            recovery.expect("SETTLED")
            assert recovery.process.wait(WAIT_S) == 0
        except AssertionError as e:
            raise AssertionError(f"{e}\n{(tmp_path / 'children.log').read_text()[-4000:]}") from None
        finally:
            for child in children:
                child.kill()
        with sqlite3.connect(sim.data_dir / "backend.db") as con:
            taken = [r[0] for r in con.execute("SELECT order_id FROM payment_orders WHERE status = 'paid'")]
            applied = [r[0] for r in con.execute("SELECT payment_order_id FROM endorsements")]
            refunded = {r[0]: r[1] for r in con.execute("SELECT order_id, status FROM refunds")}
    assert sorted(taken) == sorted(killed_at)  # each child paid its one order
    for order_id, point in killed_at.items():
        outcomes = ["applied"] * applied.count(order_id) + ([refunded[order_id]] if order_id in refunded else [])
        assert outcomes == EXPECTED[point], f"{order_id} killed at {point}: {outcomes}"
