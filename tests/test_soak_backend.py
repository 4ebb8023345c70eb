"""The soak's reference backend, restarted after a fault, answers as it did before the fault."""
from __future__ import annotations

from types import SimpleNamespace

from backend_sim import launch
from benchmarks.soak import Soak


def _latency(sim) -> str:
    args = sim.process.args
    return args[args.index("--latency-ms") + 1]


def test_a_backend_restarted_healthy_keeps_the_configured_latency(tmp_path):
    """It came back with no latency at all (launch's default), so after the first backend fault the
    soak's journeys ran against a faster backend than the kiosk's embedded one (200 ms)."""
    sim = launch(tmp_path, latency_ms=200)
    soak = SimpleNamespace(backends=SimpleNamespace(sim=sim), healthy={"latency_ms": 200})
    try:
        Soak._restart_backend(soak, latency_ms=4000)  # "backend slow"
        assert _latency(sim) == "4000"
        Soak._restart_backend(soak)  # the fault ends
        assert _latency(sim) == "200"
        assert sim.process.poll() is None
    finally:
        sim.process.kill()
        sim.process.wait()
