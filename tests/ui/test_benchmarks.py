"""The benchmarks whose figures the docs quote still run against today's journeys.

The journey benchmark walks a service step by step; when the tax records service gained its
"issue the record" step, the benchmark stopped at it and nobody noticed until it was run again.
"""
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.ui

ROOT = Path(__file__).resolve().parents[2]


def test_the_journey_benchmark_walks_the_tax_records_service_to_the_end():
    result = subprocess.run([sys.executable, "-m", "benchmarks.journey", "--journeys", "2"], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "journeys: 2, of which 0 ended in the counter route" in result.stdout
    assert "card placed -> records on screen: median" in result.stdout
