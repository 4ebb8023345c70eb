"""The print-job journal: every job's fate, so none is lost or printed twice unnoticed.

SQLite in the data directory (WAL, ``synchronous=FULL``: a committed row survives a power cut).
It holds *no personal data*: the job id (chosen by the application, e.g. a UUID), the template
kind, the state, attempts, bytes sent, a machine-readable reason, timestamps. Neither the receipt
nor its bytes are stored: the document needed for a reprint stays in the driver's memory for the
citizen's session only.

States::

    queued ──> sending ──> printed ──(reprint)──> sending ──> reprinted
       │          └──────> interrupted ──(reprint)──┘  └────> interrupted
       └──> refused (nothing was sent: printer not ready)
"""
from __future__ import annotations

import enum
import logging
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

RETENTION_DAYS = 90
log = logging.getLogger(__name__)


class JournalError(Exception):
    """The journal cannot record a job (disk full, read-only file): nothing was recorded, nothing sent."""


class JobState(enum.Enum):
    QUEUED = "queued"
    SENDING = "sending"
    PRINTED = "printed"
    INTERRUPTED = "interrupted"
    REPRINTED = "reprinted"
    REFUSED = "refused"


@dataclass(frozen=True)
class JobRecord:
    """One journal row."""

    job_id: str
    kind: str
    state: JobState
    attempts: int
    bytes_sent: int      # over all attempts; > 0 means something may be on paper
    reason: str          # why the last attempt ended as it did, e.g. "paper_out"
    created: float       # Unix time
    updated: float


class PrintJournal:
    """A small thread-safe journal of print jobs at ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS jobs (job_id TEXT PRIMARY KEY, kind TEXT NOT NULL, "
            "state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, "
            "bytes_sent INTEGER NOT NULL DEFAULT 0, reason TEXT NOT NULL DEFAULT '', "
            "created REAL NOT NULL, updated REAL NOT NULL)"
        )
        with self._lock:
            self._db.execute("DELETE FROM jobs WHERE updated < ?", (time.time() - RETENTION_DAYS * 86400,))

    def add(self, job_id: str, kind: str) -> JobRecord:
        """Record a new job as queued. Raises ``ValueError`` when the id is already journaled."""
        now = time.time()
        with self._lock:
            try:
                self._db.execute("INSERT INTO jobs (job_id, kind, state, created, updated) VALUES (?, ?, ?, ?, ?)",
                                 (job_id, kind, JobState.QUEUED.value, now, now))
            except sqlite3.IntegrityError:
                raise ValueError("this job id is already in the journal") from None
            except sqlite3.Error as e:
                raise JournalError(f"print journal {self.path}: cannot record a job ({e})") from None
        return self.get(job_id)

    def start_attempt(self, job_id: str) -> None:
        """The job's bytes are about to be sent.

        Raises:
            JournalError: it cannot be recorded: do not send the job (it could print twice unnoticed).
        """
        try:
            self._update(job_id, "state = ?, attempts = attempts + 1, reason = ''", JobState.SENDING.value)
        except sqlite3.Error as e:
            raise JournalError(f"print journal {self.path}: cannot record an attempt ({e})") from None

    def finish(self, job_id: str, state: JobState, reason: str = "", bytes_sent: int = 0) -> None:
        """The attempt ended in ``state`` after ``bytes_sent`` bytes reached the port.

        When the file refuses the write (disk full) the job keeps its last recorded state and an
        error is logged: what was sent is on paper already, and a job left ``sending`` is marked
        interrupted (it may be on paper) at the next start."""
        try:
            self._update(job_id, "state = ?, reason = ?, bytes_sent = bytes_sent + ?", state.value, reason, bytes_sent)
        except sqlite3.Error as e:
            log.error("print journal %s: job %s ended %s but this cannot be recorded (%s)",
                      self.path, job_id, state.value, e)

    def get(self, job_id: str) -> JobRecord | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM jobs WHERE job_id = ?", (job_id,)).fetchone()
        return _record(row) if row else None

    def jobs(self, *states: JobState, limit: int = 100) -> list[JobRecord]:
        """The most recent jobs (in the given states, or all), newest first."""
        query, args = "SELECT * FROM jobs", []
        if states:
            query += f" WHERE state IN ({', '.join('?' * len(states))})"
            args = [s.value for s in states]
        with self._lock:
            rows = self._db.execute(query + " ORDER BY updated DESC LIMIT ?", (*args, limit)).fetchall()
        return [_record(row) for row in rows]

    def recover(self) -> list[JobRecord]:
        """Mark jobs left queued or sending by a previous run (crash, power cut) as interrupted."""
        stale = self.jobs(JobState.QUEUED, JobState.SENDING)
        for record in stale:
            self.finish(record.job_id, JobState.INTERRUPTED, "kiosk_restart")
        return stale

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _update(self, job_id: str, assignments: str, *args) -> None:
        with self._lock:
            cur = self._db.execute(f"UPDATE jobs SET {assignments}, updated = ? WHERE job_id = ?",
                                   (*args, time.time(), job_id))
        if cur.rowcount != 1:
            raise KeyError("job not in the journal")


def _record(row: tuple) -> JobRecord:
    job_id, kind, state, attempts, bytes_sent, reason, created, updated = row
    return JobRecord(job_id, kind, JobState(state), attempts, bytes_sent, reason, created, updated)
