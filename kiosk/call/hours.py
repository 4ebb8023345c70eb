"""When the hall's remote agents answer: ``[call] weekday_hours`` and ``weekend_hours``.

Both the kiosk (to say "available 08:00-22:00, or call 12345" without trying) and the reference
console (to refuse calls outside them) read the same two strings, ``"HH:MM-HH:MM"`` in the
terminal's local time, ``""`` for not at all.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time


def _parse(span: str) -> tuple[time, time] | None:
    if not span:
        return None
    start, end = span.split("-")
    h1, m1 = map(int, start.split(":"))
    h2, m2 = map(int, end.split(":"))
    return time(h1, m1), (time(23, 59, 59, 999999) if (h2, m2) == (24, 0) else time(h2, m2))


@dataclass(frozen=True)
class AgentHours:
    """The agents' opening hours (validated strings from the configuration)."""

    weekday: str
    weekend: str

    def span(self, day: datetime) -> str:
        """The hours of ``day``'s kind of day, as configured ("" = closed all day)."""
        return self.weekend if day.weekday() >= 5 else self.weekday

    def is_open(self, now: datetime | None = None) -> bool:
        """Whether agents answer at ``now`` (local time; default: now)."""
        now = now or datetime.now()
        bounds = _parse(self.span(now))
        return bounds is not None and bounds[0] <= now.time() < bounds[1]
