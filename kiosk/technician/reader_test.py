"""The reader page's read test: five placements of a test card, each timed from the moment the
reader saw the card to the card read (the kiosk's own supervisor path). Pass, as service-flows
§6.2 proposes: 5/5 read and the 95th percentile of the read times under 1.5 s. Only times are
kept; the shell wipes the test card it keeps from the citizen session
(:meth:`kiosk.technician.service.Technician.card_event`)."""
from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import Callable, Sequence

from common.device_status import DeviceStatus
from common.events import STATUS, Event, EventBus

PLACEMENTS = 5
P95_LIMIT_S = 1.5


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) of ``values``, linearly interpolated between the closest
    ranks (numpy's default method): with five reads the 95th lies 80 % of the way from the 4th to
    the 5th fastest, so one slow read moves it."""
    ordered = sorted(values)
    at = (len(ordered) - 1) * q / 100
    low, high = math.floor(at), math.ceil(at)
    return ordered[low] + (ordered[high] - ordered[low]) * (at - low)


@dataclass(frozen=True)
class ReadTestResult:
    """A finished read test: the times (None: not read), the read count and p95, and the verdict."""

    times: tuple[float | None, ...]

    @property
    def read(self) -> int:
        return sum(t is not None for t in self.times)

    @property
    def p95_s(self) -> float | None:
        """95th percentile of the read times; None unless every placement was read."""
        if self.read < len(self.times) or not self.times:
            return None
        return percentile([t for t in self.times if t is not None], 95)

    @property
    def passed(self) -> bool:
        p95 = self.p95_s
        return len(self.times) >= PLACEMENTS and p95 is not None and p95 < P95_LIMIT_S

    def summary(self) -> str:
        """One line for the self-test report (device words and numbers only)."""
        p95 = "-" if self.p95_s is None else f"{self.p95_s:.2f} s"
        return (f"read test {'PASS' if self.passed else 'FAIL'}: {self.read}/{len(self.times)} read, "
                f"p95 {p95} (limit {P95_LIMIT_S:g} s)")


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
    def result(self) -> ReadTestResult:
        return ReadTestResult(tuple(self.times))

    @property
    def passed(self) -> bool:
        return self.done and self.result.passed

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
