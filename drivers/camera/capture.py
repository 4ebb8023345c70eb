"""A real camera through OpenCV: capture thread, newest frame only, reconnect with back-off.

The device is a config string: ``/dev/video0`` (V4L2), an index such as ``"0"``, or anything
OpenCV's FFmpeg backend opens (a video file, an ``rtsp://`` URL). When the camera is unplugged,
reads fail; the thread releases it, reports the camera offline and tries again after 0.5 s, 1 s,
2 s ... up to 8 s, and starts the back-off over once frames flow again.

Status (device ``"camera"`` unless named otherwise): ``unknown/not_started`` ->
``online`` (conditions: ``resolution``) | ``no_device/not_found`` (action maintenance: someone must
plug it in; the driver keeps trying) | ``offline/no_frames`` (action wait) | ``offline/stopped``.
"""
from __future__ import annotations

import logging

import cv2
import numpy as np

from drivers.camera.source import CameraControls, FrameSource, orient
from common.device_status import Action, DeviceState
from common.events import EventBus

log = logging.getLogger(__name__)

MAX_READ_FAILURES = 5  # consecutive failed reads that mean the camera is gone


def parse_device(device: str) -> tuple[int | str, int]:
    """``"0"`` -> (0, any backend); ``/dev/video*`` -> V4L2; other strings -> FFmpeg or any backend."""
    if device.isdigit():
        return int(device), cv2.CAP_ANY
    if device.startswith("/dev/video"):
        return device, cv2.CAP_V4L2
    return device, cv2.CAP_ANY


class Camera(FrameSource):
    """An OpenCV camera delivering RGB frames, rotated as mounted.

    Args:
        device: see :func:`parse_device`.
        width, height, fps: what to ask the camera for (it may deliver something else; the
            delivered resolution is in the status conditions).
        exposure: -1 for automatic, else the driver's manual exposure value.
        rotation: clockwise degrees (0, 90, 180, 270).
        bus: where status changes are published.
        backoff: first and longest wait between reconnection attempts, in seconds.
    """

    def __init__(
        self,
        device: str,
        width: int = 640,
        height: int = 480,
        exposure: float = -1.0,
        rotation: int = 0,
        bus: EventBus | None = None,
        *,
        fps: int = 30,
        name: str = "camera",
        backoff: tuple[float, float] = (0.5, 8.0),
    ) -> None:
        super().__init__(name, bus)
        self.device = device
        self.width, self.height, self.fps = width, height, fps
        self.controls = CameraControls(exposure=exposure, rotation=rotation)
        self.backoff = backoff

    def _run(self) -> None:
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)  # not a warning per retry
        delay = self.backoff[0]
        while not self._stopping.is_set():
            capture = self._open()
            if capture is None:
                self._publish(DeviceState.NO_DEVICE, "not_found", Action.MAINTENANCE,
                              f"cannot open {self.device}; retrying in {delay:.1f} s")
            else:
                delivered = self._read_until_lost(capture)
                capture.release()
                if self._stopping.is_set():
                    break
                if delivered:
                    delay = self.backoff[0]  # it worked for a while: start the back-off over
                self._publish(DeviceState.OFFLINE, "no_frames", Action.WAIT,
                              f"{self.device} stopped delivering frames; reconnecting in {delay:.1f} s")
            self._stopping.wait(delay)
            delay = min(delay * 2, self.backoff[1])

    def _open(self) -> cv2.VideoCapture | None:
        source, api = parse_device(self.device)
        capture = cv2.VideoCapture(source, api)
        if not capture.isOpened():
            capture.release()
            return None
        capture.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
        capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
        capture.set(cv2.CAP_PROP_FPS, self.fps)
        capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # a short driver queue: we want the newest frame
        self._controls_changed.clear()
        set_controls(capture, self.controls)
        return capture

    def _read_until_lost(self, capture: cv2.VideoCapture) -> int:
        """Deliver frames until reads keep failing or we are stopped; returns how many were delivered."""
        delivered = failures = 0
        while not self._stopping.is_set():
            ok, bgr = capture.read()
            if not ok or bgr is None:
                failures += 1
                if failures >= MAX_READ_FAILURES:
                    break
                self._stopping.wait(0.05)
                continue
            failures = 0
            if self._controls_changed.is_set():
                self._controls_changed.clear()
                set_controls(capture, self.controls)
            frame = orient(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), self.controls)
            if delivered == 0:
                self._publish(DeviceState.ONLINE, resolution=f"{frame.shape[1]}x{frame.shape[0]}")
            self._deliver(np.ascontiguousarray(frame))
            delivered += 1
        return delivered


def set_controls(capture: cv2.VideoCapture, controls: CameraControls) -> None:
    """Ask the device for exposure, gain and white balance (V4L2 through OpenCV's properties).

    A camera keeps its last mode across processes, so automatic modes are asked for explicitly.
    Properties a camera lacks are ignored by OpenCV (``set`` returns False)."""
    if controls.exposure >= 0:
        capture.set(cv2.CAP_PROP_AUTO_EXPOSURE, 1)  # V4L2: 1 = manual, 3 = automatic
        capture.set(cv2.CAP_PROP_EXPOSURE, controls.exposure)
    else:
        capture.set(cv2.CAP_PROP_AUTO_EXPOSURE, 3)
    if controls.gain >= 0:
        capture.set(cv2.CAP_PROP_GAIN, controls.gain)
    if controls.white_balance_k > 0:
        capture.set(cv2.CAP_PROP_AUTO_WB, 0)
        capture.set(cv2.CAP_PROP_WB_TEMPERATURE, controls.white_balance_k)
    else:
        capture.set(cv2.CAP_PROP_AUTO_WB, 1)
