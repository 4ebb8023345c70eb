"""Proposed zones from distance distributions, and the honest statement of what the data supports."""
import numpy as np

from drivers.face.calibration import Distances, error_rate_curve, error_rates, propose
from face_helpers import FIXTURES, needs_fixtures


def data(genuine, impostor):
    return Distances(list(genuine), list(impostor), 0, "test")


def test_with_no_false_accept_the_accept_line_stays_below_every_impostor_and_the_bound_is_3_over_n():
    rng = np.random.default_rng(1)
    genuine, impostor = rng.uniform(0.3, 0.5, 40), rng.uniform(0.6, 1.0, 100)
    proposal = propose(data(genuine, impostor), target_far=0.001)
    assert proposal.accept_distance < impostor.min()
    assert proposal.reject_distance >= np.quantile(genuine, 0.99) - 1e-9
    text = "\n".join(proposal.lines)
    assert "0 false accepts in 100 impostor pairs bounds the false accept rate at about 3/100 = 3%" in text
    assert "NOT shown: that needs at least 3000 impostor pairs" in text


def test_enough_impostor_pairs_support_the_target():
    rng = np.random.default_rng(2)
    genuine, impostor = rng.normal(0.45, 0.05, 500), rng.normal(0.85, 0.1, 10000)
    proposal = propose(data(genuine, impostor), target_far=0.001)
    far, _ = error_rates(list(genuine), list(impostor), proposal.accept_distance)
    assert far <= 0.001
    assert not any("NOT shown" in line for line in proposal.lines)


def test_overlapping_distributions_keep_false_accepts_within_the_target_at_the_cost_of_genuine_citizens():
    rng = np.random.default_rng(3)
    genuine, impostor = rng.normal(0.5, 0.08, 1000), rng.normal(0.6, 0.08, 5000)
    proposal = propose(data(genuine, impostor), target_far=0.01)
    far, frr = error_rates(list(genuine), list(impostor), proposal.accept_distance)
    assert far <= 0.01 and frr > 0.5  # a weak recognizer: most citizens are asked again, none let through


def test_the_det_curve_counts_exactly_what_each_threshold_accepts_and_rejects():
    """The curve counts in sorted distances (one threshold at a time took minutes for 86,000 pairs):
    ties at a threshold count as accepted, exactly as the kiosk accepts at or below the line."""
    rng = np.random.default_rng(4)
    genuine, impostor = rng.normal(0.45, 0.1, 300).round(2), rng.normal(0.8, 0.1, 2000).round(2)
    thresholds = np.unique(np.concatenate([genuine, impostor, [-1.0, 9.0]]))
    far, frr = error_rate_curve(genuine, impostor, thresholds)
    for t, a, r in zip(thresholds, far, frr):
        assert a == np.mean(impostor <= t) and r == np.mean(genuine > t)
    assert (far[0], frr[0], far[-1], frr[-1]) == (0, 1, 1, 0)


def test_info_says_which_recognizer_runs_and_what_its_zones_were_measured_on(capsys):
    import json

    from drivers.face.__main__ import main

    assert main(["info"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["recognizer"] == "sface" and info["accept_distance"] < info["reject_distance"]
    assert "East-Asian" in info["measured_on"]


@needs_fixtures
def test_the_accuracy_benchmark_puts_the_old_defaults_and_the_shipped_ones_in_one_table(tmp_path, capsys):
    """Before (dlib, first frame in colour, 0.45 / 0.60) and after (the shipped recognizer and method)
    for the same photos and frames."""
    from benchmarks.face_accuracy import main

    for person in ("obama", "biden"):
        (tmp_path / person).symlink_to(FIXTURES / "western" / person)
    assert main([str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "recognizer sface" in out
    before = next(line for line in out.splitlines() if line.startswith("before: dlib, first frame, colour"))
    after = next(line for line in out.splitlines() if line.startswith("after: median of 3, grey, configured"))
    assert "0.450 / 0.600" in before and "0.460 / 0.654" in after
    assert " 0 of " in after.split("|")[2]  # no impostor accepted
