"""The outbox loses nothing and does nothing twice: 1,000 submissions are enqueued while the sender
process is SIGKILLed at random moments (at least 20 times) and the backend fails 20 % of requests and
drops 10 % of replies after committing them. At the end the backend holds exactly 1,000 effects, each
of our submissions once, and the outbox is empty."""
from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from backend_sim import launch
from backend_sim.examples import example
from kiosk.outbox import Outbox
from tests.backend_support import wait_for

REPO = Path(__file__).resolve().parent.parent
TOTAL = 1000
MIN_KILLS = 20
CONFIG = """
[logging]
level = "ERROR"
[outbox]
retry_initial_s = 0.02
retry_max_s = 0.25
poll_interval_s = 0.05
"""


@pytest.mark.slow
def test_sigkilled_sender_and_faulty_backend_lose_nothing_and_repeat_nothing(tmp_path):
    rng = random.Random(20250314)
    (tmp_path / "site.toml").write_text(CONFIG, encoding="utf-8")
    db, key = tmp_path / "outbox.db", tmp_path / "outbox.key"
    outbox = Outbox(db, key, "CRASH-01")
    log = open(tmp_path / "sender.log", "ab")
    env = {k: v for k, v in os.environ.items() if k != "KIOSK_CONFIG"}

    with launch(tmp_path / "sim", fail_rate=0.2, drop_reply_rate=0.1, seed=7) as sim:
        def start_sender(*mode: str) -> subprocess.Popen:
            return subprocess.Popen(
                [sys.executable, "-m", "kiosk.outbox", "--db", str(db), "--key-file", str(key),
                 "--config", str(tmp_path / "site.toml"), "--base-url", sim.base_url, "run", *mode],
                cwd=REPO, env=env, stdout=log, stderr=log)

        def delivered() -> int:
            return outbox.status().delivered

        enqueued, kills = 0, 0
        batches = [TOTAL // MIN_KILLS] * MIN_KILLS
        while kills < MIN_KILLS or enqueued < TOTAL:
            sender = start_sender("--follow")
            batch = batches[kills] if kills < len(batches) else TOTAL - enqueued
            for _ in range(batch):
                body = example("hall.submit_rating") | {"receipt_no": f"CRASH-{enqueued:04d}"}
                outbox.enqueue("hall.submit_rating", body)
                enqueued += 1
            # kill at a random point of the sender's work: after a random amount of progress
            target = delivered() + rng.choice([0, 1, 2, 5, 10, 20, 35])
            wait_for(lambda: delivered() >= target or outbox.status().pending == 0, timeout_s=60, interval_s=0.005)
            sender.send_signal(signal.SIGKILL)
            sender.wait(10)
            kills += 1

        final = start_sender()  # without --follow: deliver until empty, then exit
        assert final.wait(90) == 0
        ledger = sim.submissions()

    log.close()
    status = outbox.status()
    assert (status.pending, status.rejected, status.delivered) == (0, 0, TOTAL)
    assert kills >= MIN_KILLS
    assert ledger["effects"]["ratings"] == TOTAL
    keys = [s["idempotency_key"] for s in ledger["submissions"]]
    assert len(keys) == len(set(keys)) == TOTAL
    assert all(s["status"] == 201 for s in ledger["submissions"])
    assert any(s["received"] > 1 for s in ledger["submissions"])  # replies were lost and the retry was answered
    with sqlite3.connect(tmp_path / "sim" / "backend.db") as con:
        effects = [r[0] for r in con.execute("SELECT receipt_no FROM ratings ORDER BY receipt_no")]
    assert effects == [f"CRASH-{n:04d}" for n in range(TOTAL)]  # each of ours exactly once
