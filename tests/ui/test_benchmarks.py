"""The benchmarks whose figures the docs quote still run against today's journeys.

The journey benchmark walks a service step by step; when the tax records service gained its
"issue the record" step, the benchmark stopped at it and nobody noticed until it was run again.
"""
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

pytestmark = pytest.mark.ui

ROOT = Path(__file__).resolve().parents[2]


def test_the_journey_benchmark_walks_the_tax_records_service_to_the_end():
    result = subprocess.run([sys.executable, "-m", "benchmarks.journey", "--journeys", "2"], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "journeys: 2, of which 0 ended in the counter route" in result.stdout
    assert "card placed -> records on screen: median" in result.stdout


def test_the_soak_walks_every_service_to_the_end_and_loses_nothing():
    """The soak's figures stand on its generic citizen walking every service: one it could not
    walk (the endorsement, while it typed the example permit number) was left out of the day
    without a word. Its warm-up walks each service once, or twice if need be."""
    from kiosk.catalog import load_catalog

    result = subprocess.run([sys.executable, "-m", "benchmarks.soak", "--sessions", "21", "--warmup", "2"],
                            cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    walks = re.search(r"^warm-up walks: (.*)$", result.stdout, re.M).group(1).split("; ")
    completed = {walk.split(" ", 1)[0] for walk in walks if " completed" in walk}
    assert completed == {s.id for s in load_catalog() if s.plan is not None}, walks
    assert re.search(r"still pending 0, refused 0, lost 0; .* duplicated 0$", result.stdout, re.M), result.stdout


def test_sigterm_stops_a_benchmark_and_the_processes_it_started():
    """A benchmark drives the app's loop itself: on SIGTERM it kept driving a stopped app until
    killed, and its reference backend and face worker stayed behind."""
    bench = subprocess.Popen([sys.executable, "-m", "benchmarks.journey", "--journeys", "50"], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        process, deadline = psutil.Process(bench.pid), time.monotonic() + 120
        while not _backend_and_worker(process.children(recursive=True)):
            assert bench.poll() is None and time.monotonic() < deadline, "the benchmark did not start its processes"
            time.sleep(0.2)
        children = process.children(recursive=True)
        bench.send_signal(signal.SIGTERM)
        _out, err = bench.communicate(timeout=60)
    finally:
        bench.kill()
    assert "benchmark stopped by SIGTERM" in err, err[-2000:]
    _gone, alive = psutil.wait_procs(children, timeout=30)
    assert not alive, [p.cmdline() for p in alive]


def _backend_and_worker(children: list[psutil.Process]) -> bool:
    try:
        lines = [" ".join(child.cmdline()) for child in children]
    except psutil.NoSuchProcess:
        return False
    return any("backend_sim" in line for line in lines) and any("multiprocessing" in line for line in lines)
