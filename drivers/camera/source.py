"""What every camera gives the kiosk: a thread that keeps the newest frame, and a device status.

Consumers (the preview, the face verifier, a video call) never queue frames: they ask for the latest
one and skip what they missed. A frame is an RGB ``numpy`` array (height x width x 3, uint8),
unmirrored, made read-only so several consumers can share it safely.

One camera, several users: the face check and a video call each :meth:`FrameSource.acquire` it
under their own name and :meth:`FrameSource.release` it after; while one holds it, the other is
refused (:class:`CameraBusy`) or waits, so the citizen is never filmed for two purposes at once.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Optional

import cv2
import numpy as np

from common.device_status import Action, DeviceState, DeviceStatus
from common.events import EventBus

log = logging.getLogger(__name__)

LatestFrame = Optional[tuple[int, np.ndarray]]  # (frame_id, rgb), ids counting up from 1

_RELEASING = "(being released)"
_ROTATIONS = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}


def rotate(frame: np.ndarray, degrees: int) -> np.ndarray:
    """Rotate clockwise by 0, 90, 180 or 270 degrees (for cameras mounted sideways)."""
    return frame if degrees == 0 else cv2.rotate(frame, _ROTATIONS[degrees])


class CameraBusy(RuntimeError):
    """The camera is held by another user (``owner``: its name, e.g. ``"face_check"``)."""

    def __init__(self, owner: str) -> None:
        super().__init__(f"the camera is in use by {owner}")
        self.owner = owner


@dataclass(frozen=True)
class CameraControls:
    """What a technician sets on the camera (``[camera]``); -1 means the camera's automatic mode."""

    exposure: float = -1.0
    gain: float = -1.0
    white_balance_k: int = -1
    rotation: int = 0
    mirror: bool = False

    @classmethod
    def from_settings(cls, settings) -> "CameraControls":
        return cls(settings.exposure, settings.gain, settings.white_balance_k, settings.rotation, settings.mirror)


def orient(frame: np.ndarray, controls: CameraControls) -> np.ndarray:
    """Rotate as mounted, then mirror if asked."""
    frame = rotate(frame, controls.rotation)
    return frame[:, ::-1] if controls.mirror else frame


class FrameSource:
    """Base of :class:`~drivers.camera.capture.Camera` and :class:`~drivers.camera.sim.SimulatedCamera`.

    Subclasses implement :meth:`_run`, which loops until ``self._stopping`` is set, hands frames
    to :meth:`_deliver` and reports health with :meth:`_publish`.

    Args:
        name: the device name in status events.
        bus: where :class:`DeviceStatus` changes are published (None: kept locally only).
    """

    def __init__(self, name: str = "camera", bus: EventBus | None = None) -> None:
        self.name = name
        self._bus = bus
        self._cond = threading.Condition()
        self._latest: LatestFrame = None
        self._latest_t = 0.0
        self._next_id = 1
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._owner: str | None = None
        self._owner_cond = threading.Condition()
        self.status = DeviceStatus(name, DeviceState.UNKNOWN, "not_started")
        self.controls = CameraControls()
        self._controls_changed = threading.Event()

    def apply_controls(self, controls: CameraControls) -> None:
        """Use ``controls`` from now on: the capture thread asks the device for them at its next
        frame (or when it next opens the device); no restart needed."""
        self.controls = controls
        self._controls_changed.set()

    @property
    def owner(self) -> str | None:
        """Who holds the camera through :meth:`acquire` (None: nobody)."""
        return self._owner

    def acquire(self, owner: str, timeout: float = 0.0) -> None:
        """Take the camera for ``owner`` and start capturing.

        Waits up to ``timeout`` seconds for another owner to release it. Acquiring again under
        the same name is allowed (and does nothing more).

        Raises:
            CameraBusy: another owner still holds it.
        """
        with self._owner_cond:
            if not self._owner_cond.wait_for(lambda: self._owner in (None, owner), timeout):
                raise CameraBusy(self._owner or "?")
            self._owner = owner
        self.start()

    def release(self, owner: str) -> bool:
        """Stop capturing and free the camera if ``owner`` holds it (joins the thread: not on the UI thread).

        Returns False (and does nothing) when ``owner`` does not hold it.
        """
        with self._owner_cond:
            if self._owner != owner:
                return False
            self._owner = _RELEASING  # not even ``owner`` may take it back before it stopped
        self.stop()
        with self._owner_cond:  # freed only once stopped: the next owner starts a fresh capture
            self._owner = None
            self._owner_cond.notify_all()
        return True

    def start(self) -> None:
        """Start the capture thread (returns at once)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._guarded_run, name=f"{self.name}-capture", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 3.0) -> bool:
        """Stop the thread and forget the last frame; False if the thread did not end in time."""
        self._stopping.set()
        ended = True
        if self._thread is not None:
            self._thread.join(timeout)
            ended = not self._thread.is_alive()
            if not ended:
                log.warning("%s: capture thread still blocked after %.1f s", self.name, timeout)
        with self._cond:
            self._latest = None
        # Not capturing, we cannot tell whether the camera still works: unknown, not offline
        # (the kiosk stops the camera between face checks and must not grey out services for it).
        self._publish(DeviceState.UNKNOWN, "stopped")
        return ended

    def latest(self) -> LatestFrame:
        """The newest frame as ``(frame_id, rgb)``, or None before the first one."""
        with self._cond:
            return self._latest

    def latest_stamped(self) -> Optional[tuple[int, np.ndarray, float]]:
        """The newest frame as ``(frame_id, rgb, captured)``; ``captured`` is ``time.monotonic()`` at delivery.

        Capture times let the face check judge time (a blink, a still) the same however many
        frames a slow machine manages to analyse.
        """
        with self._cond:
            return None if self._latest is None else (*self._latest, self._latest_t)

    def wait_frame(self, after_id: int = 0, timeout: float = 2.0) -> LatestFrame:
        """Wait until a frame newer than ``after_id`` exists and return it (None on timeout)."""
        with self._cond:
            self._cond.wait_for(lambda: self._latest is not None and self._latest[0] > after_id, timeout)
            latest = self._latest
        return latest if latest is not None and latest[0] > after_id else None

    def __enter__(self) -> "FrameSource":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _guarded_run(self) -> None:
        try:
            self._run()
        except Exception:  # noqa: BLE001 - the thread's error boundary: report, do not vanish
            log.exception("%s: capture thread failed", self.name)
            self._publish(DeviceState.HARDWARE_ERROR, "driver_error", Action.RESET, "the capture thread failed; see the log")

    # -- for subclasses ----------------------------------------------------------------------
    def _run(self) -> None:
        raise NotImplementedError

    def _deliver(self, rgb: np.ndarray) -> None:
        rgb.flags.writeable = False
        captured = time.monotonic()
        with self._cond:
            self._latest, self._latest_t = (self._next_id, rgb), captured
            self._next_id += 1
            self._cond.notify_all()

    def _publish(self, state: DeviceState, reason: str = "", action: Action = Action.NONE, detail: str = "", **conditions: str) -> None:
        self.status = DeviceStatus(self.name, state, reason, action, conditions, detail)
        if self._bus is not None:
            self._bus.publish_status(self.status)
