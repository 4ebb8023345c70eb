"""Make an ID-chip-like card photo from an ordinary photo, for tests, benchmarks and accuracy reports.

A second-generation resident ID card stores a 102 x 126 photo, heavily compressed (WLT); decoded
it is small, soft and blocky. This imitates it: crop head and shoulders around the face the way an
ID photo is framed, scale to 102 x 126, make it grey, JPEG-compress hard. It runs in memory only.
"""
from __future__ import annotations

import cv2
import numpy as np

from drivers.face.interfaces import Box

CHIP_SIZE = (102, 126)  # width, height


def chip_like(rgb: np.ndarray, face: Box, quality: int = 25) -> np.ndarray:
    """An RGB (grey in all three channels) 102 x 126 version of the face in ``face``.

    The crop is 2.2 face-box heights tall with the box centre at 55 % of its height, so the face
    fills the frame about as on an ID card.
    """
    height = 2.2 * face.height
    width = height * CHIP_SIZE[0] / CHIP_SIZE[1]
    cx, cy = (face.left + face.right) / 2, (face.top + face.bottom) / 2
    x0, y0 = cx - width / 2, cy - 0.55 * height
    x0, y0, x1, y1 = round(x0), round(y0), round(x0 + width), round(y0 + height)
    pad = max(0, -x0, -y0, x1 - rgb.shape[1], y1 - rgb.shape[0])  # where the photo ends, repeat its edge
    padded = cv2.copyMakeBorder(rgb, pad, pad, pad, pad, cv2.BORDER_REPLICATE) if pad else rgb
    crop = padded[y0 + pad : y1 + pad, x0 + pad : x1 + pad]
    small = cv2.resize(crop, CHIP_SIZE, interpolation=cv2.INTER_AREA)
    grey = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
    ok, jpeg = cv2.imencode(".jpg", grey, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return cv2.cvtColor(cv2.imdecode(jpeg, cv2.IMREAD_GRAYSCALE), cv2.COLOR_GRAY2RGB)
