"""How the kiosk turns a card photo and a few live frames into one distance, shared by the check and the tools.

The face check (:mod:`drivers.face.verification`), the calibration tool and the accuracy benchmark
must measure the same thing, or thresholds calibrated with one would not hold for the other:

- a grey card photo (every chip photo is grey) is compared with grey live faces (like with like);
- the distance of an attempt is the median of the card distances of several good frames.
"""
from __future__ import annotations

from typing import Iterable

import cv2
import numpy as np

from drivers.face.interfaces import Box, Recognizer


def is_grey(rgb: np.ndarray) -> bool:
    """True when the three channels (nearly) agree: a grey photo stored as RGB, as chip photos are."""
    sample = rgb[::4, ::4].astype(np.int16)
    return bool(np.abs(sample[..., 0] - sample[..., 1]).mean() < 2 and np.abs(sample[..., 1] - sample[..., 2]).mean() < 2)


def as_grey(rgb: np.ndarray) -> np.ndarray:
    """``rgb`` in grey, still three channels (what every recognizer takes)."""
    return cv2.cvtColor(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)


def fuse(distances: Iterable[float]) -> float | None:
    """The median: one bad frame (blur, a half-closed eye) neither decides nor vetoes."""
    values = list(distances)
    return float(np.median(values)) if values else None


def encode_live(recognizer: Recognizer, rgb: np.ndarray, box: Box, grey: bool) -> np.ndarray:
    """A live face encoded the way the card photo was (grey when ``grey``)."""
    return recognizer.encode(as_grey(rgb) if grey else rgb, box)
