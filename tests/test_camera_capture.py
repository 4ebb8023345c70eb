"""The OpenCV camera driver, through OpenCV itself: a video file stands in for the device.

A file that does not exist yet is an unplugged camera; a file that ends is a camera that stops
delivering frames. Both must lead to a reported status and a reconnect, without anyone restarting
the kiosk.
"""
import queue
import threading

import cv2
import numpy as np
import pytest

from drivers.camera import Camera, open_camera
from drivers.camera.capture import parse_device
from drivers.camera.source import rotate
from drivers.camera.settings import CameraSettings
from common.device_status import Action, DeviceState
from common.events import EventBus

FAST = (0.05, 0.2)  # back-off for tests


def write_video(path, frames=8, size=(320, 240), colour_bgr=(0, 0, 255)):
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30, size)
    assert writer.isOpened()
    for i in range(frames):
        frame = np.full((size[1], size[0], 3), colour_bgr, np.uint8)
        frame[: size[1] // 4] = 255  # a white band at the top, to check rotation
        writer.write(frame)
    writer.release()


class Statuses:
    """Status events from the bus, waited on with a timeout."""

    def __init__(self, bus):
        self.events = queue.Queue()
        bus.subscribe(lambda e: self.events.put(e.payload), kinds={"status"})

    def wait_for(self, state, reason=None, timeout=10.0):
        while True:
            status = self.events.get(timeout=timeout)
            if status.state is state and (reason is None or status.reason == reason):
                return status


@pytest.fixture
def bus():
    return EventBus()


def test_frames_are_rgb_rotated_and_counted(tmp_path, bus):
    video = tmp_path / "cam.avi"
    write_video(video)
    statuses = Statuses(bus)
    with Camera(str(video), 320, 240, rotation=90, bus=bus, backoff=FAST) as camera:
        online = statuses.wait_for(DeviceState.ONLINE)
        first = camera.wait_frame(0, timeout=5)
        second = camera.wait_frame(first[0], timeout=5)
    frame_id, rgb = first
    assert online.conditions["resolution"] == "240x320"  # rotated: portrait
    assert rgb.shape == (320, 240, 3)
    assert np.abs(rgb[160, 100].astype(int) - (255, 0, 0)).max() < 40  # BGR red arrived as RGB red
    assert rgb[160, -5].min() > 200  # the white top band is now on the right
    assert second[0] > frame_id
    assert not rgb.flags.writeable  # shared between preview and verifier: nobody may change it


def test_latest_is_none_before_any_frame_and_after_stop(tmp_path):
    camera = Camera(str(tmp_path / "none.avi"), backoff=FAST)
    assert camera.latest() is None
    camera.start()
    assert camera.wait_frame(0, timeout=0.2) is None
    assert camera.stop()
    assert camera.latest() is None and camera.status.reason == "stopped"


def test_unplugged_camera_is_reported_and_found_again(tmp_path, bus):
    video = tmp_path / "later.avi"
    statuses = Statuses(bus)
    with Camera(str(video), bus=bus, backoff=FAST) as camera:
        missing = statuses.wait_for(DeviceState.NO_DEVICE)
        assert (missing.reason, missing.action) == ("not_found", Action.MAINTENANCE)
        assert camera.latest() is None
        write_video(video)  # plugged in
        statuses.wait_for(DeviceState.ONLINE)
        assert camera.wait_frame(0, timeout=5) is not None


def test_camera_that_stops_delivering_reconnects(tmp_path, bus):
    video = tmp_path / "short.avi"
    write_video(video, frames=3)
    statuses = Statuses(bus)
    with Camera(str(video), bus=bus, backoff=FAST) as camera:
        statuses.wait_for(DeviceState.ONLINE)
        lost = statuses.wait_for(DeviceState.OFFLINE, "no_frames")
        assert lost.action is Action.WAIT
        last_id = camera.latest()[0]
        statuses.wait_for(DeviceState.ONLINE)  # reopened
        assert camera.wait_frame(last_id, timeout=5)[0] > last_id  # ids keep counting up


def test_retries_do_not_repeat_the_status(tmp_path, bus):
    """The driver keeps trying every back-off period, but the event channel hears it once."""
    tried = threading.Event()

    class CountingCamera(Camera):
        attempts = 0

        def _open(self):
            CountingCamera.attempts += 1
            if CountingCamera.attempts == 5:
                tried.set()
            return super()._open()

    seen = []
    bus.subscribe(lambda e: seen.append(e.payload.state), kinds={"status"})
    with CountingCamera(str(tmp_path / "absent.avi"), bus=bus, backoff=(0.01, 0.01)):
        assert tried.wait(5)
    assert seen == [DeviceState.NO_DEVICE, DeviceState.UNKNOWN]  # then "stopped": not capturing, state unknown


def test_device_strings():
    assert parse_device("0") == (0, cv2.CAP_ANY)
    assert parse_device("/dev/video2") == ("/dev/video2", cv2.CAP_V4L2)
    assert parse_device("rtsp://cam.local/stream") == ("rtsp://cam.local/stream", cv2.CAP_ANY)


def test_rotation_is_clockwise():
    frame = np.zeros((2, 3, 3), np.uint8)
    frame[0, 0] = 255  # top left
    assert rotate(frame, 90)[0, -1].max() == 255  # -> top right
    assert rotate(frame, 180)[-1, -1].max() == 255
    assert rotate(frame, 270)[-1, 0].max() == 255
    assert rotate(frame, 0) is frame


def test_open_camera_builds_what_is_configured(tmp_path):
    real = open_camera(CameraSettings(device="/dev/video0", width=1280, height=720, rotation=270))
    assert isinstance(real, Camera) and (real.width, real.height, real.controls.rotation) == (1280, 720, 270)
    assert real.status.state is DeviceState.UNKNOWN
