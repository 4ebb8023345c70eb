"""The typed messages between the UI process and the face worker process.

Requests go UI -> worker, results worker -> UI, each over its own ``multiprocessing`` queue.
Messages carrying pixels hide them from ``repr`` so a message in a log line or a traceback shows
no face data.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# -- requests (UI -> worker) -----------------------------------------------------------------


@dataclass(frozen=True)
class Begin:
    """Start a citizen's face check: the card photo (RGB, any size) and the liveness challenge."""

    card_photo_rgb: np.ndarray = field(repr=False)
    challenge: tuple[str, ...] = ()


@dataclass(frozen=True)
class Frame:
    """One live camera frame (RGB, unmirrored) and its capture time (``time.monotonic()``, system-wide).

    The worker keeps only the newest; liveness and time budgets are judged on ``captured``.
    """

    frame_id: int
    rgb: np.ndarray = field(repr=False)
    captured: float | None = None


@dataclass(frozen=True)
class Cancel:
    """Abandon the current check and drop everything it holds."""


@dataclass(frozen=True)
class Stop:
    """End the worker; it answers with :class:`Eof` and exits."""


Request = Begin | Frame | Cancel | Stop

# -- results (worker -> UI) ------------------------------------------------------------------


@dataclass(frozen=True)
class Ready:
    """The worker has loaded its models and takes requests."""


@dataclass(frozen=True)
class Hint:
    """What the citizen should fix, as a machine word (``drivers.face.texts.HINTS`` has the texts).

    ``"ok"`` means the face is fine and any hint shown should disappear.
    """

    word: str


@dataclass(frozen=True)
class ChallengeStep:
    """Liveness progress: ``done=False`` asks for ``action`` now, ``done=True`` says it was seen."""

    action: str
    done: bool
    index: int = 0
    total: int = 2


@dataclass(frozen=True)
class Decision:
    """The outcome of one attempt.

    Attributes:
        decision: ``"accept"``; ``"retry"`` (the worker starts the next attempt by itself);
            ``"reject"`` (final: offer the alternative route).
        distance: live face to card photo (lower is more alike), None when no comparison happened.
        live: the liveness verdict, None when liveness was off or not reached.
        reason: a machine word: ``match``, ``uncertain``, ``mismatch``, ``not_live``,
            ``face_changed``, ``no_card_face`` or a quality word (``no_face``, ``too_small``, ...).
        attempts_left: attempts still available after this one.
    """

    decision: str
    distance: float | None
    live: bool | None
    reason: str
    attempts_left: int = 0

    @property
    def final(self) -> bool:
        """True when the check is over (accept or reject)."""
        return self.decision != "retry"

    def as_dict(self) -> dict:
        """The CLI's JSON object."""
        distance = None if self.distance is None else round(float(self.distance), 4)
        return {"decision": self.decision, "distance": distance, "live": self.live, "reason": self.reason}


@dataclass(frozen=True)
class WorkerError:
    """The worker could not do its job.

    ``kind`` is ``models_unavailable`` (face models failed to load), ``internal`` (an exception
    while processing; the current check was dropped; ``detail`` names the exception type) or
    ``crashed`` (the process died; reported by :class:`~drivers.face.verifier.FaceVerifier`).
    """

    kind: str
    detail: str = ""


@dataclass(frozen=True)
class Consumed:
    """Internal flow control: the worker took ``count`` frames off the queue."""

    count: int


@dataclass(frozen=True)
class Eof:
    """Internal: the worker's last message before it exits."""


Result = Ready | Hint | ChallengeStep | Decision | WorkerError
