"""A cooperative demo citizen: camera frames made from ``assets/demo/citizen.png`` that obey the challenge.

Demo mode and the end-to-end tests need someone in front of the simulated camera who blinks,
opens their mouth and turns their head when asked. The frames are made at start-up, in memory,
from one public-domain portrait (see ``assets/demo/README.md``):

- *blink*: the eyes are painted over with eyelid skin and a lash line;
- *open mouth*: the lower lip and chin are pushed down and the gap painted as an open mouth;
- *turn*: every pixel moves sideways in proportion to a smooth "depth" bump peaking at the nose,
  so the nose and mouth move more than the eyes, as on a turning head (turning a flat photo moves
  them all alike, which the liveness measures ignore);

and every frame gets fresh noise and a one-pixel drift, as a live camera would deliver.

That this sequence passes the liveness check proves the challenge plumbing (prompt, camera,
worker, decision) works end to end. It says nothing about resistance to presentation attacks:
a warped photo is exactly the kind of input a real attacker could also produce.

The landmark positions below were measured once on ``citizen.png`` with dlib's 68-point model;
``tests/test_camera_demo.py`` checks they still match the image.
"""
from __future__ import annotations

import functools
import random
import threading
from pathlib import Path
from typing import Iterator, Sequence

import cv2
import numpy as np

DEMO_PHOTO = Path(__file__).resolve().parents[2] / "assets" / "demo" / "citizen.png"

# 68-point landmarks of citizen.png (184 x 228 pixels), the ones the warps need.
LANDMARKS = {
    "right_eye": [(67, 97), (72, 94), (79, 94), (84, 100), (78, 100), (71, 99)],        # 36-41
    "left_eye": [(109, 101), (116, 96), (122, 97), (127, 100), (122, 102), (116, 102)],  # 42-47
    "inner_lip_top": [(76, 137), (89, 139), (95, 140), (101, 139), (115, 138)],         # 60-64
    "inner_lip_bottom": [(115, 138), (101, 146), (95, 147), (88, 145), (76, 137)],      # 64-67, 60
    "nose_tip": [(97, 123)],                                                            # 30
    "chin": [(92, 174)],                                                                # 8
}
FACE_WIDTH = 87  # dlib's box width on citizen.png

_CLIPS = {  # action -> per-frame amount (0 neutral .. 1 full), at 30 frames per second
    "blink": [0.5, 1, 1, 1, 1, 0.5],
    "open_mouth": [0.3, 0.6, 1] + [1] * 10 + [0.6, 0.3],
    "turn_left": [0.3, 0.6, 1] + [1] * 10 + [0.6, 0.3],
    "turn_right": [0.3, 0.6, 1] + [1] * 10 + [0.6, 0.3],
}
_PAUSE_FRAMES = 20  # neutral frames between two performances of the same action


class DemoFace:
    """The portrait placed in a camera frame, and the warps that make it act.

    Args:
        photo: the portrait (RGB); ``citizen.png`` by default.
        size: camera frame (width, height).
    """

    def __init__(self, photo: np.ndarray | None = None, size: tuple[int, int] = (640, 480)) -> None:
        if photo is None:
            photo = cv2.cvtColor(cv2.imread(str(DEMO_PHOTO), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
        width, height = size
        self.scale = height / photo.shape[0]
        portrait = cv2.resize(photo, (round(photo.shape[1] * self.scale), height), interpolation=cv2.INTER_CUBIC)
        self.offset = ((width - portrait.shape[1]) // 2, 0)
        ramp = np.linspace(205, 165, height, dtype=np.float32)[:, None, None]
        frame = np.broadcast_to(ramp * np.array([1.0, 1.02, 1.08], np.float32), (height, width, 3))
        self.neutral = frame.astype(np.uint8).copy()
        x0 = self.offset[0]
        self.neutral[:, x0 : x0 + portrait.shape[1]] = portrait
        self._grid = np.mgrid[0:height, 0:width].astype(np.float32)  # (y, x)

    def point(self, name: str) -> np.ndarray:
        """Landmarks of ``name`` in frame pixels, shape (n, 2)."""
        return np.array(LANDMARKS[name], np.float32) * self.scale + self.offset

    def render(self, action: str | None, amount: float) -> np.ndarray:
        """The neutral frame with ``action`` performed to ``amount`` (0..1)."""
        if action is None or amount <= 0:
            return self.neutral.copy()
        if action == "blink":
            closed = self._closed_eyes()
            return cv2.addWeighted(closed, amount, self.neutral, 1 - amount, 0)
        if action == "open_mouth":
            return self._open_mouth(amount)
        if action in ("turn_left", "turn_right"):
            # The citizen's left is image right in an unmirrored frame.
            return self._turn(amount if action == "turn_left" else -amount)
        raise ValueError(f"unknown action {action!r}")

    def _closed_eyes(self) -> np.ndarray:
        frame = self.neutral.copy()
        for eye in ("right_eye", "left_eye"):
            pts = self.point(eye)
            x0, y0 = pts.min(axis=0)
            x1, y1 = pts.max(axis=0)
            h = y1 - y0
            # Eyelid skin: the colour of the band between eye and brow.
            band = self.neutral[int(y0 - 2.2 * h) : int(y0 - 0.8 * h), int(x0) : int(x1)]
            skin = band.reshape(-1, 3).mean(axis=0)
            mask = np.zeros(frame.shape[:2], np.uint8)
            cv2.ellipse(mask, (int((x0 + x1) / 2), int((y0 + y1) / 2)), (int((x1 - x0) / 2 + 4), int(h / 2 + 5)), 0, 0, 360, 255, -1)
            soft = cv2.GaussianBlur(mask, (0, 0), 2).astype(np.float32)[..., None] / 255
            frame = (frame * (1 - soft) + skin * soft).astype(np.uint8)
            lash_y = int(y1 - h * 0.2)
            cv2.ellipse(frame, (int((x0 + x1) / 2), lash_y - 3), (int((x1 - x0) / 2), 4), 0, 15, 165, (60, 40, 35), 2, cv2.LINE_AA)
        return frame

    def _open_mouth(self, amount: float) -> np.ndarray:
        top, bottom = self.point("inner_lip_top"), self.point("inner_lip_bottom")
        chin = self.point("chin")[0]
        drop = amount * 0.6 * FACE_WIDTH * self.scale / 2  # pixels the lower lip moves down
        left, right = top[0, 0], top[-1, 0]
        centre, half = (left + right) / 2, (right - left) / 2
        mid_y = float(np.mean(top[:, 1]))

        def opening(x: np.ndarray) -> np.ndarray:  # 1 at the middle of the mouth, 0 at the corners
            return np.clip(1 - ((x - centre) / (half * 1.1)) ** 2, 0, 1)

        gy, gx = self._grid
        reach = chin[1] + 2 * drop - mid_y
        below = np.clip((gy - mid_y) / 4, 0, 1) * np.clip((mid_y + reach - gy) / reach, 0, 1)
        frame = cv2.remap(self.neutral, gx, (gy - drop * opening(gx) * below).astype(np.float32), cv2.INTER_LINEAR)
        xs = np.linspace(right, left, 16)
        lower = np.stack([xs, np.interp(xs, bottom[::-1, 0], bottom[::-1, 1]) + drop * opening(xs)], axis=1)
        cv2.fillPoly(frame, [np.concatenate([top, lower]).astype(np.int32)], (70, 25, 30), cv2.LINE_AA)
        return frame

    def _turn(self, amount: float) -> np.ndarray:
        """Shift the middle of the face sideways, most at the nose, less at the eyes and cheeks."""
        nose = self.point("nose_tip")[0]
        sigma = 0.2 * FACE_WIDTH * self.scale
        shift = amount * 0.35 * FACE_WIDTH * self.scale
        gy, gx = self._grid
        depth = np.exp(-((gx - nose[0]) ** 2) / (2 * sigma**2) - ((gy - nose[1]) ** 2) / (2 * (1.6 * sigma) ** 2))
        return cv2.remap(self.neutral, (gx - shift * depth).astype(np.float32), gy, cv2.INTER_LINEAR)


@functools.lru_cache(maxsize=2)
def _rendered(size: tuple[int, int]) -> tuple[DemoFace, dict[str, list[np.ndarray]]]:
    """The demo face and its action clips, rendered once per frame size (11 distinct frames)."""
    face = DemoFace(size=size)
    frames = {(a, x): face.render(a, x) for a, amounts in _CLIPS.items() for x in set(amounts)}
    for frame in frames.values():
        frame.flags.writeable = False
    return face, {a: [frames[a, x] for x in amounts] for a, amounts in _CLIPS.items()}


class CooperativeCitizen:
    """An endless stream of demo frames; :meth:`perform` changes what the citizen does.

    The demo shell calls ``perform(step.action)`` on each ``ChallengeStep(done=False)`` from the
    face worker and ``perform(None)`` when the check ends. Each asked action is repeated (with
    pauses) until another is asked, as a patient citizen would.

    Args:
        size: camera frame (width, height).
        seed: seed for the noise and drift (None: random).
    """

    def __init__(self, size: tuple[int, int] = (640, 480), seed: int | None = None) -> None:
        self.face, self._clips = _rendered(size)
        self._rng = random.Random(seed)
        noise_rng = np.random.default_rng(seed)
        self._noise = [noise_rng.normal(0, 2.0, self.face.neutral.shape).astype(np.int16) for _ in range(6)]
        self._lock = threading.Lock()
        self._action: str | None = None
        self._position = 0

    def perform(self, action: str | None) -> None:
        """Start performing ``action`` (one of ``drivers.face.liveness.ACTIONS``), or stay neutral."""
        if action is not None and action not in self._clips:
            raise ValueError(f"unknown action {action!r}")
        with self._lock:
            self._action, self._position = action, 0

    def __iter__(self) -> Iterator[np.ndarray]:
        while True:
            with self._lock:
                action, position = self._action, self._position
                self._position += 1
            clip = self._clips.get(action, [])
            cycle = position % (len(clip) + _PAUSE_FRAMES)
            yield self._live(clip[cycle] if cycle < len(clip) else self.face.neutral)

    def _live(self, frame: np.ndarray) -> np.ndarray:
        """Camera-like variation: fresh noise and a one-pixel drift, so no two frames are identical."""
        noise = self._noise[self._rng.randrange(len(self._noise))]
        out = np.clip(frame.astype(np.int16) + noise, 0, 255).astype(np.uint8)
        return np.roll(out, (self._rng.randint(-1, 1), self._rng.randint(-1, 1)), axis=(0, 1))


def cooperative_frames(challenge: Sequence[str], neutral: int = 20, seed: int | None = None) -> Iterator[np.ndarray]:
    """A finite sequence: ``neutral`` frames, then each action performed twice, then neutral again.

    For replaying from files (``python -m drivers.face verify --frames``) and benchmarks, where
    nothing tells the citizen what is asked: the actions come in ``challenge`` order.
    """
    citizen = CooperativeCitizen(seed=seed)
    frames = iter(citizen)
    yield from (next(frames) for _ in range(neutral))
    for action in challenge:
        citizen.perform(action)
        yield from (next(frames) for _ in range(2 * (len(_CLIPS[action]) + _PAUSE_FRAMES)))
    citizen.perform(None)
    yield from (next(frames) for _ in range(neutral))
