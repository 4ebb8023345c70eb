"""The default models: dlib's HOG detector, 68-point landmarks and ResNet encoder (via face_recognition).

Importing this module loads the models (about 100 MB, a second or two) and must only happen in
the face worker process or a technician tool: dlib holds the GIL while it works.
The 68-point model's training data (iBUG-300W) is not licensed for commercial use, which is one
reason the roles are behind interfaces (``drivers.face.interfaces``).
"""
from __future__ import annotations

import cv2
import dlib
import face_recognition.api as fr
import numpy as np

from drivers.face.interfaces import Box


_UPSAMPLE_LIMIT = 1280  # upsample only while the image's longer side stays within this


def _box(rect: dlib.rectangle, factor: float = 1.0) -> Box:
    return Box(rect.top(), rect.right(), rect.bottom(), rect.left()).scaled(factor)


def _rect(box: Box) -> dlib.rectangle:
    return dlib.rectangle(box.left, box.top, box.right, box.bottom)


class HogDetector:
    """dlib's HOG + linear SVM frontal face detector, run on a downscaled copy for speed.

    HOG finds faces of about 80 pixels and more at its input size. Live frames are searched at
    ``detect_width`` first (5 ms at 320 x 240 on the reference machine, versus 20 ms at 640 x 480);
    only when that finds nothing is the full frame searched, so a citizen standing too far away
    gets "move closer" rather than "no face"; then, for images up to 640 pixels wide, the upsampled
    frame (a 102 x 126 card photo is upsampled up to three times).

    Args:
        detect_width: width of the first, fast search; 0 searches the full frame only.
    """

    def __init__(self, detect_width: int = 320) -> None:
        self.detect_width = detect_width
        self._detector = fr.face_detector
        self._landmarks = fr.pose_predictor_68_point

    def detect(self, rgb: np.ndarray) -> list[Box]:
        h, w = rgb.shape[:2]
        faces: list[Box] = []
        if self.detect_width and w > self.detect_width * 1.25:
            factor = self.detect_width / w
            small = cv2.resize(rgb, (self.detect_width, round(h * factor)), interpolation=cv2.INTER_AREA)
            faces = [_box(r, 1 / factor) for r in self._detector(small, 0)]
        # Full size, then upsampled while the result stays small: HOG's window is 80 x 80 pixels.
        # A 640 x 480 frame with no face costs 5 + 20 + 90 ms this way, but a face 40-80 pixels
        # high is found and the citizen hears "move closer" rather than nothing.
        upsample = 0
        while not faces and max(h, w) * 2**upsample <= max(_UPSAMPLE_LIMIT, max(h, w)):
            faces = [_box(r) for r in self._detector(rgb, upsample)]
            upsample += 1
        return sorted(faces, key=lambda b: b.width * b.height, reverse=True)

    def landmarks(self, rgb: np.ndarray, box: Box) -> np.ndarray:
        shape = self._landmarks(rgb, _rect(box))
        return np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float64)


class DlibRecognizer:
    """dlib's ResNet face encoder (128 numbers), aligned on 5 landmarks as face_recognition does.

    Distances are Euclidean; face_recognition's usual tolerance is 0.6.

    Args:
        num_jitters: re-encodings of randomly shifted crops, averaged (1: 66 ms; 10: ~10x slower).
    """

    def __init__(self, num_jitters: int = 1) -> None:
        self.num_jitters = num_jitters
        self._shape = fr.pose_predictor_5_point
        self._encoder = fr.face_encoder

    def encode(self, rgb: np.ndarray, box: Box) -> np.ndarray:
        shape = self._shape(rgb, _rect(box))
        return np.array(self._encoder.compute_face_descriptor(rgb, shape, self.num_jitters))

    def distance(self, a: np.ndarray, b: np.ndarray) -> float:
        return float(np.linalg.norm(a - b))
