"""The camera page's live measurements: the face box and the quality gates (size, sharpness,
brightness), in a worker thread (the UI thread only draws).

dlib's HOG detector (the face check's own default) finds the largest face a few times a second
on a half-size frame; this is an aiming aid for the technician, the face check itself runs in the
face worker process."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable

import cv2
import numpy as np

from drivers.face.interfaces import Box
from drivers.face.measures import sharpness

MIN_BRIGHTNESS, MAX_BRIGHTNESS = 70, 200   # mean grey level of the face box a face check copes with
CENTRE_TOLERANCE = 0.10                    # face box centre within ±10 % of the frame (service-flows §6.2)


@dataclass(frozen=True)
class Gauge:
    """One measurement: the face box in frame pixels (x, y, w, h, top-left origin) or None, and the gates."""

    frame_size: tuple[int, int]
    box: tuple[int, int, int, int] | None
    size_ok: bool = False
    sharp_ok: bool = False
    bright_ok: bool = False
    centred: bool = False
    face_px: int = 0
    sharpness: float = 0.0
    brightness: float = 0.0


def measure(rgb: np.ndarray, detector, min_face_px: int, min_sharpness: float) -> Gauge:
    height, width = rgb.shape[:2]
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    small = cv2.resize(grey, (width // 2, height // 2), interpolation=cv2.INTER_AREA)
    faces = detector(small, 0)
    if len(faces) == 0:
        return Gauge((width, height), None)
    face = max(faces, key=lambda r: r.width() * r.height())
    x, y, w, h = face.left() * 2, face.top() * 2, face.width() * 2, face.height() * 2
    crisp = sharpness(rgb, Box(y, x + w, y + h, x))
    bright = float(grey[y:y + h, x:x + w].mean())
    cx, cy = (x + w / 2) / width - 0.5, (y + h / 2) / height - 0.5
    return Gauge((width, height), (x, y, w, h), h >= min_face_px, crisp >= min_sharpness,
                 MIN_BRIGHTNESS <= bright <= MAX_BRIGHTNESS,
                 abs(cx) <= CENTRE_TOLERANCE and abs(cy) <= CENTRE_TOLERANCE, h, round(crisp, 1), round(bright))


class FaceGauge:
    """Measures the camera's newest frame about ``rate_hz`` times a second and reports each :class:`Gauge`."""

    def __init__(self, camera, on_gauge: Callable[[Gauge], None], min_face_px: int, min_sharpness: float,
                 rate_hz: float = 4.0) -> None:
        self.camera, self.on_gauge = camera, on_gauge
        self.min_face_px, self.min_sharpness = min_face_px, min_sharpness
        self.period = 1.0 / rate_hz
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="face-gauge", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def _run(self) -> None:
        import dlib  # loaded in the thread: the camera page opens at once

        detector = dlib.get_frontal_face_detector()
        last = 0
        while not self._stop.wait(self.period):
            frame = self.camera.wait_frame(last, timeout=1.0)
            if frame is None:
                continue
            last = frame[0]
            self.on_gauge(measure(frame[1], detector, self.min_face_px, self.min_sharpness))
