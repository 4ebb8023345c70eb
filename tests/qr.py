"""Reading QR codes back from screenshots and printed receipts, as a citizen's phone would."""
from __future__ import annotations

import cv2


def decode_qr(png) -> str:
    """The text of the QR code in an image, or "" when none is found.

    OpenCV's detector misses a small code on a very tall image (a long receipt), so after the whole
    image, square-ish windows down the picture are tried in turn."""
    image = cv2.imread(str(png))
    detector = cv2.QRCodeDetector()
    data, _points, _ = detector.detectAndDecode(image)
    if data:
        return data
    height, width = image.shape[:2]
    for top in range(0, max(1, height - width // 2), width // 2):
        data, _points, _ = detector.detectAndDecode(image[top:top + 2 * width])
        if data:
            return data
    return ""
