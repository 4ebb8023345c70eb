"""Opening hours delivered remotely, for the hall and per service.

Outside its hours a service says when it is available instead of failing. ``hours.toml``::

    timezone = "Asia/Shanghai"
    [hall]                      # the whole kiosk; absent = always open
    daily = ["00:00-24:00"]
    [service.exit_entry_appointment]
    daily = ["08:30-20:00"]
    sat = []                    # a weekday key (mon..sun) overrides daily; [] = closed that day

The shell installs the current table with :func:`install`; :func:`closed_reason` answers for it.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from common.i18n import N_, Translator

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Span = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]-(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$")]

CLOSED_TODAY = N_("This service is available today from {time}.")
CLOSED_UNTIL = N_("This service is available again on {day} from {time}.")
CLOSED_NOW = N_("This service is not available at this terminal at the moment.")
DAY_NAMES = {"mon": N_("Monday"), "tue": N_("Tuesday"), "wed": N_("Wednesday"), "thu": N_("Thursday"),
             "fri": N_("Friday"), "sat": N_("Saturday"), "sun": N_("Sunday")}


class Week(BaseModel):
    """Opening spans per weekday; a weekday without its own key uses ``daily``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    daily: tuple[Span, ...] = ("00:00-24:00",)
    mon: tuple[Span, ...] | None = None
    tue: tuple[Span, ...] | None = None
    wed: tuple[Span, ...] | None = None
    thu: tuple[Span, ...] | None = None
    fri: tuple[Span, ...] | None = None
    sat: tuple[Span, ...] | None = None
    sun: tuple[Span, ...] | None = None

    @field_validator("*")
    @classmethod
    def _ordered(cls, spans):
        for span in spans or ():
            start, end = span.split("-")
            if end <= start:
                raise ValueError(f"{span}: the end must be after the start")
        return spans

    def spans(self, weekday: int) -> list[tuple[time, time | None]]:
        """(start, end) pairs of one weekday (0 = Monday); end None = midnight."""
        day = getattr(self, WEEKDAYS[weekday])
        return [_parse(s) for s in (self.daily if day is None else day)]


def _parse(span: str) -> tuple[time, time | None]:
    start, end = span.split("-")
    return time.fromisoformat(start), None if end == "24:00" else time.fromisoformat(end)


class Hours(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    timezone: str = "Asia/Shanghai"
    hall: Week = Week()
    service: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{2,40}$")], Week] = {}

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {name!r}") from None
        return name

    def open_at(self, service_id: str | None, local: datetime) -> bool:
        weeks = [self.hall] + ([self.service[service_id]] if service_id in self.service else [])
        return all(_inside(week, local) for week in weeks)


def _inside(week: Week, local: datetime) -> bool:
    clock = local.time()
    return any(start <= clock and (end is None or clock < end) for start, end in week.spans(local.weekday()))


@dataclass(frozen=True)
class ClosedReason:
    """Why a service is closed now, and when it opens next (local time; None: not within a week)."""

    opens: datetime | None
    today: bool

    def text(self, translator: Translator) -> str:
        if self.opens is None:
            return translator.gettext(CLOSED_NOW)
        hhmm = self.opens.strftime("%H:%M")
        if self.today:
            return translator.gettext(CLOSED_TODAY).format(time=hhmm)
        day = translator.gettext(DAY_NAMES[WEEKDAYS[self.opens.weekday()]])
        return translator.gettext(CLOSED_UNTIL).format(day=day, time=hhmm)


_lock = threading.Lock()
_current: Hours | None = None


def install(hours: Hours | None) -> None:
    """Make ``hours`` the table :func:`closed_reason` answers for (None: always open)."""
    global _current
    with _lock:
        _current = hours


def closed_reason(service_id: str, now: datetime, hours: Hours | None = None) -> ClosedReason | None:
    """Why ``service_id`` cannot be used at ``now`` (an aware datetime), or None when it is open.

    Uses ``hours`` when given, else the installed table. The next opening is looked for over
    the coming week.
    """
    if hours is None:
        with _lock:
            hours = _current
    if hours is None:
        return None
    local = now.astimezone(ZoneInfo(hours.timezone))
    if hours.open_at(service_id, local):
        return None
    opens = _next_opening(hours, service_id, local)
    return ClosedReason(opens, opens is not None and opens.date() == local.date())


def _next_opening(hours: Hours, service_id: str, local: datetime) -> datetime | None:
    # Openings can only begin at a span's start: check those candidates in time order.
    candidates = []
    for offset in range(8):
        day = (local + timedelta(days=offset)).date()
        for week in [hours.hall, *([hours.service[service_id]] if service_id in hours.service else [])]:
            for start, _end in week.spans(day.weekday()):
                moment = datetime.combine(day, start, local.tzinfo)
                if moment > local:
                    candidates.append(moment)
    return next((c for c in sorted(candidates) if hours.open_at(service_id, c)), None)
