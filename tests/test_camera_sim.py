"""The simulated camera, the cooperative demo citizen and the camera technician CLI."""
import json
import os
import subprocess
import sys

import cv2
import numpy as np
import pytest

from drivers.camera import SimulatedCamera, open_camera
from drivers.camera.demo_sequence import DEMO_PHOTO, LANDMARKS, CooperativeCitizen, cooperative_frames
from drivers.camera.sim import read_rgb
from kiosk.config import REPO_ROOT
from drivers.camera.settings import CameraSettings
from common.device_status import Action, DeviceState
from common.events import EventBus


def solid(value, size=(40, 30)):
    return np.full((size[1], size[0], 3), value, np.uint8)


def collect(camera, count, timeout=5.0):
    frames, last = [], 0
    while len(frames) < count:
        latest = camera.wait_frame(last, timeout)
        assert latest is not None, "the simulated camera stopped delivering"
        last = latest[0]
        frames.append(latest[1])
    return frames


def test_folder_plays_in_name_order_and_loops(tmp_path):
    for name, value in (("b.png", 20), ("a.png", 10), ("c.jpg", 30), ("notes.txt", None)):
        if value is None:
            (tmp_path / name).write_text("not an image")
        else:
            cv2.imwrite(str(tmp_path / name), solid(value))
    with SimulatedCamera(tmp_path, fps=200) as camera:
        values = [int(f.mean().round()) for f in collect(camera, 60)]
    # Frames may be skipped by a slow reader, never reordered: a, b, c, a, b, c ...
    order = [v for i, v in enumerate(values) if i == 0 or v != values[i - 1]]
    assert set(order) == {10, 20, 30}
    assert all((b - a) % 30 in (10, 20) for a, b in zip(order, order[1:]))


def test_in_memory_frames_without_loop_end_offline():
    with SimulatedCamera([solid(1), solid(2)], fps=200, loop=False) as camera:
        frames = collect(camera, 1)
        assert camera.wait_frame(99, timeout=0.5) is None
        assert (camera.status.state, camera.status.reason) == (DeviceState.OFFLINE, "ended")
    assert frames[0].mean() in (1, 2)


def test_video_file_plays(tmp_path):
    video = tmp_path / "v.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 30, (64, 48))
    for _ in range(5):
        writer.write(solid(200, (64, 48)))
    writer.release()
    with SimulatedCamera(video, fps=100) as camera:
        assert collect(camera, 8)[-1].shape == (48, 64, 3)


def test_rotation_applies_like_a_mounted_camera():
    with SimulatedCamera([solid(5, (40, 30))], rotation=90, fps=100) as camera:
        assert collect(camera, 1)[0].shape == (40, 30, 3)


def test_missing_source_is_refused():
    with pytest.raises(ValueError, match="no such"):
        SimulatedCamera("/nonexistent/folder")


def test_demo_landmarks_still_match_the_image():
    """The warps are placed with landmarks measured once; a changed citizen.png must fail here."""
    import face_helpers

    rgb = read_rgb(DEMO_PHOTO)
    detector = face_helpers.models().detector
    measured = detector.landmarks(rgb, detector.detect(rgb)[0])
    indices = {"right_eye": range(36, 42), "left_eye": range(42, 48), "inner_lip_top": [60, 61, 62, 63, 64],
               "inner_lip_bottom": [64, 65, 66, 67, 60], "nose_tip": [30], "chin": [8]}
    for name, idx in indices.items():
        assert np.abs(measured[list(idx)] - np.array(LANDMARKS[name])).max() <= 2, name


def test_demo_citizen_obeys_and_no_two_frames_are_identical():
    citizen = CooperativeCitizen(seed=1)
    frames = iter(citizen)
    neutral = [next(frames) for _ in range(5)]
    citizen.perform("open_mouth")
    acting = [next(frames) for _ in range(5)]
    assert all(not np.array_equal(a, b) for a, b in zip(neutral, neutral[1:]))
    mouth = (slice(285, 330), slice(290, 360))  # below the upper teeth: dark once the mouth opens
    assert acting[-1][mouth].mean() < neutral[-1][mouth].mean() - 30
    with pytest.raises(ValueError):
        citizen.perform("wink")


def test_cooperative_sequence_is_finite_and_ordered():
    frames = list(cooperative_frames(("blink", "turn_left"), neutral=5, seed=2))
    assert 100 < len(frames) < 200 and frames[0].shape == (480, 640, 3)


def test_demo_mode_camera_is_the_cooperative_citizen():
    camera = open_camera(CameraSettings())
    assert isinstance(camera, SimulatedCamera) and isinstance(camera.source, CooperativeCitizen)
    with camera:
        assert collect(camera, 2)[-1].shape == (480, 640, 3)
        assert camera.status.state is DeviceState.ONLINE


def run_cli(*args, cwd=REPO_ROOT):
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.run([sys.executable, "-m", "drivers.camera", *args], capture_output=True, text=True, timeout=60, cwd=cwd, env=env)


def test_cli_status_of_the_simulated_camera():
    out = run_cli("--device", "sim", "status", "--seconds", "0.5")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["resolution"] == "640x480" and report["frames"] > 0 and report["status"]["state"] == "online"


def test_cli_status_of_a_missing_camera_says_what_to_do():
    out = run_cli("--device", "/dev/video99", "--timeout", "0.5", "status")
    assert out.returncode == 1
    status = json.loads(out.stdout)["status"]
    assert (status["state"], status["reason"], status["action"]) == ("no_device", "not_found", "maintenance")


def test_cli_writes_a_snapshot_only_when_asked(tmp_path):
    out = run_cli("--device", "sim", "status", "--seconds", "0.2", cwd=tmp_path)
    assert out.returncode == 0 and list(tmp_path.iterdir()) == []
    target = tmp_path / "aim.png"
    out = run_cli("--device", "sim", "snapshot", "--out", str(target), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert cv2.imread(str(target)).shape == (480, 640, 3)


def test_the_camera_has_one_owner_at_a_time():
    """The face check and a video call share the camera: never both at once, each waits for the other."""
    import threading

    from drivers.camera import CameraBusy

    camera = SimulatedCamera([np.full((48, 64, 3), 100, np.uint8)], fps=50)
    camera.acquire("face_check")
    assert camera.wait_frame(0, timeout=2.0) is not None
    with pytest.raises(CameraBusy) as busy:
        camera.acquire("call")
    assert busy.value.owner == "face_check"
    assert not camera.release("call")  # a non-owner cannot stop it
    assert camera.latest() is not None

    taken = threading.Event()
    waiter = threading.Thread(target=lambda: (camera.acquire("call", timeout=5.0), taken.set()))
    waiter.start()
    assert not taken.wait(0.2)  # still held by the face check
    assert camera.release("face_check")
    assert taken.wait(5.0)
    waiter.join(5.0)
    assert camera.owner == "call"
    assert camera.wait_frame(0, timeout=2.0) is not None  # capturing again for the new owner
    assert camera.release("call") and camera.owner is None
    assert camera.latest() is None


def test_unplugged_the_camera_reports_no_device_and_delivers_nothing_until_plugged_back():
    from tests.test_camera_capture import Statuses

    bus = EventBus()
    statuses = Statuses(bus)
    with SimulatedCamera([solid(v) for v in (10, 20)], fps=100, bus=bus) as camera:
        collect(camera, 3)
        camera.unplug()
        missing = statuses.wait_for(DeviceState.NO_DEVICE)
        assert (missing.reason, missing.action) == ("not_found", Action.MAINTENANCE)
        last = camera.latest()[0]
        assert camera.wait_frame(last, timeout=0.3) is None  # 30 frame periods without a frame
        camera.replug()
        statuses.wait_for(DeviceState.ONLINE)
        assert camera.wait_frame(last, timeout=5) is not None
