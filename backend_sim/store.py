"""The reference backend's SQLite database: effects, numbering, and the idempotency ledger.

Every effect table has a UNIQUE ``idempotency_key`` column: even a bug in the ledger could not
create a second effect for one key. Submissions run inside one ``BEGIN IMMEDIATE`` transaction
(ledger lookup, effect, ledger entry), so concurrent requests with the same key are serialised and
the second one finds the first one's answer.
"""
from __future__ import annotations

import json
import secrets
import sqlite3
from pathlib import Path
from typing import ContextManager

from common.sqlite_pool import ConnectionPool

_SCHEMA = """
CREATE TABLE IF NOT EXISTS ledger (
    idempotency_key TEXT PRIMARY KEY,
    operation TEXT NOT NULL,
    body_sha256 TEXT NOT NULL,
    status INTEGER NOT NULL,
    reply TEXT NOT NULL,
    received INTEGER NOT NULL,
    first_received_at TEXT NOT NULL,
    last_received_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS applications (
    application_no TEXT PRIMARY KEY, department TEXT NOT NULL, kind TEXT NOT NULL,
    id_number TEXT NOT NULL, name TEXT NOT NULL, received_at REAL NOT NULL, fee TEXT,
    idempotency_key TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS appointments (
    appointment_no TEXT PRIMARY KEY, slot_id TEXT NOT NULL, business TEXT NOT NULL,
    id_number TEXT NOT NULL, booked_at REAL NOT NULL, idempotency_key TEXT NOT NULL UNIQUE,
    collection TEXT NOT NULL DEFAULT 'counter'
);
CREATE INDEX IF NOT EXISTS appointments_slot ON appointments (slot_id);
CREATE INDEX IF NOT EXISTS appointments_citizen ON appointments (id_number);
CREATE TABLE IF NOT EXISTS cancellations (
    appointment_no TEXT PRIMARY KEY, cancelled_at REAL NOT NULL, idempotency_key TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS documents (
    document_no TEXT PRIMARY KEY, kind TEXT NOT NULL, id_number TEXT NOT NULL, name TEXT NOT NULL, day TEXT NOT NULL,
    subject TEXT NOT NULL, period_from TEXT NOT NULL, period_to TEXT NOT NULL, total TEXT NOT NULL, tax_office TEXT NOT NULL,
    issued_at REAL NOT NULL, idempotency_key TEXT NOT NULL UNIQUE
);
CREATE INDEX IF NOT EXISTS documents_person ON documents (id_number, kind, day, subject);
CREATE TABLE IF NOT EXISTS invoice_collections (
    collection_no TEXT PRIMARY KEY, taxpayer_id TEXT NOT NULL, invoice_kind TEXT NOT NULL, quantity INTEGER NOT NULL,
    collected_at REAL NOT NULL, idempotency_key TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS secrets (name TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS tickets (
    day TEXT NOT NULL, ticket_no TEXT NOT NULL, queue TEXT NOT NULL, priority TEXT NOT NULL,
    issued_at REAL NOT NULL, idempotency_key TEXT NOT NULL UNIQUE, PRIMARY KEY (day, ticket_no)
);
CREATE TABLE IF NOT EXISTS signing_keys (
    key_id TEXT PRIMARY KEY, terminal_id TEXT NOT NULL, public_key BLOB NOT NULL, enrolled_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS used_signatures (digest TEXT PRIMARY KEY, idempotency_key TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS heartbeats (terminal_id TEXT PRIMARY KEY, received_at REAL NOT NULL, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sim_settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS fees (
    fee_id TEXT PRIMARY KEY, department TEXT NOT NULL, item TEXT NOT NULL, amount TEXT NOT NULL,
    id_number TEXT NOT NULL, issued_at REAL NOT NULL, paid_order_id TEXT
);
CREATE TABLE IF NOT EXISTS payment_orders (
    order_id TEXT PRIMARY KEY, fee_id TEXT NOT NULL, item TEXT NOT NULL, amount TEXT NOT NULL, status TEXT NOT NULL,
    created_at REAL NOT NULL, expires_at REAL NOT NULL, confirm_at REAL, paid_at REAL, payment_code TEXT NOT NULL,
    terminal_id TEXT NOT NULL, idempotency_key TEXT NOT NULL UNIQUE
);
CREATE INDEX IF NOT EXISTS payment_orders_fee ON payment_orders (fee_id);
CREATE TABLE IF NOT EXISTS payment_notifications (id INTEGER PRIMARY KEY, order_id TEXT NOT NULL, fee_id TEXT NOT NULL,
    at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS refunds (
    refund_id TEXT PRIMARY KEY, order_id TEXT NOT NULL UNIQUE, amount TEXT NOT NULL, status TEXT NOT NULL,
    reason TEXT NOT NULL, requested_at REAL NOT NULL, done_at REAL NOT NULL, idempotency_key TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS endorsements (
    application_no TEXT PRIMARY KEY, offer_id TEXT NOT NULL, payment_order_id TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS ratings (
    rating_id TEXT PRIMARY KEY, service_id TEXT NOT NULL, receipt_no TEXT NOT NULL, rating TEXT NOT NULL,
    reasons TEXT NOT NULL, comment TEXT NOT NULL, received_at REAL NOT NULL, idempotency_key TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS handoffs (
    handoff_id TEXT PRIMARY KEY, department TEXT NOT NULL, purpose TEXT NOT NULL, who TEXT NOT NULL,
    document_digest TEXT NOT NULL, created_at REAL NOT NULL, expires_at REAL NOT NULL, status TEXT NOT NULL,
    used_by TEXT
);
CREATE TABLE IF NOT EXISTS trade_names (
    district TEXT NOT NULL, trade_name TEXT NOT NULL, application_no TEXT NOT NULL, PRIMARY KEY (district, trade_name)
);
"""
EFFECT_TABLES = ("applications", "appointments", "cancellations", "documents", "invoice_collections", "tickets",
                 "ratings", "payment_orders", "refunds")


class SimStore:
    """The database in ``data_dir/backend.db``; one connection per server thread."""

    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.file = data_dir / "backend.db"
        self._pool = ConnectionPool(self._open)  # the server starts a thread per request
        with self.connection() as con:
            con.executescript(_SCHEMA)

    def _open(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.file, isolation_level=None, timeout=30, check_same_thread=False)
        con.row_factory = sqlite3.Row
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")  # a simulator: a lost last second on power cut is fine
        return con

    def connection(self) -> ContextManager[sqlite3.Connection]:
        """A connection, this thread's alone until the ``with`` block ends."""
        return self._pool.connection()

    def transaction(self) -> ContextManager[sqlite3.Connection]:
        """A write transaction, taken at once (``BEGIN IMMEDIATE``) so writers queue instead of deadlocking."""
        return self._pool.transaction()

    # -- numbering ---------------------------------------------------------------------------
    @staticmethod
    def next_number(con: sqlite3.Connection, name: str) -> int:
        """1, 2, 3... per counter name (e.g. ``app:SW:20250314``), inside the caller's transaction."""
        return con.execute(
            "INSERT INTO counters (name, value) VALUES (?, 1) "
            "ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value", (name,)
        ).fetchone()[0]

    @staticmethod
    def secret(con: sqlite3.Connection, name: str) -> bytes:
        """A random 32-byte secret of this database (made on first use), e.g. the key of verification codes."""
        con.execute("INSERT OR IGNORE INTO secrets VALUES (?, ?)", (name, secrets.token_bytes(32)))
        return con.execute("SELECT value FROM secrets WHERE name = ?", (name,)).fetchone()[0]

    # -- the idempotency ledger --------------------------------------------------------------
    @staticmethod
    def replay(con: sqlite3.Connection, key: str, operation: str, body_sha256: str, now: str):
        """The stored (status, reply) for ``key``, counting this receipt; ``"mismatch"``; or None if new."""
        row = con.execute("SELECT operation, body_sha256, status, reply FROM ledger WHERE idempotency_key = ?",
                          (key,)).fetchone()
        if row is None:
            return None
        if (row["operation"], row["body_sha256"]) != (operation, body_sha256):
            return "mismatch"
        con.execute("UPDATE ledger SET received = received + 1, last_received_at = ? WHERE idempotency_key = ?",
                    (now, key))
        return row["status"], json.loads(row["reply"])

    @staticmethod
    def remember(con: sqlite3.Connection, key: str, operation: str, body_sha256: str, status: int,
                 reply: dict, now: str) -> None:
        con.execute("INSERT INTO ledger VALUES (?, ?, ?, ?, ?, 1, ?, ?)",
                    (key, operation, body_sha256, status, json.dumps(reply, ensure_ascii=False), now, now))

    # -- inspection --------------------------------------------------------------------------
    def submissions(self) -> dict:
        """Every submission processed, with its key and receive count, and the number of effects."""
        with self.connection() as con:
            rows = con.execute("SELECT idempotency_key, operation, status, received, first_received_at, "
                               "last_received_at FROM ledger ORDER BY first_received_at, rowid").fetchall()
            effects = {table: con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 - fixed names
                       for table in EFFECT_TABLES}
        return {"submissions": [dict(r) for r in rows], "effects": effects}
