"""ID card reader benchmarks: driver overhead per card and the CPU cost of idle polling.

    python -m benchmarks.idcard [--reads 50] [--idle-seconds 10]

1. Placement to parsed card, with the simulator answering instantly (so only the driver's own work
   and the pty round trips are measured): the supervisor polls every millisecond, and the time from
   ``place()`` to the ``card_placed`` event is taken over ``--reads`` placements. Also the bare
   reader sequence (find, select, read, parse) without the supervisor.
2. Idle polling: the simulator runs in a separate process, the supervisor here polls at the
   configured default interval with no card; CPU time of this process over ``--idle-seconds``.

Targets: overhead under 20 ms per read; idle polling under 1 % of one core.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import threading
import time

from drivers.idcard.card import parse_card
from drivers.idcard.reader import connect
from drivers.idcard.sim import SimulatedReader
from drivers.idcard.supervisor import CARD_PLACED, CARD_REMOVED, ReaderSupervisor
from drivers.idcard.settings import IdCardSettings
from common.events import EventBus


def _summary(samples_s: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples_s)
    p95 = ms[min(len(ms) - 1, round(0.95 * len(ms)) - 1)]
    return f"median {statistics.median(ms):.2f} ms, p95 {p95:.2f} ms, max {ms[-1]:.2f} ms (n={len(ms)})"


def placement_to_card(reads: int) -> list[float]:
    sim = SimulatedReader(realistic_delays=False)
    sim.start()
    bus = EventBus()
    arrived = {CARD_PLACED: threading.Event(), CARD_REMOVED: threading.Event()}
    bus.subscribe(lambda e: arrived[e.kind].set(), kinds=set(arrived))
    supervisor = ReaderSupervisor(sim.port, 0, 0.001, bus, None)
    supervisor.start()
    samples = []
    try:
        for _ in range(reads):
            arrived[CARD_PLACED].clear()
            arrived[CARD_REMOVED].clear()
            start = time.perf_counter()
            sim.place("resident")
            if not arrived[CARD_PLACED].wait(5):
                raise RuntimeError("no card_placed within 5 s")
            samples.append(time.perf_counter() - start)
            sim.remove()
            if not arrived[CARD_REMOVED].wait(5):
                raise RuntimeError("no card_removed within 5 s")
    finally:
        supervisor.stop()
        sim.stop()
    return samples


def bare_read(reads: int) -> list[float]:
    sim = SimulatedReader(realistic_delays=False)
    port = sim.start()
    reader = connect(port)
    samples = []
    try:
        sim.place("resident")
        for _ in range(reads):
            start = time.perf_counter()
            if not (reader.find() and reader.select()):
                raise RuntimeError("the simulator lost the card")
            blocks = reader.read()
            parse_card(blocks.text, blocks.photo)
            samples.append(time.perf_counter() - start)
    finally:
        reader.close()
        sim.stop()
    return samples


def idle_cpu(seconds: float, poll_interval_s: float) -> tuple[float, int]:
    """Percent of one core used by this process while the supervisor polls an empty reader, and the polls."""
    sim = subprocess.Popen([sys.executable, "-m", "drivers.idcard.sim", "--fast"], stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        port = sim.stdout.readline().strip()
        bus = EventBus()
        online = threading.Event()
        bus.subscribe(lambda e: e.payload.state.value == "online" and online.set(), kinds={"status"})
        supervisor = ReaderSupervisor(port, 0, poll_interval_s, bus, None)
        supervisor.start()
        if not online.wait(10):
            raise RuntimeError("the reader did not come online")
        polls0, cpu0, wall0 = supervisor.counters["polls"], time.process_time(), time.perf_counter()
        threading.Event().wait(seconds)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        polls = supervisor.counters["polls"] - polls0
        supervisor.stop()
        return 100 * cpu / wall, polls
    finally:
        sim.communicate("quit\n", timeout=10)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.idcard", description=__doc__.split("\n")[0])
    parser.add_argument("--reads", type=int, default=50)
    parser.add_argument("--idle-seconds", type=float, default=10.0)
    args = parser.parse_args(argv)
    interval = IdCardSettings().poll_interval_s
    print(f"placement -> card_placed (supervisor, sim delays 0): {_summary(placement_to_card(args.reads))}")
    print(f"find+select+read+parse (reader only, sim delays 0):  {_summary(bare_read(args.reads))}")
    percent, polls = idle_cpu(args.idle_seconds, interval)
    print(f"idle polling every {interval} s for {args.idle_seconds:g} s ({polls} polls): {percent:.2f} % of one core")


if __name__ == "__main__":
    main()
