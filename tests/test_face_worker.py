"""The face worker process, driven the way the kiosk drives it: results arrive, cancel works, crashes are reported.

The end-to-end test is demo mode's own wiring: a simulated camera playing the cooperative demo
citizen, who performs each action the worker asks for.
"""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import psutil
import pytest

from drivers.camera.demo_sequence import CooperativeCitizen, DemoFace
from drivers.camera.sim import SimulatedCamera
from drivers.face import FaceVerifier
from drivers.face.messages import Begin, ChallengeStep, Decision, Frame, Hint, Ready, WorkerError
from face_helpers import demo_card
from drivers.face.settings import FaceSettings

NO_FACE_CARD = np.full((126, 102, 3), 128, np.uint8)


def wait_for(verifier, kind, timeout=20.0, collect=None):
    """Pump results until one of ``kind`` arrives; everything seen goes into ``collect``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for result in verifier.wait(min(0.5, deadline - time.monotonic())):
            if collect is not None:
                collect.append(result)
            if isinstance(result, kind):
                return result
    raise AssertionError(f"no {kind.__name__} within {timeout} s")


def settle(verifier, timeout=10.0):
    """Wait until the worker has taken every frame sent so far (their acknowledgements arrived)."""
    deadline = time.monotonic() + timeout
    while verifier.in_flight and time.monotonic() < deadline:
        verifier.wait(0.1)
    assert verifier.in_flight == 0


def run_demo_citizen(verifier, challenge=None, timeout=30.0):
    """Demo mode: camera frames go to the worker; each asked action is performed. Returns all results."""
    citizen = CooperativeCitizen(seed=3)
    results = []
    with SimulatedCamera(citizen, fps=30) as camera:
        verifier.begin(demo_card(), challenge)
        deadline, last = time.monotonic() + timeout, 0
        while time.monotonic() < deadline:
            latest = camera.wait_frame(last, timeout=1.0)
            if latest is not None:
                last = latest[0]
                verifier.submit(*latest)
            for result in verifier.poll():
                results.append(result)
                if isinstance(result, ChallengeStep) and not result.done:
                    citizen.perform(result.action)
                if isinstance(result, Decision) and result.final:
                    return results
    raise AssertionError(f"no final decision within {timeout} s: {results}")


@pytest.fixture(scope="module")
def private_dirs(tmp_path_factory):
    """A working directory, HOME and TMPDIR the worker inherits, to prove it writes nothing."""
    root = tmp_path_factory.mktemp("face-worker")
    saved = {k: os.environ.get(k) for k in ("HOME", "TMPDIR")}
    cwd = os.getcwd()
    os.environ.update(HOME=str(root), TMPDIR=str(root))
    os.chdir(root)
    yield root
    os.chdir(cwd)
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="module")
def verifier(private_dirs):
    v = FaceVerifier(FaceSettings(attempts=1))
    v.start()
    wait_for(v, Ready)
    yield v
    v.stop()


def test_worker_runs_at_the_ui_processes_priority(verifier):
    """At nice 19 any normal-priority process starved the check (issue 17); by default it is the UI's equal."""
    assert os.getpriority(os.PRIO_PROCESS, verifier.pid) == os.getpriority(os.PRIO_PROCESS, 0)


def test_demo_citizen_is_verified_through_the_worker(verifier):
    results = run_demo_citizen(verifier, ("open_mouth", "blink"))
    decision = results[-1]
    assert (decision.decision, decision.live, decision.reason) == ("accept", True, "match")
    asked = [r.action for r in results if isinstance(r, ChallengeStep) and not r.done]
    assert asked == ["open_mouth", "blink"]
    assert Hint("ok") in results


def test_random_challenge_is_chosen_and_announced(verifier):
    results = run_demo_citizen(verifier)
    asked = [r.action for r in results if isinstance(r, ChallengeStep) and not r.done]
    assert len(asked) == 2 and results[-1].decision == "accept"


def test_frames_never_pile_up(verifier):
    settle(verifier)
    verifier.begin(demo_card(), ("blink", "open_mouth"))
    frame = DemoFace().neutral
    accepted = [verifier.submit(i, frame) for i in range(1, 50)]
    assert sum(accepted) == verifier.max_in_flight  # the rest were dropped at once, in the UI process
    verifier.cancel()


def test_cancel_drops_the_check(verifier):
    verifier.begin(demo_card(), ("blink", "open_mouth"))
    frame, seen = DemoFace().neutral, []
    deadline = time.monotonic() + 20
    while not any(isinstance(r, ChallengeStep) for r in seen) and time.monotonic() < deadline:
        verifier.submit(len(seen), frame)  # the baseline is being measured: the check is under way
        seen += verifier.wait(0.2)
    verifier.cancel()
    # Requests are handled in order: a check begun after the cancel answers with its own decision,
    # and nothing from the cancelled one (it would have failed with not_live: a repeated still).
    verifier.begin(NO_FACE_CARD)
    later = []
    wait_for(verifier, Decision, collect=later)
    assert [r for r in later if isinstance(r, Decision)] == [Decision("reject", None, None, "no_card_face", 0)]


def test_a_frame_without_a_check_is_ignored(verifier):
    verifier.cancel()
    settle(verifier)
    assert verifier.submit(99, DemoFace().neutral)
    verifier.begin(NO_FACE_CARD)
    seen = []
    wait_for(verifier, Decision, collect=seen)
    assert not any(isinstance(r, Hint) for r in seen)


def test_an_exception_in_the_worker_comes_back_as_a_message_and_the_worker_carries_on(verifier):
    verifier.begin(demo_card())
    settle(verifier)
    assert verifier.submit(1, np.zeros(7, np.uint8))  # not an image
    error = wait_for(verifier, WorkerError)
    assert error.kind == "internal" and error.detail
    verifier.begin(NO_FACE_CARD)
    assert wait_for(verifier, Decision).reason == "no_card_face"


def test_a_card_photo_that_is_not_an_image_is_refused_in_the_ui_process(verifier):
    with pytest.raises(ValueError, match="RGB"):
        verifier.begin(np.zeros((126, 102), np.uint8))


def test_worker_wrote_nothing(verifier, private_dirs):
    run_demo_citizen(verifier, ("blink", "turn_left"))
    verifier.begin(demo_card())
    verifier.cancel()
    assert list(private_dirs.iterdir()) == []


def test_messages_never_show_pixels():
    frame = Frame(1, np.full((2, 2, 3), 7, np.uint8))
    begin = Begin(np.full((2, 2, 3), 7, np.uint8), ("blink",))
    assert "7" not in repr(frame).replace("frame_id=1", "") and "array" not in repr(begin)


def test_worker_crash_is_reported_and_the_next_check_restarts_it():
    verifier = FaceVerifier(FaceSettings(attempts=1))
    verifier.start()
    try:
        wait_for(verifier, Ready)
        first_pid = verifier.pid
        os.kill(first_pid, signal.SIGKILL)  # the worker this test started
        error = wait_for(verifier, WorkerError)
        assert error.kind == "crashed"
        assert not verifier.submit(1, DemoFace().neutral)
        verifier.begin(NO_FACE_CARD)
        assert wait_for(verifier, Decision).reason == "no_card_face"
        assert verifier.pid != first_pid
    finally:
        verifier.stop()


def test_unknown_model_is_reported_as_models_unavailable():
    verifier = FaceVerifier(FaceSettings(detector="no_such_package.detector:build"))
    verifier.start()
    try:
        assert wait_for(verifier, WorkerError).kind == "models_unavailable"
        verifier.begin(demo_card())
        assert wait_for(verifier, WorkerError).kind == "models_unavailable"
    finally:
        verifier.stop()
    assert not verifier.alive


def test_a_worker_whose_ui_process_died_before_it_started_ends_by_itself(tmp_path):
    """The UI process killed the moment it spawned the worker (a benchmark stopped by SIGTERM):
    the worker took its parent's pid when it started, which was already init's, and waited for
    ever, holding the stopped program's output open."""
    out = tmp_path / "pid"  # a file, not a pipe: the worker inherits the UI process's output
    with out.open("w") as sink:
        subprocess.run(
            [sys.executable, "-c",
             "import os\nfrom drivers.face import FaceVerifier\nfrom drivers.face.settings import FaceSettings\n"
             "v = FaceVerifier(FaceSettings())\nv.start()\nprint(v.pid, flush=True)\nos._exit(0)\n"],
            cwd=Path(__file__).resolve().parents[1], stdout=sink, check=True, timeout=60)
    worker = psutil.Process(int(out.read_text().split()[0]))
    try:
        worker.wait(timeout=60)
    except psutil.TimeoutExpired:
        worker.kill()
        raise AssertionError("the orphaned face worker was still running 60 s after its UI process died") from None
