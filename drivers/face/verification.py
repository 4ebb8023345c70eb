"""One citizen's face check: card photo encoded once, quality gate, liveness, three zones, attempts.

Plain Python with no process and no I/O: the worker (``drivers.face.worker``) and the technician
CLI feed it frames and pass on what it returns. Per attempt:

1. Frames go through the quality gate until one is good (one face, large, frontal, sharp); the
   citizen gets a :class:`Hint` whenever the gate's answer changes.
2. That first good frame is encoded: it is the attempt's reference ("the first live frame"). If
   its distance to the card photo is above ``reject_distance`` the check ends at once: a
   different person need not perform a challenge. A grey card photo (every chip photo) is
   compared with grey live faces (``like_card``): measured, that lowers genuine distances and
   raises impostor ones.
3. With liveness on, the challenge runs (:class:`ChallengeStep` results); after each action is seen,
   and at least once a second, the face is encoded again (in a pose like the reference's) and must
   stay within ``same_face_distance`` of the reference: one face from the first frame to the last.
4. The attempt's distance is the median of the card distances of its first ``fuse_frames`` good
   frames (the reference and the same-face samples; 1: the reference alone) and falls in a zone:
   accept, capture again (``retry``), or reject.

A failed attempt (uncertain distance, no usable face or no completed challenge within
``challenge_timeout_s``, a replayed still, a changed face) starts the next attempt, after a short
pause, with a fresh challenge; after ``attempts`` the decision is ``reject`` and the app offers
the other route.
Every array the session holds is zeroed and dropped by :meth:`wipe` (also at the final decision).
"""
from __future__ import annotations

import random
import time
from typing import Callable, Sequence

import numpy as np

from drivers.face import measures
from drivers.face.evidence import encode_live, fuse, is_grey
from drivers.face.liveness import random_challenge
from drivers.face.messages import Decision, Hint, Result
from drivers.face.models import Models
from drivers.face.quality import OK, QualityLimits, check_pose, count_faces
from drivers.face.settings import FaceSettings

SAME_FACE_EVERY_S = 1.0  # re-encode at least this often during a challenge (66 ms each)
# Encodings are compared only between similar poses: a turned head alone moves dlib's encoding
# by 0.4-0.6, as much as a different person. A comparison due while the head is turned waits for
# the face to come back, so a challenge ending with a turn is decided when the citizen looks back.
COMPARABLE_YAW = 0.1
# After "retry", frames are ignored this long: the citizen reads "Let's try once more" and can
# adjust; without a pause a check without liveness would burn every attempt on the same pose.
RETRY_PAUSE_S = 1.5
# No frame for this long: the camera is gone, not slow; the plain timeout applies.
NO_FRAMES_S = 2.0


class VerificationSession:
    """A face check for one citizen; create one per card, feed it frames until :attr:`done`.

    Args:
        models: the worker's detector, recognizer and liveness factory.
        settings: the ``[face]`` settings (zones, attempts, gate, timeout).
        card_photo_rgb: the card photo as an RGB array; only kept until :meth:`start` encoded it.
        challenge: the first attempt's actions (later attempts draw their own); empty: random.
        clock: monotonic seconds (the CLI passes frame time when replaying files).
        rng: randomness for later challenges.
    """

    def __init__(
        self,
        models: Models,
        settings: FaceSettings,
        card_photo_rgb: np.ndarray,
        challenge: Sequence[str] = (),
        *,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self._models = models
        self._settings = settings
        self._limits = QualityLimits(settings.min_face_px, settings.max_yaw, settings.min_sharpness)
        self._clock = clock
        self._rng = rng or random.SystemRandom()
        self._card_photo: np.ndarray | None = card_photo_rgb
        self._first_challenge = tuple(challenge) or random_challenge(self._rng)
        self._card: np.ndarray | None = None
        self._ref: np.ndarray | None = None
        self._grey = False
        self._distances: list[float] = []
        self.attempt = 0
        self.done = False

    # -- inputs ------------------------------------------------------------------------------
    def start(self) -> list[Result]:
        """Encode the card photo and open the first attempt (a final reject if it shows no face)."""
        photo, self._card_photo = self._card_photo, None
        boxes = self._models.detector.detect(photo)
        if not boxes:
            self.attempt = self._settings.attempts
            self._distances = []
            return self._final("reject", "no_card_face", None)
        # Like with like: a grey card photo (every chip photo is) is compared with grey live faces.
        self._grey = self._settings.like_card and is_grey(photo)
        self._card = self._models.recognizer.encode(photo, boxes[0])
        self._new_attempt(self._first_challenge)
        return []

    def feed(self, rgb: np.ndarray, captured: float | None = None) -> list[Result]:
        """Take one live frame (RGB, unmirrored) captured at ``captured`` (monotonic seconds; default now).

        Returns the hints, steps and decision it caused. Liveness and the attempt's time budget are
        judged on capture times, so a worker that sees fewer frames on a slow machine judges the same.
        """
        self._last_fed = self._clock()
        now = self._last_fed if captured is None else captured
        # After a retry, frames captured during the pause are ignored; in the first attempt a frame
        # captured while the card photo was being encoded is as good as any.
        if self.done or self._card is None or (self.attempt > 1 and now < self._started):
            return []
        self._judged += 1
        detector, recognizer = self._models.detector, self._models.recognizer
        boxes = detector.detect(rgb)
        word = count_faces(boxes, self._limits)
        if word == OK:
            box = boxes[0]
            landmarks = detector.landmarks(rgb, box)
            if self._ref is None:  # the strict gate only for the frame that becomes the reference
                word = check_pose(rgb, box, landmarks, self._limits)
        out = self._hint(word)
        if word != OK:
            return out + self._check_timeout(now)
        if self._ref is None:
            self._ref = self._encode(rgb, box)
            self._ref_yaw = measures.yaw(landmarks)
            self._distances = [recognizer.distance(self._card, self._ref)]
            self._last_sample = now
            if self._distances[0] > self._settings.reject_distance:
                return out + self._final("reject", "mismatch", None)
            if self._liveness is not None:
                self._liveness.begin(self._challenge)
        elif self._liveness is None:
            self._sample_due = True  # no challenge: every good frame is evidence
        if self._liveness is not None:
            steps = self._liveness.observe(rgb, box, landmarks, now)
            out += steps
            if self._liveness.verdict is False:
                return out + self._failed("not_live", False)
            self._sample_due |= any(step.done for step in steps) or now - self._last_sample >= SAME_FACE_EVERY_S
        if self._sample_due and abs(measures.yaw(landmarks) - self._ref_yaw) <= COMPARABLE_YAW:
            self._sample_due, self._last_sample = False, now
            sample = self._encode(rgb, box)
            if recognizer.distance(self._ref, sample) > self._settings.same_face_distance:
                return out + self._failed("face_changed", False)
            self._distances.append(recognizer.distance(self._card, sample))
        live = None if self._liveness is None else self._liveness.verdict
        if live is not False and (self._liveness is None or live) and not self._sample_due:
            if len(self._distances) >= self._settings.fuse_frames:
                return out + self._conclude(live)
            self._sample_due = True  # the challenge is done but the evidence is thin: one more frame
        return out + self._check_timeout(now)

    def tick(self) -> list[Result]:
        """Check the attempt's timeout when no frame arrives (camera unplugged, citizen gone)."""
        if self.done or self._card is None:
            return []
        now = self._clock()
        return self._check_timeout(now, idle=now - self._last_fed > NO_FRAMES_S)

    def finish(self) -> list[Result]:
        """No more frames will come (end of a file sequence): end the attempt as if it timed out."""
        return [] if self.done or self._card is None else self._timed_out()

    def wipe(self) -> None:
        """Zero and drop the card encoding and the live reference; the session is over."""
        for array in (self._card, self._ref, self._card_photo):
            if array is not None and array.flags.writeable:
                array.fill(0)
        self._card = self._ref = self._card_photo = None
        self._distances = []
        self._liveness = None
        self.done = True

    # -- attempts ----------------------------------------------------------------------------
    def _new_attempt(self, challenge: tuple[str, ...]) -> None:
        self.attempt += 1
        self._started = self._clock() + (RETRY_PAUSE_S if self.attempt > 1 else 0.0)
        self._challenge = challenge
        if self._ref is not None:
            self._ref.fill(0)
        self._ref = None
        self._distances: list[float] = []
        self._judged = 0
        self._last_fed = self._started
        self._last_sample = self._started
        self._sample_due = False
        self._last_word = ""
        self._liveness = self._models.new_liveness() if self._settings.liveness else None

    def _encode(self, rgb: np.ndarray, box) -> np.ndarray:
        return encode_live(self._models.recognizer, rgb, box, self._grey)

    @property
    def _distance(self) -> float | None:
        """The attempt's distance: fused over its first ``fuse_frames`` good frames (1: the first frame's)."""
        return fuse(self._distances[: self._settings.fuse_frames])

    def _hint(self, word: str) -> list[Result]:
        if word == self._last_word:
            return []
        self._last_word = word
        return [Hint(word)]

    def _check_timeout(self, now: float, idle: bool = False) -> list[Result]:
        """End the attempt after ``challenge_timeout_s``, but not before ``min_judged_frames`` were judged.

        On a slow processor the worker judges fewer frames per second; a citizen who did everything
        right must not lose the attempt to that. Twice the timeout ends it in any case, and so does
        the plain timeout when no frames arrive at all (``idle``: camera gone).
        """
        elapsed = now - self._started
        timeout = self._settings.challenge_timeout_s
        if elapsed <= timeout:
            return []
        if not idle and elapsed <= 2 * timeout and self._judged < self._settings.min_judged_frames:
            return []
        return self._timed_out()

    def _timed_out(self) -> list[Result]:
        if self._ref is None:  # never a usable face: say why, in the gate's words
            return self._failed(self._last_word if self._last_word not in ("", OK) else "no_face", None)
        if self._liveness is None:  # no challenge, fewer good frames than fuse_frames: decide on those
            return self._conclude(None)
        return self._failed("not_live", False)

    def _conclude(self, live: bool | None) -> list[Result]:
        if self._distance <= self._settings.accept_distance:
            return self._final("accept", "match", live)
        if self._distance <= self._settings.reject_distance:
            return self._failed("uncertain", live)
        return self._final("reject", "mismatch", live)

    def _failed(self, reason: str, live: bool | None) -> list[Result]:
        left = self._settings.attempts - self.attempt
        if left <= 0:
            return self._final("reject", reason, live)
        decision = Decision("retry", self._distance, live, reason, left)
        self._new_attempt(random_challenge(self._rng))
        return [decision]

    def _final(self, decision: str, reason: str, live: bool | None) -> list[Result]:
        result = Decision(decision, self._distance, live, reason, self._settings.attempts - self.attempt)
        self.wipe()
        return [result]

