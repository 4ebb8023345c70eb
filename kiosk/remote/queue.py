"""Apply between citizen sessions: validated content waits here while a citizen is being served.

A citizen in the middle of a service never sees the catalog, the texts or the settings change
under them. The shell calls :meth:`ApplyQueue.drain` when a session ends; content offered while
nobody is at the kiosk is applied at once.
"""
from __future__ import annotations

import threading
from typing import Callable

from kiosk.remote.content import Content
from kiosk.remote.index import KINDS


class ApplyQueue:
    """Pending content, newest per kind, applied only while ``idle()`` is true.

    Args:
        idle: True when no citizen session is running (the session state source).
        apply: applies one piece of validated content (stores it as last-known-good, then uses it).
    """

    def __init__(self, idle: Callable[[], bool], apply: Callable[[Content], None]) -> None:
        self._idle = idle
        self._apply = apply
        self._pending: dict[str, Content] = {}
        self._lock = threading.Lock()

    def offer(self, content: Content) -> list[Content]:
        """Queue ``content`` (replacing an older pending one of its kind) and apply if idle."""
        with self._lock:
            self._pending[content.kind] = content
        return self.drain()

    def drain(self) -> list[Content]:
        """Apply everything pending if no session is running; returns what was applied."""
        if not self._idle():
            return []
        with self._lock:
            ready = [self._pending.pop(kind) for kind in KINDS if kind in self._pending]
        for content in ready:
            self._apply(content)
        return ready

    def pending(self) -> dict[str, int]:
        """{kind: version} waiting for the session to end."""
        with self._lock:
            return {kind: c.version for kind, c in self._pending.items()}
