"""The outbox benchmark measures deliveries, not refusals."""
from __future__ import annotations

import re

from benchmarks.outbox import main


def test_every_submission_the_benchmark_sends_is_delivered_with_its_effect(tmp_path, capsys):
    """It sent one example body over and over; once the reference backend refused a signature used
    twice, its delivery rate and its drain after an outage counted refusals (1 of 5,000 delivered)."""
    assert main(["--count", "20", "--outage-s", "1", "--backlog", "30", "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"\(20 in [0-9.]+ s, 20 effects at the backend", out), out
    assert "(30 delivered;" in out, out
