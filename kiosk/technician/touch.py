"""Touch calibration: the affine correction from 4 or 9 touched crosshairs, and errors in millimetres.

Coordinates are fractions of the screen (0..1, origin bottom left, as Kivy's ``sx``/``sy``). The
correction is ``[a, b, c, d, e, f]``: ``x' = a*x + b*y + c``, ``y' = d*x + e*y + f`` (``[touch] matrix``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

IDENTITY = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)
INSET = 0.1   # crosshairs sit this far in from the edges


def crosshairs(count: int) -> list[tuple[float, float]]:
    """Where to draw the 4 or 9 calibration targets (fractions of the screen)."""
    if count == 4:
        steps = (INSET, 1 - INSET)
        return [(x, y) for y in reversed(steps) for x in steps]
    if count == 9:
        steps = (INSET, 0.5, 1 - INSET)
        return [(x, y) for y in reversed(steps) for x in steps]
    raise ValueError("a touch calibration uses 4 or 9 points")


def apply(matrix: Sequence[float], x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = matrix
    return a * x + b * y + c, d * x + e * y + f


def fit(targets: Sequence[tuple[float, float]], touched: Sequence[tuple[float, float]]) -> tuple[float, ...]:
    """The least-squares affine correction that maps the raw ``touched`` points onto ``targets``."""
    if len(targets) != len(touched) or len(targets) < 3:
        raise ValueError("need at least 3 pairs of target and touched points")
    raw = np.array([[x, y, 1.0] for x, y in touched])
    goal = np.array(targets, dtype=float)
    (a, d), (b, e), (c, f) = np.linalg.lstsq(raw, goal, rcond=None)[0]
    return tuple(round(float(v), 6) for v in (a, b, c, d, e, f))


@dataclass(frozen=True)
class Screen:
    """The visible screen's size, for errors in millimetres."""

    width_mm: float
    height_mm: float

    def error_mm(self, target: tuple[float, float], got: tuple[float, float]) -> float:
        return math.hypot((got[0] - target[0]) * self.width_mm, (got[1] - target[1]) * self.height_mm)


class TouchCorrection:
    """The correction in force; the shell's input post-processor reads :attr:`matrix` for every touch."""

    def __init__(self, matrix: Sequence[float] = IDENTITY) -> None:
        self.matrix = tuple(matrix)

    def __call__(self, x: float, y: float) -> tuple[float, float]:
        return apply(self.matrix, x, y)
