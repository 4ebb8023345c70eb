"""Challenge-response liveness from landmarks: a random pair of actions, judged against the person's own baseline.

The first frames of an attempt (neutral face, looking at the screen) give the person's baseline
eye openness, mouth opening and yaw (``drivers.face.measures``); an action counts when the measure
moves far enough from that baseline: field notes measured open-eye ratios varying threefold
between people, so fixed thresholds would fail some citizens and pass others.

A live camera never delivers the same picture twice: sensor noise changes every pixel a little.
A run of identical or near-identical face crops is a replayed still (a frozen video feed or an
image fed as a stream) and fails at once. A printed photo held up in front of the camera cannot
blink, open its mouth or turn its nose relative to its eyes, so it runs into the attempt's timeout.
What this does *not* stop: a video of the card holder performing random actions on demand (a
deepfake or a puppet); that needs depth, infrared or a trained presentation-attack detector.
"""
from __future__ import annotations

import random
import time
from typing import Sequence

import numpy as np

from drivers.face import measures
from drivers.face.interfaces import Box
from drivers.face.messages import ChallengeStep

ACTIONS = ("blink", "turn_left", "turn_right", "open_mouth")


def random_challenge(rng: random.Random | None = None) -> tuple[str, str]:
    """Two distinct kinds of action in random order; a turn goes left or right at random."""
    rng = rng or random.SystemRandom()
    kinds = rng.sample(["blink", "turn", "open_mouth"], 2)
    return tuple(rng.choice(["turn_left", "turn_right"]) if k == "turn" else k for k in kinds)  # type: ignore[return-value]


def parse_challenge(text: str) -> tuple[str, ...]:
    """``"blink,open_mouth"`` -> ``("blink", "open_mouth")``; raises ValueError on unknown or repeated actions."""
    actions = tuple(a.strip() for a in text.split(",") if a.strip())
    unknown = [a for a in actions if a not in ACTIONS]
    if unknown or not actions or len(set(actions)) != len(actions):
        raise ValueError(f"challenge must be distinct actions from {', '.join(ACTIONS)} (got {text!r})")
    return actions


class LandmarkLiveness:
    """The default :class:`~drivers.face.interfaces.LivenessCheck`.

    Args:
        baseline_s, baseline_frames: the person's baseline is the median of the neutral frames
            captured over at least ``baseline_s`` seconds, and at least ``baseline_frames`` of them.
        blink_closed: eyes count as closed below this fraction of the baseline openness ...
        blink_reopened: ... and the blink is complete when they are back above this fraction.
        mouth_delta: how much the mouth opening must exceed the baseline (in nose lengths).
        turn_delta: how far the yaw must move towards the asked side (in eye distances).
        still_s, still_frames: near-identical face crops for at least ``still_s`` seconds of capture
            time, and at least ``still_frames`` of them, make a replayed still. Judged on capture
            times, not frame counts: a slow worker sees fewer frames of the same scene.
        still_mad: mean absolute grey-level difference (0-255) below which two crops are "identical";
            camera noise alone gives about 2.
    """

    def __init__(
        self,
        baseline_s: float = 0.12,
        baseline_frames: int = 3,
        blink_closed: float = 0.6,
        blink_reopened: float = 0.85,
        mouth_delta: float = 0.25,
        turn_delta: float = 0.18,
        still_s: float = 0.22,
        still_frames: int = 3,
        still_mad: float = 0.3,
    ) -> None:
        self.baseline_s, self.baseline_frames = baseline_s, baseline_frames
        self.blink_closed = blink_closed
        self.blink_reopened = blink_reopened
        self.mouth_delta = mouth_delta
        self.turn_delta = turn_delta
        self.still_s, self.still_frames = still_s, still_frames
        self.still_mad = still_mad
        self.begin(())

    def begin(self, challenge: Sequence[str]) -> None:
        self.challenge = tuple(challenge)
        self.verdict: bool | None = None
        self._step = 0
        self._samples: list[tuple[float, float, float]] = []
        self._first_t: float | None = None
        self._still_since: float | None = None
        self._baseline: tuple[float, float, float] | None = None
        self._eyes_closed = False
        self._last_crop: np.ndarray | None = None
        self._still_run = 0

    def observe(self, rgb: np.ndarray, box: Box, landmarks: np.ndarray, t: float | None = None) -> list[ChallengeStep]:
        if self.verdict is not None:
            return []
        t = time.monotonic() if t is None else t
        if self._first_t is None:
            self._first_t = t
        if self._is_replayed_still(rgb, box, t):
            self.verdict = False
            return []
        measured = (measures.eye_openness(landmarks), measures.mouth_opening(landmarks), measures.yaw(landmarks))
        if self._baseline is None:
            self._samples.append(measured)
            if len(self._samples) < self.baseline_frames or t - self._first_t < self.baseline_s:
                return []
            self._baseline = tuple(np.median(np.array(self._samples), axis=0))  # type: ignore[assignment]
            return self._ask()
        if not self._performed(self.challenge[self._step], *measured):
            return []
        steps = [ChallengeStep(self.challenge[self._step], True, self._step, len(self.challenge))]
        self._step += 1
        return steps + self._ask()

    def _ask(self) -> list[ChallengeStep]:
        if self._step >= len(self.challenge):
            self.verdict = True
            return []
        self._eyes_closed = False
        return [ChallengeStep(self.challenge[self._step], False, self._step, len(self.challenge))]

    def _performed(self, action: str, eyes: float, mouth: float, yaw: float) -> bool:
        base_eyes, base_mouth, base_yaw = self._baseline  # type: ignore[misc]
        if action == "blink":
            if eyes < base_eyes * self.blink_closed:
                self._eyes_closed = True
            return self._eyes_closed and eyes > base_eyes * self.blink_reopened
        if action == "open_mouth":
            return mouth - base_mouth > self.mouth_delta
        if action == "turn_left":    # the citizen's left: the nose moves to image right
            return yaw - base_yaw > self.turn_delta
        if action == "turn_right":
            return base_yaw - yaw > self.turn_delta
        raise ValueError(f"unknown action {action!r}")

    def _is_replayed_still(self, rgb: np.ndarray, box: Box, t: float) -> bool:
        crop = measures.face_crop(rgb, box, 64, sample=True)
        still = False
        if self._last_crop is not None:
            still = float(np.mean(np.abs(crop.astype(np.int16) - self._last_crop))) < self.still_mad
        if not still:
            self._still_run, self._still_since = 0, t
        else:
            self._still_run += 1
        self._last_crop = crop
        return self._still_run + 1 >= self.still_frames and t - self._still_since >= self.still_s
