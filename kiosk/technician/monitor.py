"""Device status history, counters and recent errors, fed from the common event bus.

No payload is ever stored: card events are counted, never kept; print jobs are counted by kind.
"""
from __future__ import annotations

import collections
import threading
import time
from typing import Callable

from common.device_status import DeviceState, DeviceStatus
from common.events import STATUS, Event, EventBus

HISTORY = 100       # status changes kept per device
ERRORS = 20         # most recent problems kept
_COUNTED = {"card_placed": "cards_read", "card_unreadable": "cards_unreadable",
            "job_printed": "pages_printed", "job_interrupted": "print_jobs_interrupted"}
_PROBLEMS = {DeviceState.OFFLINE, DeviceState.NO_DEVICE, DeviceState.HARDWARE_ERROR, DeviceState.USER_ERROR,
             DeviceState.UNSUPPORTED}


class DeviceMonitor:
    """Subscribes to ``bus`` and keeps what the dashboard and the diagnostics bundle show."""

    def __init__(self, bus: EventBus, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self.history: dict[str, collections.deque] = collections.defaultdict(lambda: collections.deque(maxlen=HISTORY))
        self.errors: collections.deque = collections.deque(maxlen=ERRORS)
        self.counters: collections.Counter = collections.Counter()
        for status in bus.statuses().values():
            self._status(status)
        self.unsubscribe = bus.subscribe(self._on_event)

    def count(self, name: str, n: int = 1) -> None:
        """Count something the bus does not carry (face checks, from the shell)."""
        with self._lock:
            self.counters[name] += n

    def snapshot(self) -> dict:
        """Plain data: ``history`` per device, ``errors``, ``counters`` (safe to export)."""
        with self._lock:
            return {"history": {device: list(entries) for device, entries in self.history.items()},
                    "errors": list(self.errors), "counters": dict(self.counters)}

    def _on_event(self, event: Event) -> None:
        if event.kind == STATUS and isinstance(event.payload, DeviceStatus):
            self._status(event.payload)
        elif event.kind in _COUNTED:
            with self._lock:
                self.counters[_COUNTED[event.kind]] += 1

    def _status(self, status: DeviceStatus) -> None:
        entry = {"time": round(self._clock(), 3), **status.as_dict()}
        with self._lock:
            self.history[status.device].append(entry)
            if status.state in _PROBLEMS:
                self.errors.append(entry)
