"""SQLite connections lent to one thread at a time, for the kiosk's outbox and the reference backend.

One connection per thread cost a file descriptor for every thread that ever used the database, and
both users start threads freely (the kiosk one per effect, the backend one per request). POSIX locks
belong to the process, so while another connection holds a lock SQLite cannot close a finished
thread's descriptor and keeps it open: nine threads that wrote once left the file open nine times.
A pool keeps one connection per thread using the database *at the same time*.
"""
from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from typing import Callable, Iterator


class ConnectionPool:
    """Connections made by ``open_connection`` (with ``check_same_thread=False``), reused."""

    def __init__(self, open_connection: Callable[[], sqlite3.Connection]) -> None:
        self._open = open_connection
        self._idle: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        """A connection, this thread's alone until the block ends."""
        with self._lock:
            con = self._idle.pop() if self._idle else None
        if con is None:
            con = self._open()
        try:
            yield con
        finally:
            if con.in_transaction:  # a rollback that failed: not to be lent again half-way through
                con.close()
            else:
                with self._lock:
                    self._idle.append(con)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once (``BEGIN IMMEDIATE``) so writers queue instead of
        deadlocking; committed when the block ends, rolled back if it raises."""
        with self.connection() as con:
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
                con.execute("COMMIT")
            except BaseException:
                if con.in_transaction:
                    con.execute("ROLLBACK")
                raise

    def close(self) -> None:
        """Close the connections not in use (at shutdown, when none are)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for con in idle:
            con.close()
