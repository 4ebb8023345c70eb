"""Shared helpers of the camera and face tests: fixture photos, models built once, a frame clock.

The real photos live outside the repository (``../shared/fixtures/faces``, or ``$KIOSK_FACE_FIXTURES``)
and are never copied into it; tests that need them are skipped with the reason when absent.
Everything expensive (loading models, decoding and encoding a photo) is cached for the session.
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import cv2
import numpy as np
import pytest

from drivers.camera.demo_sequence import DEMO_PHOTO
from drivers.camera.sim import read_rgb
from drivers.face.chip_photo import CHIP_SIZE
from drivers.face.messages import Decision, Result
from drivers.face.settings import FaceSettings

FIXTURES = Path(os.environ.get("KIOSK_FACE_FIXTURES", Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "faces"))
needs_fixtures = pytest.mark.skipif(
    not (FIXTURES / "MANIFEST.tsv").is_file(),
    reason=f"face fixture photos not found at {FIXTURES} (set KIOSK_FACE_FIXTURES to the shared fixtures/faces folder)",
)


@lru_cache(maxsize=None)
def models():
    """The default models, loaded once per test session."""
    from drivers.face.models import build_models

    return build_models(FaceSettings())


@lru_cache(maxsize=None)
def photo(relative: str) -> np.ndarray:
    """A fixture photo (EXIF orientation applied), read-only."""
    rgb = read_rgb(FIXTURES / relative)
    rgb.flags.writeable = False
    return rgb


@lru_cache(maxsize=None)
def encoding(relative: str) -> np.ndarray:
    """The encoding of the largest face of a fixture photo."""
    rgb = photo(relative)
    return models().recognizer.encode(rgb, models().detector.detect(rgb)[0])


def demo_card() -> np.ndarray:
    """The demo card photo as the ID reader's demo decoder makes it: citizen.png at 102 x 126, colour."""
    return cv2.resize(read_rgb(DEMO_PHOTO), CHIP_SIZE, interpolation=cv2.INTER_AREA)


class FrameClock:
    """Simulated time that advances one frame period per call of :meth:`advance`."""

    def __init__(self, fps: float = 30.0) -> None:
        self.now, self.period = 0.0, 1.0 / fps

    def __call__(self) -> float:
        return self.now

    def advance(self) -> None:
        self.now += self.period


def run_session(frames: Iterable[np.ndarray], card: np.ndarray, challenge=("blink", "open_mouth"), fps: float = 30, **face) -> tuple[list[Result], Decision]:
    """Run one in-process check over ``frames`` (at ``fps`` in simulated time) until its first decision."""
    from drivers.face.verification import VerificationSession

    clock = FrameClock(fps)
    session = VerificationSession(models(), FaceSettings(**face), card, challenge, clock=clock)
    results = list(session.start())
    for frame in frames:
        if any(isinstance(r, Decision) for r in results):
            break
        clock.advance()
        results += session.feed(frame)
    if not any(isinstance(r, Decision) for r in results):
        results += session.finish()
    return results, next(r for r in results if isinstance(r, Decision))


def noisy(frame: np.ndarray, count: int, seed: int = 0) -> list[np.ndarray]:
    """``count`` copies of ``frame`` with camera-like noise and a one-pixel jitter (a still held up to a live camera)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        f = np.clip(frame.astype(np.int16) + rng.normal(0, 2, frame.shape).astype(np.int16), 0, 255).astype(np.uint8)
        out.append(np.roll(f, tuple(rng.integers(-1, 2, 2)), axis=(0, 1)))
    return out
