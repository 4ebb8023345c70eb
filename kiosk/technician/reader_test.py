"""The reader page's read test: five placements of a test card, each timed from the moment the
reader saw the card to the card read (the kiosk's own supervisor path). Pass: 5/5 and the slowest
under 1.5 s (service-flows §6.2). Only times are kept; the shell wipes the test card it keeps
from the citizen session (:meth:`kiosk.technician.service.Technician.card_event`)."""
from __future__ import annotations

import threading
import time
from typing import Callable

from common.device_status import DeviceStatus
from common.events import STATUS, Event, EventBus

PLACEMENTS = 5
MAX_READ_S = 1.5


class ReadTest:
    """Listens on ``bus`` while running; :attr:`times` holds one entry per placement (seconds, or
    None for a card that could not be read)."""

    def __init__(self, bus: EventBus, on_change: Callable[[], None] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.bus = bus
        self.on_change = on_change or (lambda: None)
        self._clock = clock
        self._lock = threading.Lock()
        self._seen: float | None = None
        self.times: list[float | None] = []
        self._unsubscribe = None

    def start(self) -> None:
        with self._lock:
            self.times, self._seen = [], None
        if self._unsubscribe is None:
            self._unsubscribe = self.bus.subscribe(self._on_event)

    def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    @property
    def done(self) -> bool:
        return len(self.times) >= PLACEMENTS

    @property
    def passed(self) -> bool:
        return self.done and all(t is not None and t < MAX_READ_S for t in self.times)

    def _on_event(self, event: Event) -> None:
        if event.source != "idcard":
            return
        if event.kind == STATUS and isinstance(event.payload, DeviceStatus):
            if event.payload.conditions.get("card") == "present" and self._seen is None:
                self._seen = self._clock()
            return
        if event.kind in ("card_placed", "card_unreadable") and not self.done:
            with self._lock:
                took = None if event.kind == "card_unreadable" or self._seen is None else self._clock() - self._seen
                self.times.append(took)
                self._seen = None
            self.on_change()
        if event.kind == "card_removed":
            self._seen = None
