"""Outbox benchmarks: durable enqueue latency and delivery throughput to the local reference backend.

    python -m benchmarks.outbox [--count 1000] [--dir DIR]

1. Enqueue: ``--count`` residence registrations (about 500 bytes of JSON each) stored one by one in a
   fresh outbox (contract check, AES-GCM, one WAL transaction with ``synchronous=FULL`` each); the
   latency of each ``enqueue()`` call, as the citizen waits for it.
2. Delivery: the reference backend runs in its own process (no faults); a ``Sender`` in this process
   delivers everything enqueued, one request at a time over a kept-alive connection, each
   acknowledged submission deleted and audited in its own durable transaction.
3. Enqueue while the sender delivers (both write to the same file), as on a busy kiosk.
4. Recovery after an outage (``--outage-s``, ``--backlog``): the sender runs while the reference
   backend is down; ``--backlog`` submissions are enqueued, evenly spread over the outage (the
   citizens' enqueue latency is measured meanwhile, and how many requests the sender sent to the
   dead backend); then the backend comes back on the same port and the time until the outbox is
   empty is measured. Targets: enqueue p99 under 20 ms during the outage; the backlog drained
   within 60 s of the backend's return.

The outbox lives in ``--dir`` (default: a temporary folder under ``var/``, i.e. the disk the kiosk
writes to; fsync cost depends on it). Targets: enqueue p99 under 20 ms; at least 100 deliveries/s.
"""
from __future__ import annotations

import argparse
import shutil
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path

from backend_sim import launch
from backend_sim.examples import example
from kiosk.backends import Backends, Endpoint, Transport
from kiosk.backends.errors import DEPARTMENTS
from kiosk.config import REPO_ROOT
from kiosk.outbox import Outbox, Sender

SERVICE = "registration.register_residence"


def _percentile(sorted_ms: list[float], p: float) -> float:
    return sorted_ms[min(len(sorted_ms) - 1, max(0, round(p / 100 * len(sorted_ms)) - 1))]


def enqueue_latency(outbox: Outbox, count: int) -> list[float]:
    samples = []
    for _ in range(count):
        body = example(SERVICE)  # signed anew: the backend refuses a signature used twice
        start = time.perf_counter()
        outbox.enqueue(SERVICE, body)
        samples.append((time.perf_counter() - start) * 1000)
    return sorted(samples)


def _backends(base_url: str) -> Backends:
    return Backends({d: Transport(Endpoint(d, base_url)) for d in DEPARTMENTS})


def delivery_rate(outbox: Outbox, base_url: str) -> tuple[int, float]:
    backends = _backends(base_url)
    sender = Sender(outbox, backends.submit)
    pending = outbox.status().pending
    start = time.perf_counter()
    sender.run(until_empty=True)
    elapsed = time.perf_counter() - start
    backends.close()
    return pending - outbox.status().pending, elapsed


def enqueue_while_delivering(outbox: Outbox, base_url: str, count: int) -> list[float]:
    backends = _backends(base_url)
    sender = Sender(outbox, backends.submit)
    sender.start()
    samples = enqueue_latency(outbox, count)
    sender.stop()
    backends.close()
    return samples


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def recovery_after_outage(work: Path, outage_s: float, backlog: int) -> tuple[list[float], int, float, int]:
    """(enqueue latencies during the outage, requests sent to the dead backend, seconds from the
    backend's return to an empty outbox, submissions delivered)."""
    outbox = Outbox(work / "outage.db", work / "outage.key", "BENCH-02")
    port = _free_port()
    backends = _backends(f"http://127.0.0.1:{port}")
    sender = Sender(outbox, backends.submit)  # the configuration's defaults: retry_initial_s 2, retry_max_s 300
    sender.start()
    samples = []
    pause = threading.Event()
    started = time.perf_counter()
    for i in range(backlog):
        body = example(SERVICE)  # signed anew: the backend refuses a signature used twice
        pause.wait(max(0.0, started + outage_s * i / backlog - time.perf_counter()))  # citizens arrive evenly
        begin = time.perf_counter()
        outbox.enqueue(SERVICE, body)
        samples.append((time.perf_counter() - begin) * 1000)
    pause.wait(max(0.0, started + outage_s - time.perf_counter()))
    dead_requests = outbox.store.read("SELECT coalesce(sum(attempts), 0) FROM submission")[0][0]
    with launch(work / "outage-backend", port=port):
        returned = time.perf_counter()
        while outbox.status().pending:
            pause.wait(0.05)
        drained = time.perf_counter() - returned
    sender.stop()
    delivered = outbox.status().delivered
    backends.close()
    outbox.close()
    return sorted(samples), dead_requests, drained, delivered


def _summary(ms: list[float]) -> str:
    return (f"median {statistics.median(ms):.2f} ms, p99 {_percentile(ms, 99):.2f} ms, max {ms[-1]:.2f} ms "
            f"(n={len(ms)}; target p99 < 20 ms)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.outbox", description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="submissions to enqueue and deliver")
    parser.add_argument("--dir", type=Path, default=None, help="where the outbox and the backend's data go")
    parser.add_argument("--outage-s", type=float, default=90.0, help="how long the backend is down in part 4")
    parser.add_argument("--backlog", type=int, default=5000, help="submissions enqueued during the outage")
    args = parser.parse_args(argv)
    (REPO_ROOT / "var").mkdir(exist_ok=True)
    work = args.dir or Path(tempfile.mkdtemp(prefix="bench-outbox-", dir=REPO_ROOT / "var"))
    try:
        outbox = Outbox(work / "outbox.db", work / "outbox.key", "BENCH-01")
        print(f"enqueue (durable, encrypted): {_summary(enqueue_latency(outbox, args.count))}")
        with launch(work / "backend") as sim:
            delivered, seconds = delivery_rate(outbox, sim.base_url)
            effects = sim.submissions()["effects"]["applications"]
            print(f"delivery to the local reference backend: {delivered / seconds:.0f} submissions/s "
                  f"({delivered} in {seconds:.2f} s, {effects} effects at the backend; target >= 100/s)")
            busy = enqueue_while_delivering(outbox, sim.base_url, args.count)
            print(f"enqueue while the sender delivers: {_summary(busy)}")
        outbox.close()
        during, dead, drained, delivered = recovery_after_outage(work, args.outage_s, args.backlog)
        print(f"enqueue during a {args.outage_s:g} s outage, sender running: {_summary(during)}")
        print(f"requests sent to the dead backend during the outage: {dead} "
              f"({dead / args.outage_s:.2f} per second)")
        print(f"backlog of {args.backlog} drained {drained:.1f} s after the backend's return "
              f"({delivered} delivered; target < 60 s)")
    finally:
        if args.dir is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
