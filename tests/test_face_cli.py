"""``python -m drivers.face verify``: one JSON object per run, from files or the simulated camera."""
import json
import os
import subprocess
import sys

import cv2
import pytest

from drivers.camera.demo_sequence import DemoFace, cooperative_frames
from drivers.face.__main__ import main
from face_helpers import FIXTURES, demo_card, needs_fixtures
from kiosk.config import REPO_ROOT

KEYS = {"decision", "distance", "live", "reason"}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("face-cli")
    card = root / "card.bmp"
    grey = cv2.cvtColor(cv2.cvtColor(demo_card(), cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2BGR)  # 102 x 126, 24-bit
    cv2.imwrite(str(card), grey)
    cooperative = root / "cooperative"
    cooperative.mkdir()
    for i, frame in enumerate(cooperative_frames(("blink", "turn_right"), seed=4)):
        cv2.imwrite(str(cooperative / f"{i:04d}.png"), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 1])
    still = root / "still"
    still.mkdir()
    for i in range(12):
        cv2.imwrite(str(still / f"{i:02d}.png"), cv2.cvtColor(DemoFace().neutral, cv2.COLOR_RGB2BGR))
    return root


def verify(capsys, *args):
    code = main(["verify", *map(str, args), "--json"])
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1, out
    result = json.loads(out[0])
    assert set(result) == KEYS
    return code, result


def test_cooperative_frames_are_accepted_by_the_real_command(files):
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    out = subprocess.run(
        [sys.executable, "-m", "drivers.face", "verify", "--id-photo", str(files / "card.bmp"),
         "--frames", str(files / "cooperative"), "--challenge", "blink,turn_right", "--json"],
        capture_output=True, text=True, timeout=120, cwd=files, env=env,
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["decision"] == "accept" and result["live"] is True and result["reason"] == "match"
    assert 0 <= result["distance"] <= 0.45
    assert "Please blink" in out.stderr  # the prompts, for the technician
    assert sorted(p.name for p in files.iterdir()) == ["card.bmp", "cooperative", "still"]  # wrote nothing


def test_wrong_challenge_fails_liveness(files, capsys):
    code, result = verify(capsys, "--id-photo", files / "card.bmp", "--frames", files / "cooperative", "--challenge", "open_mouth,blink")
    assert code == 1 and result["live"] is False and result["reason"] == "not_live" and result["decision"] == "retry"


def test_identical_frames_fail_liveness(files, capsys):
    code, result = verify(capsys, "--id-photo", files / "card.bmp", "--frames", files / "still")
    assert code == 1
    assert (result["decision"], result["live"], result["reason"]) == ("retry", False, "not_live")
    assert result["distance"] < 0.45  # it is the card holder's picture, but not a live person


def test_without_liveness_the_same_still_is_accepted(files, capsys):
    code, result = verify(capsys, "--id-photo", files / "card.bmp", "--frames", files / "still", "--no-liveness")
    assert code == 0 and result["live"] is None and result["decision"] == "accept"


@needs_fixtures
def test_fixture_folders_as_live_stream(capsys):
    card = FIXTURES / "western/obama/obama_official_portrait.jpg"
    code, same = verify(capsys, "--id-photo", card, "--frames", FIXTURES / "western/obama", "--no-liveness")
    assert code == 0 and same["decision"] == "accept"
    code, other = verify(capsys, "--id-photo", card, "--frames", FIXTURES / "western/biden", "--no-liveness")
    assert code == 1 and (other["decision"], other["reason"]) == ("reject", "mismatch") and other["distance"] > 0.6
    code, two = verify(capsys, "--id-photo", card, "--frames", FIXTURES / "western/multi_face", "--no-liveness")
    assert two["reason"] == "many_faces" and two["distance"] is None


def test_simulated_camera_as_live_stream(files, capsys):
    """``--camera sim`` plays the configured simulated source: the demo citizen."""
    code, result = verify(capsys, "--id-photo", files / "card.bmp", "--camera", "sim", "--no-liveness")
    assert code == 0 and result["decision"] == "accept"


@pytest.mark.parametrize("args", [
    ["--frames", "/nonexistent"],
    ["--frames", ".", "--challenge", "blink,wink"],
])
def test_unusable_input_exits_2(files, capsys, args):
    assert main(["verify", "--id-photo", str(files / "card.bmp"), *args, "--json"]) == 2
    assert "error:" in capsys.readouterr().err


def test_unreadable_id_photo_exits_2(files, capsys):
    assert main(["verify", "--id-photo", str(files / "cooperative"), "--frames", str(files / "still")]) == 2
