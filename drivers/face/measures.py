"""Measures taken from 68 iBUG-300W landmarks and from face pixels.

Each landmark ratio divides a distance by another distance *along the same direction*
(vertical by vertical, horizontal by horizontal). The classic eye aspect ratio divides eyelid
height by eye width: tilting a printed photo backwards shrinks the heights only and looks like a
blink. Here the eyelid and lip gaps are divided by the nose length (also vertical) and the nose
offset by the distance between the eyes (also horizontal), so turning or tilting a flat photo
leaves every ratio where it was; only a face that moves its parts changes them.
"""
from __future__ import annotations

import cv2
import numpy as np

from drivers.face.interfaces import Box

# iBUG-300W indices
_RIGHT_EYE = slice(36, 42)   # the person's right eye (image left in an unmirrored frame)
_LEFT_EYE = slice(42, 48)
_EYELID_PAIRS = ((37, 41), (38, 40), (43, 47), (44, 46))
_INNER_LIP_PAIRS = ((61, 67), (62, 66), (63, 65))
_NOSE_TOP, _NOSE_TIP, _NOSE_BASE = 27, 30, 33


def _gap(p: np.ndarray, pairs: tuple[tuple[int, int], ...]) -> float:
    return float(np.mean([np.linalg.norm(p[a] - p[b]) for a, b in pairs]))


def nose_length(p: np.ndarray) -> float:
    """From between the eyes to the base of the nose: the face's vertical scale."""
    return max(float(np.linalg.norm(p[_NOSE_BASE] - p[_NOSE_TOP])), 1e-6)


def eye_openness(p: np.ndarray) -> float:
    """Mean eyelid gap of both eyes over the nose length (open eyes about 0.15-0.35)."""
    return _gap(p, _EYELID_PAIRS) / nose_length(p)


def mouth_opening(p: np.ndarray) -> float:
    """Mean gap between the inner lips over the nose length (closed about 0, wide open > 0.5)."""
    return _gap(p, _INNER_LIP_PAIRS) / nose_length(p)


def yaw(p: np.ndarray) -> float:
    """Sideways offset of the nose tip from the eye midpoint, along the eye line, over the eye distance.

    About 0 for a frontal face; positive when the nose is towards image right, i.e. the person
    turned to *their* left in an unmirrored camera frame. In-plane head roll does not change it.
    """
    right, left = p[_RIGHT_EYE].mean(axis=0), p[_LEFT_EYE].mean(axis=0)
    axis = left - right
    span = max(float(np.linalg.norm(axis)), 1e-6)
    return float(np.dot(p[_NOSE_TIP] - (right + left) / 2, axis / span)) / span


def face_crop(rgb: np.ndarray, box: Box, size: int = 128, *, sample: bool = False) -> np.ndarray:
    """The face in ``box`` as a ``size`` x ``size`` grey image.

    ``sample=True`` picks pixels without averaging (keeps the sensor noise that tells a live
    camera from a replayed still); otherwise the crop is resampled smoothly.
    """
    h, w = rgb.shape[:2]
    top, bottom = max(box.top, 0), min(box.bottom, h)
    left, right = max(box.left, 0), min(box.right, w)
    if bottom <= top or right <= left:
        return np.zeros((size, size), np.uint8)
    grey = cv2.cvtColor(np.ascontiguousarray(rgb[top:bottom, left:right]), cv2.COLOR_RGB2GRAY)
    return cv2.resize(grey, (size, size), interpolation=cv2.INTER_NEAREST if sample else cv2.INTER_AREA)


def sharpness(rgb: np.ndarray, box: Box) -> float:
    """Variance of the Laplacian of the face, resampled to 128 x 128 so face size does not matter."""
    return float(cv2.Laplacian(face_crop(rgb, box), cv2.CV_64F).var())
