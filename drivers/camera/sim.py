"""The simulated camera: plays images, a folder, a video or in-memory frames at a set rate.

Same interface as :class:`~drivers.camera.capture.Camera`. Demo mode plays the cooperative demo
citizen (``drivers.camera.demo_sequence``); tests play fixture photos or generated frames.

Run it to check what a source plays (frames are counted, nothing is written)::

    python -m drivers.camera.sim --source demo --perform blink --seconds 3
    python -m drivers.camera.sim --source /path/to/frames/ --fps 15
"""
from __future__ import annotations

import argparse
import json
import threading
import time
from pathlib import Path
from typing import Iterable, Iterator

import cv2
import numpy as np

from drivers.camera.source import CameraControls, FrameSource, orient
from common.device_status import Action, DeviceState
from common.events import EventBus

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp"}


def read_rgb(path: Path) -> np.ndarray:
    """An image file as RGB; raises ValueError if it is not a readable image."""
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise ValueError(f"{path}: not a readable image")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def image_files(folder: Path) -> list[Path]:
    """The image files of ``folder`` in name order."""
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)


def _video_frames(path: Path) -> Iterator[np.ndarray]:
    capture = cv2.VideoCapture(str(path))
    try:
        while True:
            ok, bgr = capture.read()
            if not ok:
                return
            yield cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    finally:
        capture.release()


class SimulatedCamera(FrameSource):
    """A camera that plays a source at ``fps`` frames per second.

    Args:
        source: an image file, a folder of images (name order), a video file, or an iterable of
            RGB frames (a list is replayed; an endless iterator such as
            :class:`~drivers.camera.demo_sequence.CooperativeCitizen` plays for ever).
        fps: playback rate.
        rotation: clockwise degrees, applied as a real camera's mounting would be.
        loop: start a finite source over at its end; otherwise the camera goes offline (``ended``).
        bus, name: as for :class:`~drivers.camera.capture.Camera`.
    """

    def __init__(
        self,
        source: str | Path | Iterable[np.ndarray],
        fps: float = 30,
        rotation: int = 0,
        loop: bool = True,
        bus: EventBus | None = None,
        *,
        name: str = "camera",
    ) -> None:
        super().__init__(name, bus)
        self.source = source
        self.fps = fps
        self.controls = CameraControls(rotation=rotation)
        self.loop = loop
        #: every set of controls the capture thread asked the (simulated) device for, in order
        self.requested_controls: list[CameraControls] = []
        if isinstance(source, (str, Path)):
            path = Path(source)
            if not path.exists():
                raise ValueError(f"{path}: no such image, folder or video")
            if path.is_dir():
                self._frames: list[np.ndarray] | None = [read_rgb(p) for p in image_files(path)]
            elif path.suffix.lower() in IMAGE_SUFFIXES:
                self._frames = [read_rgb(path)]
            else:
                self._frames = None  # a video, decoded as it plays
        elif isinstance(source, (list, tuple)):
            self._frames = list(source)
        else:
            self._frames = None
        self._plugged = threading.Event()
        self._plugged.set()

    def unplug(self) -> None:
        """Pull the (simulated) cable: frames stop and the camera reports no device until :meth:`replug`."""
        self._plugged.clear()

    def replug(self) -> None:
        self._plugged.set()

    def _absent(self) -> bool:
        """While unplugged, report it as a real camera's capture does and wait; True if stopping meanwhile."""
        self._publish(DeviceState.NO_DEVICE, "not_found", Action.MAINTENANCE, "the simulated camera is unplugged")
        while not self._plugged.wait(0.1):
            if self._stopping.is_set():
                return True
        self._publish(DeviceState.ONLINE, source="simulated")
        return False

    def _play_once(self) -> Iterable[np.ndarray]:
        if self._frames is not None:
            return self._frames
        if isinstance(self.source, (str, Path)):
            return _video_frames(Path(self.source))
        return self.source  # an iterator: played once, however long it is

    def _run(self) -> None:
        self._publish(DeviceState.ONLINE, source="simulated")
        period = 1.0 / self.fps
        due = time.monotonic()
        while not self._stopping.is_set():
            played = 0
            for frame in self._play_once():
                if not self._plugged.is_set() and self._absent():
                    return
                if self._controls_changed.is_set() or not self.requested_controls:
                    self._controls_changed.clear()
                    self.requested_controls.append(self.controls)  # what a real device would be asked
                self._deliver(np.ascontiguousarray(orient(frame, self.controls)))
                played += 1
                due = max(due + period, time.monotonic())  # never catch up in a burst
                if self._stopping.wait(due - time.monotonic()):
                    return
            replayable = self._frames is not None or isinstance(self.source, (str, Path))
            if not (self.loop and replayable and played):
                self._publish(DeviceState.OFFLINE, "ended", Action.NONE, "the simulated source has no more frames")
                return


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m drivers.camera.sim", description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", default="demo", help='"demo" (the cooperative demo citizen) or an image, folder or video')
    parser.add_argument("--fps", type=float, default=30)
    parser.add_argument("--rotation", type=int, default=0, choices=(0, 90, 180, 270))
    parser.add_argument("--perform", default=None, help="demo only: an action to perform (blink, turn_left, ...)")
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args(argv)
    if args.source == "demo":
        from drivers.camera.demo_sequence import CooperativeCitizen

        citizen = CooperativeCitizen()
        citizen.perform(args.perform)
        camera = SimulatedCamera(citizen, args.fps, args.rotation)
    else:
        camera = SimulatedCamera(args.source, args.fps, args.rotation)
    with camera:
        first = camera.wait_frame(0, timeout=5.0)
        end = time.monotonic() + args.seconds
        last = first
        while time.monotonic() < end:
            last = camera.wait_frame(last[0] if last else 0, timeout=max(end - time.monotonic(), 0.01)) or last
        status = camera.status.as_dict()
    frames = (last[0] - first[0]) if first and last else 0
    shape = list(last[1].shape) if last else None
    print(json.dumps({"frames": frames, "fps": round(frames / args.seconds, 1), "shape": shape, "status": status}))
    return 0 if frames else 1


if __name__ == "__main__":
    raise SystemExit(main())
