"""Liveness: actions judged against the person's own baseline, stills refused, flat photos not fooling the measures."""
import random

import numpy as np
import pytest

from drivers.face import measures
from drivers.face.interfaces import Box
from drivers.face.liveness import ACTIONS, LandmarkLiveness, parse_challenge, random_challenge
from drivers.face.messages import ChallengeStep

# dlib's 68 landmarks of assets/demo/citizen.png: a real, frontal, smiling face.
FACE = np.array([
    (51, 100), (51, 112), (52, 123), (53, 134), (56, 146), (62, 156), (71, 164), (81, 172), (92, 174), (104, 173),
    (115, 167), (125, 159), (133, 149), (137, 138), (140, 127), (143, 116), (144, 104), (59, 89), (64, 84), (72, 83),
    (80, 84), (88, 88), (108, 90), (116, 87), (124, 86), (132, 88), (137, 94), (97, 98), (97, 107), (97, 115),
    (97, 123), (86, 127), (91, 129), (96, 131), (101, 129), (106, 128), (67, 97), (72, 94), (79, 94), (84, 100),
    (78, 100), (71, 99), (109, 101), (116, 96), (122, 97), (127, 100), (122, 102), (116, 102), (73, 135), (81, 135),
    (89, 135), (95, 137), (101, 136), (109, 136), (118, 137), (109, 147), (101, 151), (94, 152), (88, 151), (79, 146),
    (76, 137), (89, 139), (95, 140), (101, 139), (115, 138), (101, 146), (95, 147), (88, 145),
], dtype=float)
BOX = Box(74, 141, 160, 54)
CENTRE = FACE[30]


def close_eyes(p, amount=1.0):
    p = p.copy()
    for upper, lower in ((37, 41), (38, 40), (43, 47), (44, 46)):
        mid = (p[upper] + p[lower]) / 2
        p[upper] += (mid - p[upper]) * amount
        p[lower] += (mid - p[lower]) * amount
    return p


def open_mouth(p, gap):
    p = p.copy()
    p[[65, 66, 67]] += (0, gap)
    return p


def turn(p, nose_shift):
    """A turning head: the nose (and mouth) moves sideways more than the eyes."""
    p = p.copy()
    p[27:36] += (nose_shift, 0)
    p[48:68] += (nose_shift * 0.8, 0)
    return p


def squash(p, sx=1.0, sy=1.0):
    """A flat photo turned (sx < 1) or tilted back (sy < 1) in front of the camera."""
    return (p - CENTRE) * (sx, sy) + CENTRE


class Frames:
    """Distinct noisy images, as from a live camera, so the still detector stays quiet."""

    def __init__(self):
        self.rng = np.random.default_rng(1)

    def __call__(self):
        return self.rng.integers(0, 255, (240, 200, 3), dtype=np.uint8)


def run(check, landmark_sequence, frames=None, fps=30.0):
    """Observe the sequence as captured at ``fps`` (capture time carries on across calls)."""
    frames = frames or Frames()
    steps = []
    for p in landmark_sequence:
        check.sim_time = getattr(check, "sim_time", 0.0) + 1 / fps
        steps += check.observe(frames(), BOX, p, check.sim_time)
    return steps


def baseline(p=FACE, n=5):
    return [p] * n


def test_measures_of_a_frontal_face():
    assert 0.1 < measures.eye_openness(FACE) < 0.3
    assert abs(measures.yaw(FACE)) < 0.1
    assert measures.mouth_opening(open_mouth(FACE, 20)) > measures.mouth_opening(FACE) + 0.5


def test_first_action_is_asked_after_the_baseline_and_a_blink_completes_it():
    check = LandmarkLiveness()
    check.begin(("blink", "open_mouth"))
    assert run(check, baseline()[:-1]) == []
    assert run(check, baseline()[-1:]) == [ChallengeStep("blink", False, 0, 2)]
    assert run(check, [close_eyes(FACE)]) == []  # eyes closed: not done until they open again
    assert run(check, [FACE]) == [ChallengeStep("blink", True, 0, 2), ChallengeStep("open_mouth", False, 1, 2)]
    assert run(check, [open_mouth(FACE, 12)]) == [ChallengeStep("open_mouth", True, 1, 2)]
    assert check.verdict is True


def test_narrow_eyes_blink_is_judged_against_their_own_baseline():
    narrow = close_eyes(FACE, 0.6)  # open eyes at 40 % of the demo face's: below any fixed threshold
    check = LandmarkLiveness()
    check.begin(("blink",))
    run(check, baseline(narrow) + [close_eyes(narrow, 0.8), narrow])
    assert check.verdict is True


def test_half_closing_is_not_a_blink():
    check = LandmarkLiveness()
    check.begin(("blink",))
    run(check, baseline() + [close_eyes(FACE, 0.3), FACE] * 3)
    assert check.verdict is None


@pytest.mark.parametrize("asked, shift, done", [("turn_left", 14, True), ("turn_right", -14, True), ("turn_left", -14, False), ("turn_right", 14, False)])
def test_turn_must_go_the_asked_way(asked, shift, done):
    """The citizen's left is image right in an unmirrored frame: the nose moves to larger x."""
    check = LandmarkLiveness()
    check.begin((asked,))
    run(check, baseline() + [turn(FACE, shift)])
    assert check.verdict is (True if done else None)


@pytest.mark.parametrize("action", ["blink", "open_mouth", "turn_left", "turn_right"])
@pytest.mark.parametrize("sx, sy", [(0.5, 1.0), (1.0, 0.5), (0.6, 0.6)])
def test_turning_or_tilting_a_flat_photo_performs_no_action(action, sx, sy):
    check = LandmarkLiveness()
    check.begin((action,))
    run(check, baseline() + [squash(FACE, sx, sy), FACE, squash(FACE, sx, sy), FACE])
    assert check.verdict is None


def test_identical_frames_are_a_replayed_still():
    check = LandmarkLiveness()
    check.begin(("blink", "open_mouth"))
    still = Frames()()
    run(check, [FACE] * 7, frames=lambda: still)
    assert check.verdict is None
    run(check, [FACE], frames=lambda: still)
    assert check.verdict is False


def test_a_slow_worker_judges_on_capture_time_not_frame_counts():
    """At 5 judged frames a second the baseline and a replayed still take as long as at 30, not six times longer."""
    check = LandmarkLiveness()
    check.begin(("blink",))
    assert run(check, baseline(n=3), fps=5) == [ChallengeStep("blink", False, 0, 1)]
    still = Frames()()
    check = LandmarkLiveness()
    check.begin(("blink",))
    run(check, [FACE] * 3, frames=lambda: still, fps=5)
    assert check.verdict is False  # 0.4 s of identical crops


def test_a_fast_burst_of_identical_frames_is_not_yet_a_still():
    """Three identical frames within a tenth of a second (a camera repeating a frame) are not a replay."""
    check = LandmarkLiveness()
    check.begin(("blink",))
    still = Frames()()
    run(check, [FACE] * 3, frames=lambda: still, fps=30)
    assert check.verdict is None


def test_camera_noise_is_not_a_still():
    check = LandmarkLiveness()
    check.begin(("blink",))
    still = Frames()().astype(np.int16)
    rng = np.random.default_rng(2)
    noisy = lambda: np.clip(still + rng.normal(0, 2, still.shape), 0, 255).astype(np.uint8)  # noqa: E731
    run(check, [FACE] * 30, frames=noisy)
    assert check.verdict is None


def test_random_challenge_is_two_distinct_kinds_of_action():
    rng = random.Random(4)
    seen = set()
    for _ in range(200):
        challenge = random_challenge(rng)
        kinds = {a.split("_")[0] for a in challenge}
        assert len(challenge) == 2 and len(kinds) == 2 and set(challenge) <= set(ACTIONS)
        seen.add(challenge)
    assert len(seen) == 10  # 3 pairs of kinds, 2 orders, a turn going either way


def test_parse_challenge():
    assert parse_challenge("blink, open_mouth") == ("blink", "open_mouth")
    for bad in ("", "blink,blink", "wink", "blink,smile"):
        with pytest.raises(ValueError):
            parse_challenge(bad)
