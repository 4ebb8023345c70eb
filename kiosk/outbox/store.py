"""The outbox's SQLite file: waiting submissions (encrypted), receipt numbering, and the audit trail.

Durability: WAL with ``synchronous=FULL``, so a commit that returned survives a power cut (with
NORMAL the last commits of a WAL can vanish). Freed pages are zeroed (``secure_delete``) so a
delivered payload's ciphertext does not linger in the file.

Tables:
    ``submission``  one row per submission not yet delivered (``pending``) or refused and not yet
                    dismissed (``rejected``): receipt number, service, idempotency key, nonce and
                    ciphertext, attempts, next attempt time, last error (an error class or HTTP
                    status, or field names and codes: never a value);
    ``audit``       one non-personal line per finished submission: receipt number, service, times,
                    outcome (``delivered``, ``rejected``, ``dismissed``), attempts;
    ``receipt_seq`` today's last receipt sequence number;
    ``payment_order`` every payment order the kiosk created (``kiosk.payment.ledger``): kept in this
                    file so that storing a paid submission and marking its order submitted is one
                    transaction, and so is a refusal and the refund it makes due;
    ``meta``        the schema version and the key fingerprint.
"""
from __future__ import annotations

import functools
import os
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import ContextManager, Iterator

from common.i18n import N_
from common.sqlite_pool import ConnectionPool


NOT_SAVED = N_("Your request could not be saved. Please ask at the counter.")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS receipt_seq (day TEXT PRIMARY KEY, last INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS submission (
    receipt_no TEXT PRIMARY KEY,
    service_id TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    nonce BLOB NOT NULL,
    ciphertext BLOB NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'rejected')),
    created_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS submission_due ON submission (state, next_attempt_at);
CREATE TABLE IF NOT EXISTS payment_order (
    create_key TEXT PRIMARY KEY,
    service_id TEXT NOT NULL,
    fee_id TEXT NOT NULL,
    amount TEXT NOT NULL,
    order_id TEXT UNIQUE,
    state TEXT NOT NULL CHECK (state IN ('creating', 'open', 'paid', 'submitted', 'settled', 'closing', 'closed',
                                         'refund_due', 'refunding', 'refunded')),
    receipt_no TEXT,
    refund_reason TEXT NOT NULL DEFAULT '',
    refund_id TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS payment_order_due ON payment_order (state, next_attempt_at);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY,
    receipt_no TEXT NOT NULL,
    service_id TEXT NOT NULL,
    created_at REAL NOT NULL,
    finished_at REAL NOT NULL,
    outcome TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
"""


class OutboxError(Exception):
    """The outbox file cannot be used (disk full, locked, unreadable). Nothing was saved by the failing call.

    ``msgid`` is what to tell a citizen whose submission this was.
    """

    msgid = NOT_SAVED


def _explain(path: Path, error: sqlite3.Error) -> OutboxError:
    name = getattr(error, "sqlite_errorname", "")
    reasons = {
        "SQLITE_FULL": "the disk holding it is full; free space",
        "SQLITE_BUSY": "it is locked by another process for too long; check for a stuck outbox command",
        "SQLITE_LOCKED": "it is locked; check for a stuck outbox command",
        "SQLITE_READONLY": "it is read-only; check the file's and folder's owner and permissions",
        "SQLITE_CANTOPEN": "it cannot be opened; check the folder exists and is writable",
        "SQLITE_PERM": "permission denied; check the file's owner",
        "SQLITE_IOERR": "the disk reported an I/O error",
        "SQLITE_CORRUPT": "it is damaged; keep it for inspection and restore from backup",
        "SQLITE_NOTADB": "it is not an outbox database",
    }
    reason = next((text for prefix, text in reasons.items() if name.startswith(prefix)),
                  name or type(error).__name__)
    return OutboxError(f"outbox {path}: {reason}")


@dataclass(frozen=True)
class Stored:
    """A waiting submission as stored: its payload is still sealed."""

    receipt_no: str
    service_id: str
    idempotency_key: str
    nonce: bytes
    ciphertext: bytes
    created_at: float
    attempts: int

    @property
    def associated_data(self) -> bytes:
        """What the ciphertext is bound to: it cannot be moved to another row unnoticed."""
        return f"{self.receipt_no}\n{self.service_id}\n{self.idempotency_key}".encode()


class OutboxStore:
    """The outbox database, through pools of SQLite connections (``common.sqlite_pool``): the runner
    starts a thread for every effect, and one connection per thread left the file open once more
    for each of them.

    Args:
        path: the database file (created owner-only if missing, with its folder).
        busy_timeout_s: how long a write waits for another process's write before failing.

    Raises:
        OutboxError: the file cannot be created or opened.
    """

    def __init__(self, path: Path, busy_timeout_s: float = 5.0) -> None:
        self.path = Path(path)
        self._busy_timeout_s = busy_timeout_s
        self._pools = {fsync: ConnectionPool(functools.partial(self._open, "FULL" if fsync else "NORMAL"))
                       for fsync in (True, False)}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))  # SQLite gives -wal/-shm the same mode
        except OSError as e:
            raise OutboxError(f"outbox {self.path}: cannot be created ({e.strerror})") from None
        try:
            with self.connection() as con:
                con.executescript(_SCHEMA)
        except sqlite3.Error as e:
            raise _explain(self.path, e) from None

    # -- connections and transactions --------------------------------------------------------
    def connection(self) -> ContextManager[sqlite3.Connection]:
        """A connection of the pool, this thread's alone until the ``with`` block ends."""
        return self._pools[True].connection()

    def _open(self, synchronous: str) -> sqlite3.Connection:
        try:
            con = sqlite3.connect(self.path, isolation_level=None, timeout=self._busy_timeout_s,
                                  check_same_thread=False)  # lent to one thread at a time
            con.execute("PRAGMA journal_mode=WAL")
            con.execute(f"PRAGMA synchronous={synchronous}")
            con.execute("PRAGMA secure_delete=ON")
        except sqlite3.Error as e:
            raise _explain(self.path, e) from None
        return con

    @contextmanager
    def write(self, fsync: bool = True) -> Iterator[sqlite3.Connection]:
        """One durable write transaction; any SQLite failure rolls it back and becomes an OutboxError.

        ``fsync=False`` (``synchronous=NORMAL``) is for the sender's records only: they say what the
        department already acknowledged or refused, so a power cut can at worst undo the last few,
        and those submissions are sent again with their own Idempotency-Key, which the department
        answers from its ledger without doing anything twice. Without it, draining a backlog waits
        for one fsync per submission (a loaded disk halves the drain rate or worse). The commit is
        durable at the next checkpoint, and never torn. What a citizen enqueues is always fsynced.
        """
        try:
            with self._pools[fsync].transaction() as con:
                yield con
        except sqlite3.Error as e:
            raise _explain(self.path, e) from None

    def read(self, sql: str, args: tuple = ()) -> list[tuple]:
        try:
            with self.connection() as con:
                return con.execute(sql, args).fetchall()
        except sqlite3.Error as e:
            raise _explain(self.path, e) from None

    def close(self) -> None:
        """Close the connections not in use (at shutdown, when none are)."""
        for pool in self._pools.values():
            pool.close()

    # -- meta --------------------------------------------------------------------------------
    def meta(self, name: str) -> str | None:
        rows = self.read("SELECT value FROM meta WHERE name = ?", (name,))
        return rows[0][0] if rows else None

    def set_meta(self, name: str, value: str) -> None:
        with self.write() as con:
            con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (name, value))

    # -- the sender's side -------------------------------------------------------------------
    def next_due(self, now: float, skip: tuple[str, ...] = ()) -> Stored | None:
        """The pending submission whose next attempt is the most overdue, or None.

        ``skip``: departments (``tax``, ...) whose submissions are not to be attempted now.
        """
        rows = self.read(
            "SELECT receipt_no, service_id, idempotency_key, nonce, ciphertext, created_at, attempts FROM submission "
            f"WHERE state = 'pending' AND next_attempt_at <= ?{_skipping(skip)} "
            "ORDER BY next_attempt_at, created_at LIMIT 1", (now, *skip))
        return Stored(*rows[0]) if rows else None

    def next_attempt_at(self, skip: tuple[str, ...] = ()) -> float | None:
        """When the earliest pending submission (of a department not in ``skip``) is due, or None."""
        return self.read(f"SELECT min(next_attempt_at) FROM submission WHERE state = 'pending'{_skipping(skip)}",
                         skip)[0][0]

    def delivered(self, item: Stored, now: float) -> None:
        """Forget the submission (payload included) and keep one audit line, in one transaction."""
        with self.write(fsync=False) as con:
            if con.execute("DELETE FROM submission WHERE receipt_no = ?", (item.receipt_no,)).rowcount:
                _audit(con, item.receipt_no, item.service_id, item.created_at, now, "delivered", item.attempts + 1)
                con.execute("UPDATE payment_order SET state = 'settled', updated_at = ? "
                            "WHERE receipt_no = ? AND state = 'submitted'", (now, item.receipt_no))

    def retry_later(self, item: Stored, next_attempt_at: float, error: str) -> None:
        with self.write(fsync=False) as con:
            con.execute("UPDATE submission SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? "
                        "WHERE receipt_no = ?", (next_attempt_at, error, item.receipt_no))

    def rejected(self, item: Stored, now: float, detail: str) -> None:
        """Mark refused by the backend; it stays (sealed) until an operator dismisses it. The order
        that paid for it, if any, is due for a refund in the same transaction."""
        with self.write(fsync=False) as con:
            con.execute("UPDATE submission SET state = 'rejected', attempts = attempts + 1, last_error = ? "
                        "WHERE receipt_no = ?", (detail, item.receipt_no))
            con.execute("UPDATE payment_order SET state = 'refund_due', refund_reason = 'refused', updated_at = ?, "
                        "next_attempt_at = ? WHERE receipt_no = ? AND state = 'submitted'", (now, now, item.receipt_no))
            _audit(con, item.receipt_no, item.service_id, item.created_at, now, "rejected", item.attempts + 1, detail)

    def dismiss(self, receipt_no: str, now: float) -> bool:
        """Delete a rejected submission (an operator handled it); False if there is no such one."""
        with self.write() as con:
            row = con.execute("SELECT service_id, created_at, attempts, last_error FROM submission "
                              "WHERE receipt_no = ? AND state = 'rejected'", (receipt_no,)).fetchone()
            if row is None:
                return False
            con.execute("DELETE FROM submission WHERE receipt_no = ?", (receipt_no,))
            service_id, created_at, attempts, detail = row
            _audit(con, receipt_no, service_id, created_at, now, "dismissed", attempts, detail)
        return True


def _skipping(departments: tuple[str, ...]) -> str:
    """SQL that leaves out the submissions of ``departments`` (a service id is ``department.operation``)."""
    if not departments:
        return ""
    return f" AND substr(service_id, 1, instr(service_id, '.') - 1) NOT IN ({', '.join('?' * len(departments))})"


def _audit(con: sqlite3.Connection, receipt_no: str, service_id: str, created_at: float, finished_at: float,
           outcome: str, attempts: int, detail: str = "") -> None:
    con.execute("INSERT INTO audit (receipt_no, service_id, created_at, finished_at, outcome, attempts, detail) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (receipt_no, service_id, created_at, finished_at, outcome, attempts, detail))
