"""The technician mode's own small state, outside the citizen session: off, PIN pad, active.

Entry is only possible while no citizen is being served (the shell asks ``citizen_idle``). The mode
ends by itself after ``idle_exit_s`` without a touch, and on any citizen card (except while the
reader page's read test expects the technician's test card). Every entry, refusal, wrong PIN and
exit is audited.
"""
from __future__ import annotations

import enum
import logging
import time
from typing import Callable, Mapping

from kiosk.technician.audit import AuditLog
from kiosk.technician.pin import Lockout, technician_for

log = logging.getLogger(__name__)


class Phase(enum.Enum):
    OFF = "off"
    PIN = "pin"        # the PIN pad is shown
    ACTIVE = "active"  # a technician is in


class Entry(enum.Enum):
    """What a PIN attempt led to."""

    GRANTED = "granted"
    WRONG = "wrong"
    LOCKED = "locked"    # too many wrong PINs: wait
    CLOSED = "closed"    # no technician PIN is configured on this kiosk


class TechnicianMode:
    """The technician mode's state machine (no Kivy; the shell calls :meth:`touch` and :meth:`tick`).

    Args:
        pins: technician id -> PIN hash (``[technician.pins]``).
        lockout: the persisted wrong-PIN counter.
        audit: the audit log.
        citizen_idle: True when no citizen session is running (entry is refused otherwise).
        idle_exit_s: seconds without a touch before the mode ends by itself.
        clock: monotonic seconds (tests pass a fake).
    """

    def __init__(self, pins: Mapping[str, str], lockout: Lockout, audit: AuditLog,
                 citizen_idle: Callable[[], bool], idle_exit_s: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.pins = dict(pins)
        self.lockout = lockout
        self.audit = audit
        self.citizen_idle = citizen_idle
        self.idle_exit_s = idle_exit_s
        self._clock = clock
        self.phase = Phase.OFF
        self.technician: str | None = None
        self.expecting_test_cards = False
        self._last_touch = clock()
        self._observers: list[Callable[[Phase], None]] = []

    def on_change(self, observer: Callable[[Phase], None]) -> None:
        """Call ``observer(phase)`` after every phase change."""
        self._observers.append(observer)

    @property
    def active(self) -> bool:
        return self.phase is Phase.ACTIVE

    def request_entry(self) -> bool:
        """The hidden gesture: show the PIN pad, unless a citizen is being served."""
        if not self.citizen_idle():
            log.info("technician entry refused: a citizen session is running")
            self.audit.record("-", "entry_refused", reason="citizen_session")
            return False
        self._set(Phase.PIN)
        return True

    def submit_pin(self, pin: str) -> tuple[Entry, float]:
        """Try a PIN; returns the outcome and, when locked, the seconds left to wait."""
        if self.phase is not Phase.PIN:
            return Entry.WRONG, 0.0
        self.touch()
        if not self.pins:
            return Entry.CLOSED, 0.0
        wait = self.lockout.remaining_s()
        if wait > 0:
            return Entry.LOCKED, wait
        technician = technician_for(pin, self.pins)
        if technician is None:
            delay = self.lockout.failed()
            self.audit.record("-", "wrong_pin", failures=self.lockout.failures, locked_s=delay)
            return (Entry.LOCKED, delay) if delay > 0 else (Entry.WRONG, 0.0)
        self.lockout.succeeded()
        self.technician = technician
        self.audit.record(technician, "enter")
        self._set(Phase.ACTIVE)
        return Entry.GRANTED, 0.0

    def record_change(self, key: str, old, new) -> None:
        """Audit a setting the technician changed."""
        self.audit.record(self.technician or "-", "change", key=key, old=old, new=new)

    def record_action(self, action: str, **fields) -> None:
        """Audit something the technician did (self-test, export, test page)."""
        self.audit.record(self.technician or "-", action, **fields)

    def touch(self) -> None:
        self._last_touch = self._clock()

    def tick(self) -> None:
        """Call about once a second: leaves the mode after ``idle_exit_s`` without a touch."""
        if self.phase is not Phase.OFF and self._clock() - self._last_touch >= self.idle_exit_s:
            self.exit("idle")

    def card_seen(self) -> bool:
        """A card was placed. Returns True when the mode keeps it (the reader page's read test);
        otherwise a citizen is here: the mode ends and the card goes to the citizen session."""
        if self.phase is Phase.ACTIVE and self.expecting_test_cards:
            self.touch()
            return True
        if self.phase is not Phase.OFF:
            self.exit("citizen_card")
        return False

    def exit(self, reason: str = "done") -> None:
        if self.phase is Phase.OFF:
            return
        if self.phase is Phase.ACTIVE:
            self.audit.record(self.technician or "-", "exit", reason=reason)
        self.technician = None
        self.expecting_test_cards = False
        self._set(Phase.OFF)

    def _set(self, phase: Phase) -> None:
        self.phase = phase
        self.touch()
        for observer in list(self._observers):
            observer(phase)
