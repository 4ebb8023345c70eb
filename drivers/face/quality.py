"""The quality gate on live frames: one face, large enough, frontal enough, sharp enough.

The gate answers with a machine word: ``ok``, ``no_face``, ``many_faces``, ``too_small``,
``not_frontal`` or ``blurry``; ``drivers.face.texts.HINTS`` says what the citizen is told.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from drivers.face import measures
from drivers.face.interfaces import Box

OK = "ok"


@dataclass(frozen=True)
class QualityLimits:
    """Thresholds of the gate (from ``[face]``).

    Attributes:
        min_face_px: smallest accepted face box height in frame pixels.
        max_yaw: largest accepted |yaw| (nose offset in eye distances) for a frontal face.
        min_sharpness: smallest accepted variance of the Laplacian of the face crop.
    """

    min_face_px: int = 100
    max_yaw: float = 0.25
    min_sharpness: float = 20.0


def count_faces(boxes: list[Box], limits: QualityLimits) -> str:
    """The first checks, needing only the boxes: ``no_face``, ``many_faces``, ``too_small`` or ``ok``.

    Faces much smaller than the accepted size (people far behind the citizen) are not counted.
    """
    near = [b for b in boxes if b.height >= limits.min_face_px / 2]
    if not near:
        return "too_small" if boxes else "no_face"
    if len(near) > 1:
        return "many_faces"
    if near[0].height < limits.min_face_px:
        return "too_small"
    return OK


def check_pose(rgb: np.ndarray, box: Box, landmarks: np.ndarray, limits: QualityLimits) -> str:
    """The checks needing landmarks and pixels: ``not_frontal``, ``blurry`` or ``ok``."""
    if abs(measures.yaw(landmarks)) > limits.max_yaw:
        return "not_frontal"
    if measures.sharpness(rgb, box) < limits.min_sharpness:
        return "blurry"
    return OK
