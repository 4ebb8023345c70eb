"""The operator's commands, run as an operator would: ``python -m kiosk.outbox ...``."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from backend_sim import launch
from backend_sim.examples import CITIZEN, example

REPO = Path(__file__).resolve().parent.parent


def outbox_cli(tmp_path: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "KIOSK_CONFIG"}
    cmd = [sys.executable, "-m", "kiosk.outbox", "--db", str(tmp_path / "outbox.db"),
           "--key-file", str(tmp_path / "outbox.key"), "--terminal-id", "CLI-01", *args]
    return subprocess.run(cmd, cwd=REPO, env=env, input=stdin, capture_output=True, text=True, timeout=60)


def test_enqueue_status_run_status(tmp_path):
    body = tmp_path / "residence.json"
    body.write_text(json.dumps(example("registration.register_residence")), encoding="utf-8")
    first = outbox_cli(tmp_path, "enqueue", "--service", "registration.register_residence", "--json", str(body))
    receipt = first.stdout.strip()
    assert first.returncode == 0 and receipt.startswith("CLI-01-") and receipt.endswith("-0001")
    second = outbox_cli(tmp_path, "enqueue", "--service", "hall.submit_rating", "--json", "-",
                        stdin=json.dumps(example("hall.submit_rating")))
    assert second.returncode == 0 and second.stdout.strip().endswith("-0002")

    refused = outbox_cli(tmp_path, "enqueue", "--service", "hall.submit_rating", "--json", "-",
                         stdin=json.dumps({"rating": "great"}))
    assert refused.returncode == 1 and "rating not_allowed" in refused.stderr and "nothing stored" in refused.stderr

    status = outbox_cli(tmp_path, "status")
    assert status.returncode == 0 and "pending   2" in status.stdout
    assert CITIZEN["name"] not in status.stdout + status.stderr

    with launch(tmp_path / "sim") as sim:
        run = outbox_cli(tmp_path, "--base-url", sim.base_url, "run")
        assert run.returncode == 0, run.stderr
        assert "outbox empty: 2 delivered, 0 rejected" in run.stdout
        assert len(sim.submissions()["submissions"]) == 2

    after = json.loads(outbox_cli(tmp_path, "status", "--json").stdout)
    assert (after["pending"], after["delivered"], after["rejected"]) == (0, 2, 0)


def test_a_key_readable_by_others_stops_every_command_with_what_to_do(tmp_path):
    key = tmp_path / "outbox.key"
    key.write_bytes(os.urandom(32))
    key.chmod(0o644)
    result = outbox_cli(tmp_path, "status")
    assert result.returncode == 2 and "chmod 600" in result.stderr


@pytest.mark.parametrize("args", [["dismiss", "CLI-01-20250101-0001"]])
def test_dismissing_an_unknown_receipt_says_so(tmp_path, args):
    result = outbox_cli(tmp_path, *args)
    assert result.returncode == 1 and "no rejected submission" in result.stderr
