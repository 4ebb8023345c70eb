"""What a face model must provide, so the dlib defaults can be replaced by configuration.

Three roles, each a ``typing.Protocol``:

- :class:`Detector` finds faces and places the 68 iBUG-300W landmarks on one;
- :class:`Recognizer` turns a face into an encoding and compares two encodings;
- :class:`LivenessCheck` judges a challenge from a stream of observed faces.

``[face] detector``, ``recognizer`` and ``liveness_check`` name an implementation: a short name
from ``drivers.face.models.REGISTRY`` or ``"package.module:Class"``. Implementations are built in
the worker process only.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence

import numpy as np

from drivers.face.messages import ChallengeStep


@dataclass(frozen=True)
class Box:
    """A face rectangle in image pixels (dlib's order: top, right, bottom, left)."""

    top: int
    right: int
    bottom: int
    left: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top

    def scaled(self, factor: float) -> "Box":
        return Box(*(round(v * factor) for v in (self.top, self.right, self.bottom, self.left)))


class Detector(Protocol):
    """Face detection and landmarks."""

    def detect(self, rgb: np.ndarray) -> list[Box]:
        """Every face in ``rgb`` (H x W x 3 uint8), largest first, in ``rgb``'s pixel coordinates."""

    def landmarks(self, rgb: np.ndarray, box: Box) -> np.ndarray:
        """The 68 iBUG-300W points of the face in ``box`` as a float array of shape (68, 2), (x, y)."""


class Recognizer(Protocol):
    """Face encodings and their distance."""

    def encode(self, rgb: np.ndarray, box: Box) -> np.ndarray:
        """An encoding (1-d float array) of the face in ``box`` (the recognizer aligns it itself)."""

    def distance(self, a: np.ndarray, b: np.ndarray) -> float:
        """How different two encodings are: 0 identical; the ``[face]`` zones are in this unit."""


class LivenessCheck(Protocol):
    """A challenge-response liveness judge, fed one observed face at a time.

    After :meth:`begin`, :meth:`observe` returns the challenge progress to show the citizen; once
    :attr:`verdict` is not None the check is over (True: every action seen; False: the input
    cannot be a live person, e.g. a frozen replayed still).
    """

    verdict: bool | None

    def begin(self, challenge: Sequence[str]) -> None:
        """Start over with these actions (forgets any baseline)."""

    def observe(self, rgb: np.ndarray, box: Box, landmarks: np.ndarray, t: float | None = None) -> list[ChallengeStep]:
        """Take one frame with its single face, captured at ``t`` (monotonic seconds; None: now).

        Judge on ``t``, not on frame counts: a slow worker sees fewer frames of the same scene.
        Returns the steps that changed.
        """
