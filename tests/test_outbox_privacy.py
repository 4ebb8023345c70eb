"""The outbox's files never hold personal data in clear text: not the database, not its WAL, not its
shared-memory index, in any encoding a careless writer might use; not before delivery, not after."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from backend_sim import launch
from backend_sim.examples import example, make_id
from kiosk.backends import Backends
from kiosk.outbox import Outbox, Outcome, Sender
from tests.backend_support import transports

NAME = "司马翊鸿"                     # distinctive: found only if we planted it
ID_NUMBER = make_id("52262719770918536")
PHONE = "13987654321"


def encodings(text: str) -> list[bytes]:
    forms = [text.encode(enc) for enc in ("utf-8", "utf-16-le", "utf-16-be", "gb18030")]
    forms.append(json.dumps(text).strip('"').encode())  # \\uXXXX escapes of an ensure_ascii JSON writer
    return forms


def files(db: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")) if p.exists()}


def assert_no_clear_text(db: Path) -> None:
    found = [(name, secret) for name, data in files(db).items()
             for secret in (NAME, ID_NUMBER, PHONE) for form in encodings(secret) if form in data]
    assert found == []


@pytest.fixture
def planted(tmp_path):
    outbox = Outbox(tmp_path / "outbox.db", tmp_path / "outbox.key", "PRIV-01")
    receipts = [outbox.enqueue("registration.register_residence", example(
        "registration.register_residence", {"id_number": ID_NUMBER, "name": NAME}, {"phone": PHONE})) for _ in range(5)]
    yield outbox, receipts
    outbox.close()


def test_waiting_submissions_are_not_readable_in_the_files(planted, tmp_path):
    outbox, _ = planted
    db = tmp_path / "outbox.db"
    assert len(files(db)["outbox.db-wal"]) > 0  # the commits are in the WAL right now: it is searched
    assert_no_clear_text(db)
    # the check itself works: a plain SQLite file with the same text is caught
    plain = tmp_path / "plain.db"
    with sqlite3.connect(plain) as con:
        con.execute("CREATE TABLE t (v TEXT)")
        con.execute("INSERT INTO t VALUES (?)", (NAME,))
    with pytest.raises(AssertionError):
        assert_no_clear_text(plain)


def test_nothing_is_left_after_delivery_either(planted, tmp_path):
    outbox, receipts = planted
    with launch(tmp_path / "sim") as sim:
        backends = Backends(transports(sim.base_url))
        sender = Sender(outbox, backends.submit, retry_initial_s=0.05)
        sender.start()
        assert all(outbox.wait(r, 10).outcome is Outcome.DELIVERED for r in receipts)
        sender.stop()
        backends.close()
    with outbox.store.connection() as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert outbox.status().pending == 0
    assert_no_clear_text(tmp_path / "outbox.db")
