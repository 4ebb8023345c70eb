"""The citizen session: which step the citizen is at, what they have given us, and when to forget it.

Pure Python (no Kivy, no I/O): the shell calls :meth:`CitizenSession.touch` on every touch and
:meth:`CitizenSession.tick` once a second; the session decides, and tells its observers. After
``idle_timeout_s`` without a touch a countdown of ``countdown_s`` starts; at zero the session ends:
every piece of citizen data is dropped and the attract screen returns.
"""
from __future__ import annotations

import enum
import logging
import math
import time
from dataclasses import dataclass, fields
from typing import Any, Callable

log = logging.getLogger(__name__)


class Step(enum.Enum):
    """The shell's own states. Inside a journey the engine (``kiosk.journeys.engine``) knows the step."""

    ATTRACT = "attract"          # nobody is here
    HOME = "home"                # the service catalog
    GUIDE = "guide"              # the plain-language guide of one service
    JOURNEY = "journey"          # a service's journey (the engine shows its step's screen)
    UNAVAILABLE = "unavailable"  # something broke; the shell recovers by itself


# States a citizen may move to from each state (ending the session is always allowed).
_ALLOWED: dict[Step, set[Step]] = {
    Step.ATTRACT: {Step.HOME},
    Step.HOME: {Step.GUIDE, Step.JOURNEY},
    Step.GUIDE: {Step.HOME, Step.JOURNEY},
    Step.JOURNEY: {Step.HOME},
    Step.UNAVAILABLE: set(),
}
_NO_IDLE_TIMER = {Step.ATTRACT, Step.UNAVAILABLE}


class TransitionError(Exception):
    """A move the flow does not allow (a programming error in a screen, never citizen input)."""


@dataclass
class Party:
    """A second person identified in the same session (e.g. the lessee of a rental filing): their
    card, card photo and face verdict, kept beside the citizen's and wiped with them."""

    card: Any = None
    photo: Any = None
    face: Any = None

    def __repr__(self) -> str:
        return f"Party(card={'<hidden>' if self.card is not None else None}, face={self.face!r})"

    def wipe(self) -> None:
        """Overwrite the card's and the photo's buffers, then drop everything (as SessionData does)."""
        if hasattr(self.photo, "dtype") and hasattr(self.photo, "fill"):  # an image as a numpy array
            self.photo.fill(0)
        if hasattr(self.card, "wipe"):
            self.card.wipe()
        self.card = self.photo = self.face = None


@dataclass
class SessionData:
    """Everything a citizen gave us or we fetched for them. All of it is dropped by :meth:`wipe`."""

    service_id: str | None = None
    card: Any = None          # the parsed ID card
    photo: Any = None         # the card photo (decoded image), if a decoder is installed
    face: Any = None          # the face verification verdict (never an image)
    records: Any = None       # the citizen's records from the hall service (prefill)
    form: Any = None          # what the citizen entered: {field: value}
    replies: Any = None       # each query step's question and answer, for going back
    picked: Any = None        # each choose step's picked row(s), by step id
    reply: Any = None         # the last department reply
    receipt_no: Any = None    # the number printed on (or shown instead of) the receipt
    rating: Any = None        # the 好差评 rating
    handoff: Any = None       # the phone hand-off: its id, QR content, deadline and state
    payment: Any = None       # the payment order of this journey (kiosk.backends.models.Order)
    parties: Any = None       # other people identified in this session: {party name: Party}
    waiting_card: Any = None  # a card laid on the reader before its card step: {"card", "photo"}, until lifted

    def wipe(self) -> None:
        """Drop every field; overwrite mutable buffers first so the bytes do not linger."""
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bytearray):
                value[:] = bytes(len(value))
            elif hasattr(value, "dtype") and hasattr(value, "fill"):  # an image as a numpy array
                value.fill(0)
            elif hasattr(value, "wipe"):
                value.wipe()
            elif isinstance(value, dict):  # e.g. the parties: each wipes its own photo
                for item in value.values():
                    if hasattr(item, "wipe"):
                        item.wipe()
            setattr(self, f.name, None)

    def is_empty(self) -> bool:
        return all(getattr(self, f.name) is None for f in fields(self))


class CitizenSession:
    """The state machine of one kiosk's citizen sessions (one object for the kiosk's lifetime).

    Args:
        idle_timeout_s: seconds without a touch before the countdown starts.
        countdown_s: seconds of countdown before the session ends.
        clock: a monotonic clock (tests pass a fake).
    """

    def __init__(self, idle_timeout_s: float, countdown_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.idle_timeout_s = idle_timeout_s
        self.countdown_s = countdown_s
        self._clock = clock
        self.step = Step.ATTRACT
        self.data = SessionData()
        self._last_activity = clock()
        self.countdown: int | None = None
        self.working = False
        self._step_observers: list[Callable[[Step], None]] = []
        self._countdown_observers: list[Callable[[int | None], None]] = []
        self._end_observers: list[Callable[[str], None]] = []

    # -- observers ---------------------------------------------------------------------------
    def on_step(self, observer: Callable[[Step], None]) -> None:
        """Call ``observer(step)`` after every step change."""
        self._step_observers.append(observer)

    def on_countdown(self, observer: Callable[[int | None], None]) -> None:
        """Call ``observer(seconds_left)`` while counting down, and ``observer(None)`` when it stops."""
        self._countdown_observers.append(observer)

    def on_end(self, observer: Callable[[str], None]) -> None:
        """Call ``observer(reason)`` after a session ended and its data was wiped."""
        self._end_observers.append(observer)

    # -- inputs ------------------------------------------------------------------------------
    def touch(self) -> None:
        """The citizen touched the screen (or otherwise showed they are here)."""
        self._last_activity = self._clock()
        self._set_countdown(None)

    def set_working(self, working: bool) -> None:
        """While the kiosk itself works (a face check, a department answering) the idle timer
        stands still: the citizen is waiting for us, not gone."""
        if self.working and not working:
            self._last_activity = self._clock()
        self.working = working

    def tick(self) -> None:
        """Advance the idle timer; call about once a second."""
        if self.step in _NO_IDLE_TIMER:
            return
        if self.working:
            self._last_activity = self._clock()
        idle = self._clock() - self._last_activity
        if idle < self.idle_timeout_s:
            self._set_countdown(None)
            return
        left = math.ceil(self.idle_timeout_s + self.countdown_s - idle)
        if left <= 0:
            self.end("timeout")
        else:
            self._set_countdown(left)

    def go(self, step: Step) -> None:
        """Move to ``step``; raises :class:`TransitionError` if the flow does not allow it."""
        if step is self.step:
            return
        if step not in _ALLOWED[self.step]:
            raise TransitionError(f"cannot go from {self.step.value} to {step.value}")
        self._enter(step)

    def start(self) -> None:
        """A citizen arrived (touched the attract screen or placed a card)."""
        self.touch()
        self.go(Step.HOME)

    def choose(self, service_id: str) -> None:
        """Open a service's guide; a different service than before drops the old service's data."""
        if self.data.service_id != service_id:
            # The card stays on the reader: detach it before wiping, which overwrites in place.
            card, photo = self.data.card, self.data.photo
            self.data.card = self.data.photo = None
            self.data.wipe()
            self.data.card, self.data.photo = card, photo
            self.data.service_id = service_id
        self.go(Step.GUIDE)

    def home(self) -> None:
        """Back to the catalog, forgetting the current service's inputs but not the card."""
        self.go(Step.HOME)

    def fail(self) -> None:
        """Something unexpected broke: wipe and show the unavailable screen."""
        self._wipe("error")
        self._enter(Step.UNAVAILABLE)

    def end(self, reason: str = "done") -> None:
        """End the session: wipe every piece of data and return to the attract screen."""
        self._wipe(reason)
        self._enter(Step.ATTRACT)

    # -- internals ---------------------------------------------------------------------------
    def _wipe(self, reason: str) -> None:
        self.data.wipe()
        self._set_countdown(None)
        log.info("session ended: %s", reason)
        for observer in list(self._end_observers):
            observer(reason)

    def _enter(self, step: Step) -> None:
        self.step = step
        self._last_activity = self._clock()
        self._set_countdown(None)
        for observer in list(self._step_observers):
            observer(step)

    def _set_countdown(self, value: int | None) -> None:
        if value != self.countdown:
            self.countdown = value
            for observer in list(self._countdown_observers):
                observer(value)
