"""The whole check on frame sequences: stills and photos fail liveness, the cooperative demo citizen passes.

Sequences run in-process (``VerificationSession``) at 30 fps simulated time; the worker process is
tested in ``test_face_worker.py``.
"""
import itertools

import cv2
import numpy as np
import pytest

from drivers.camera.demo_sequence import DemoFace, cooperative_frames
from drivers.face.messages import ChallengeStep, Decision
from face_helpers import demo_card, needs_fixtures, noisy, photo, run_session

CHALLENGES = [("blink", "turn_left"), ("turn_right", "open_mouth"), ("open_mouth", "blink")]  # every action, each kind first once


@pytest.mark.parametrize("challenge", CHALLENGES)
def test_cooperative_demo_sequence_passes(challenge):
    results, decision = run_session(cooperative_frames(challenge, seed=5), demo_card(), challenge, attempts=1)
    assert (decision.decision, decision.live, decision.reason) == ("accept", True, "match")
    done = [r.action for r in results if isinstance(r, ChallengeStep) and r.done]
    assert done == list(challenge)


def test_the_demo_image_repeated_fails_liveness_at_once():
    still = DemoFace().neutral
    results, decision = run_session([still] * 40, demo_card(), attempts=1)
    assert (decision.decision, decision.live, decision.reason) == ("reject", False, "not_live")
    assert decision.distance < 0.45  # the right person, but not a live one
    assert len([r for r in results if isinstance(r, ChallengeStep)]) <= 1


def test_demo_sequence_of_the_wrong_actions_fails_liveness():
    frames = itertools.islice(cooperative_frames(("turn_left", "turn_right"), seed=6), 90)
    _, decision = run_session(frames, demo_card(), ("blink", "open_mouth"), attempts=2)
    assert (decision.decision, decision.live, decision.reason, decision.attempts_left) == ("retry", False, "not_live", 1)


@needs_fixtures
def test_a_different_face_during_the_challenge_is_caught():
    baseline = list(itertools.islice(cooperative_frames(("blink",), seed=7), 12))
    other = noisy(cv2.resize(photo("western/obama/obama_official_portrait.jpg"), (480, 600)), 40)
    _, decision = run_session(baseline + other, demo_card(), attempts=1)
    assert (decision.decision, decision.live, decision.reason) == ("reject", False, "face_changed")


def test_nobody_in_front_of_the_camera_times_out_with_no_face():
    empty = noisy(np.full((480, 640, 3), 180, np.uint8), 20)
    _, decision = run_session(empty, demo_card(), fps=5, attempts=2, challenge_timeout_s=3)
    assert (decision.decision, decision.reason, decision.distance, decision.live) == ("retry", "no_face", None, None)


@needs_fixtures
@pytest.mark.parametrize("still", [
    "liveness/live_T1_woman_red.jpg",
    "liveness/spoof_F2_same_woman_on_tablet_screen.jpg",
])
def test_replayed_fixture_stills_fail_liveness(still):
    """Identical frames (a frozen or replayed image): refused after 8 frames, whoever it shows."""
    rgb = photo(still)
    _, decision = run_session([rgb] * 20, rgb, attempts=1)
    assert (decision.decision, decision.live, decision.reason) == ("reject", False, "not_live")


@needs_fixtures
def test_photo_on_a_tablet_held_to_a_live_camera_times_out_not_live():
    """Camera noise and jitter defeat the still detector; the challenge is never performed."""
    rgb = photo("liveness/spoof_F2_same_woman_on_tablet_screen.jpg")
    _, decision = run_session(noisy(rgb, 30), rgb, fps=5, attempts=1, challenge_timeout_s=3)
    assert (decision.decision, decision.live, decision.reason) == ("reject", False, "not_live")


@needs_fixtures
def test_printed_photo_turned_away_is_refused_before_liveness():
    rgb = photo("liveness/spoof_F1_printed_photo_other_woman.jpg")
    _, decision = run_session(noisy(rgb, 10), rgb, attempts=1)
    assert (decision.decision, decision.reason, decision.live) == ("reject", "not_frontal", None)


def test_decision_fields_are_what_the_cli_prints():
    d = Decision("accept", 0.123456, True, "match", 2)
    assert d.as_dict() == {"decision": "accept", "distance": 0.1235, "live": True, "reason": "match"}
    assert d.final and not Decision("retry", None, None, "no_face", 1).final
