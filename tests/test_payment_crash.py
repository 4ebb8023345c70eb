"""Kill and restart: the kiosk process is SIGKILLed at random moments between a citizen's payment
being confirmed and the application being submitted, then started again. Every order the gateway
took money for ends as exactly one application at the department or one refund, never both and
never neither; nothing stays open."""
from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from backend_sim import launch

REPO = Path(__file__).resolve().parent.parent
KILLS = 6


def _child(*args: str, log) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "KIOSK_CONFIG"}
    return subprocess.Popen([sys.executable, "-m", "tests.payment_support", *args], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=log, text=True)


def _wait_line(process: subprocess.Popen, prefix: str, timeout_s: float) -> str | None:
    """The next stdout line starting with ``prefix`` (None if the process ended or it took too long)."""
    found: list[str] = []
    done = threading.Event()

    def read() -> None:
        for line in process.stdout:
            if line.startswith(prefix):
                found.append(line.split()[-1])
                break
        done.set()
    threading.Thread(target=read, daemon=True).start()
    done.wait(timeout_s)
    return found[0] if found else None


@pytest.mark.slow
def test_every_paid_order_ends_as_one_submission_or_one_refund(tmp_path):
    rng = random.Random(20261129)
    kiosk_dir = tmp_path / "kiosk"
    kiosk_dir.mkdir()
    log = open(tmp_path / "children.log", "ab")
    with launch(tmp_path / "sim", latency_ms=30) as sim:
        sim.faults(refund_after_s=0.2)
        paid = []
        for kill in range(KILLS):
            child = _child("citizens", str(kiosk_dir), sim.base_url, "3", log=log)
            order_id = _wait_line(child, "PAID", 180)
            if not order_id:
                child.send_signal(signal.SIGUSR1)  # its threads' stacks, into the log
                threading.Event().wait(1)
                child.kill()
            assert order_id, (tmp_path / "children.log").read_text()[-4000:]
            paid.append(order_id)
            # somewhere between "paid" and "submitted" (the submission is stored, sent, answered in ~0.1-1 s)
            threading.Event().wait(rng.uniform(0.0, 0.6))
            child.send_signal(signal.SIGKILL)
            child.wait()
        recovery = _child("recover", str(kiosk_dir), sim.base_url, log=log)
        assert _wait_line(recovery, "SETTLED", 180) is not None, (tmp_path / "children.log").read_text()[-2000:]
        recovery.wait(10)
        with sqlite3.connect(sim.data_dir / "backend.db") as con:
            taken = [r[0] for r in con.execute("SELECT order_id FROM payment_orders WHERE status = 'paid'")]
            applied = [r[0] for r in con.execute("SELECT payment_order_id FROM endorsements")]
            refunded = {r[0]: r[1] for r in con.execute("SELECT order_id, status FROM refunds")}
    assert set(paid) <= set(taken)
    for order_id in taken:
        outcomes = applied.count(order_id) + (order_id in refunded)
        assert outcomes == 1, f"{order_id}: {applied.count(order_id)} applications, refund {refunded.get(order_id)}"
    assert set(refunded.values()) <= {"refunded"}
    assert len(set(applied)) == len(applied)
    outcome_kinds = {"applied": len(applied), "refunded": len(refunded)}
    print(f"{len(taken)} paid orders: {outcome_kinds}")
