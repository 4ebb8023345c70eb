"""Fleet benchmark: simulated kiosk update clients polling one repository on 127.0.0.1.

    python -m benchmarks.fleet [--kiosks 1000] [--interval 30] [--jitter 0.5] [--workers 16] [--limit 300]

The repository is served by ``python -m fleet serve`` in its own process (a static file server,
as in production). Each simulated kiosk is the production update client (``kiosk.remote``:
python-tuf's ngclient verifying signatures, versions, expiry and hashes, then content validation)
with its own trusted-metadata directory; ``--workers`` threads run the kiosks' checks, each kiosk
polling every ``--interval`` seconds times a random factor in [1 - jitter, 1 + jitter].

1. Start: every kiosk takes the current settings (its first check).
2. A change for every terminal: seconds from publication until 99 % (and 100 %) have applied it.
3. A staged rollout to 10 % of the terminals: after every kiosk has checked again, exactly the
   terminals of the cohort (computed independently from ``kiosk.remote.index.Cohort``) have it.

Printed: the figures, the repository's request rate during the run and extrapolated to the
production interval (300 s), and the cost per kiosk (client CPU per check, requests and bytes).
Bounded: ``--kiosks`` clients, each phase at most ``--limit`` seconds.
"""
from __future__ import annotations

import argparse
import heapq
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
from tuf.ngclient import Urllib3Fetcher

from fleet.repository import FleetRepository
from kiosk.config import REPO_ROOT
from kiosk.remote.client import RepositoryUnreachable, UpdateClient, UpdateRejected
from kiosk.remote.content import validate
from kiosk.remote.index import Cohort

ANNOUNCEMENT = ('[[announcement]]\nid = "a{n}"\nstarts = 2026-01-01T00:00:00+08:00\n'
                'ends = 2036-01-01T00:00:00+08:00\ntext = {{ zh_CN = "通知{n}", zh_HK = "通知{n}", en = "Notice {n}" }}\n')


class CountingFetcher(Urllib3Fetcher):
    """The default fetcher, counting requests and bytes."""

    def __init__(self) -> None:
        super().__init__()
        self.requests = 0
        self.bytes = 0
        self._lock = threading.Lock()

    def _fetch(self, url):
        with self._lock:
            self.requests += 1
        for chunk in super()._fetch(url):
            with self._lock:
                self.bytes += len(chunk)
            yield chunk


class SimKiosk:
    def __init__(self, terminal_id: str, client: UpdateClient) -> None:
        self.terminal_id, self.client = terminal_id, client
        self.applied: dict[str, int] = {}
        self.applied_at: dict[tuple[str, int], float] = {}
        self.checks = 0
        self.errors = 0

    def check(self) -> None:
        self.checks += 1
        try:
            for item in self.client.check(self.applied):
                validate(item.kind, item.version, item.data, lambda _s: None)
                self.applied[item.kind] = item.version
                self.applied_at[(item.kind, item.version)] = time.monotonic()
        except (UpdateRejected, RepositoryUnreachable):
            self.errors += 1


class Fleet:
    """Runs the kiosks' polls on ``workers`` threads until stopped."""

    def __init__(self, kiosks: list[SimKiosk], interval: float, jitter: float, workers: int, seed: int = 1) -> None:
        self.kiosks, self.interval, self.jitter = kiosks, interval, jitter
        self.rng = random.Random(seed)
        now = time.monotonic()
        # First checks spread over one interval, as kiosks started at different times.
        self.heap = [(now + self.rng.uniform(0, interval), i) for i in range(len(kiosks))]
        heapq.heapify(self.heap)
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.cpu_s = 0.0
        self.threads = [threading.Thread(target=self._work, daemon=True) for _ in range(workers)]

    def start(self) -> None:
        for t in self.threads:
            t.start()

    def _work(self) -> None:
        while not self.stop.is_set():
            with self.lock:
                due, i = heapq.heappop(self.heap)
            wait = due - time.monotonic()
            if wait > 0 and self.stop.wait(wait):
                return
            start = time.thread_time()
            self.kiosks[i].check()
            spent = time.thread_time() - start
            with self.lock:
                self.cpu_s += spent
                heapq.heappush(self.heap, (time.monotonic() + self.interval * self.rng.uniform(
                    1 - self.jitter, 1 + self.jitter), i))

    def halt(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(30)


def wait_until(condition, limit_s: float) -> float | None:
    start = time.monotonic()
    pause = threading.Event()
    while time.monotonic() - start < limit_s:
        if condition():
            return time.monotonic() - start
        pause.wait(0.05)
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kiosks", type=int, default=1000)
    parser.add_argument("--interval", type=float, default=30.0, help="seconds between a kiosk's checks")
    parser.add_argument("--jitter", type=float, default=0.5)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--limit", type=float, default=300.0, help="seconds allowed for each phase")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="fleet-bench-", dir=REPO_ROOT / "var" if (REPO_ROOT / "var").is_dir() else None))
    port = free_port()
    server = None
    try:
        repo = FleetRepository.init(work / "repo", work / "root.pem")
        repo.publish("announcements", ANNOUNCEMENT.format(n=1).encode())
        server = subprocess.Popen([sys.executable, "-m", "fleet", "--repo", str(repo.directory), "serve",
                                   "--port", str(port)], cwd=REPO_ROOT, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL)
        server.stdout.readline()  # "serving ..."
        server_proc = psutil.Process(server.pid)
        url = f"http://127.0.0.1:{port}"
        root = (repo.metadata_dir / "1.root.json").read_bytes()
        fetcher = CountingFetcher()
        kiosks = [SimKiosk(f"GZ-{i:05d}", UpdateClient(url, root, work / "k" / str(i) / "metadata",
                                                       work / "k" / str(i) / "staging", f"GZ-{i:05d}", fetcher))
                  for i in range(args.kiosks)]
        fleet = Fleet(kiosks, args.interval, args.jitter, args.workers)
        n = len(kiosks)
        print(f"{n} kiosks polling every {args.interval:g} s ± {args.jitter * 100:g} % with {args.workers} "
              f"worker threads; repository on {url} (its own process)")

        t0 = time.monotonic()
        fleet.start()
        took = wait_until(lambda: all(k.applied.get("announcements") == 1 for k in kiosks), args.limit)
        print(f"start: every kiosk took version 1 in {took:.1f} s" if took else "start: not every kiosk took version 1")

        published = time.monotonic()
        repo.publish("announcements", ANNOUNCEMENT.format(n=2).encode())
        took99 = wait_until(lambda: sum(k.applied.get("announcements") == 2 for k in kiosks) >= 0.99 * n, args.limit)
        took100 = wait_until(lambda: all(k.applied.get("announcements") == 2 for k in kiosks), args.limit)
        if took99 is not None:
            print(f"change for all: 99 % applied {took99:.1f} s after publication, 100 % after "
                  f"{(time.monotonic() - published):.1f} s" if took100 is not None else "100 % not reached")
        else:
            print("change for all: 99 % not reached within the limit")

        staged = repo.publish("hours", b'timezone = "Asia/Shanghai"\n', Cohort(percent=10, seed="hours-bench"))
        cohort = {k.terminal_id for k in kiosks if staged.cohort.includes(k.terminal_id)}
        checks_at = {k.terminal_id: k.checks for k in kiosks}
        # Every kiosk checks at least twice more (a check in flight at publication may have missed it).
        wait_until(lambda: all(k.checks >= checks_at[k.terminal_id] + 2 for k in kiosks), args.limit)
        got = {k.terminal_id for k in kiosks if k.applied.get("hours") == staged.version}
        print(f"staged rollout to 10 %: cohort {len(cohort)} terminals, applied by {len(got)}; "
              f"exactly the cohort: {got == cohort}")

        elapsed = time.monotonic() - t0
        checks, errors = sum(k.checks for k in kiosks), sum(k.errors for k in kiosks)
        print(f"run with changes: {elapsed:.0f} s, {checks} checks ({errors} failed), {fetcher.requests} requests "
              f"({fetcher.requests / elapsed:.0f}/s), {fetcher.bytes / 1e6:.1f} MB, "
              f"{fleet.cpu_s / checks * 1000:.1f} ms client CPU per check on average")

        # Steady state: one interval with nothing new, what a fleet costs day to day.
        before = (time.monotonic(), sum(k.checks for k in kiosks), fetcher.requests, fetcher.bytes, fleet.cpu_s,
                  server_proc.cpu_times())
        threading.Event().wait(args.interval)
        after = (time.monotonic(), sum(k.checks for k in kiosks), fetcher.requests, fetcher.bytes, fleet.cpu_s,
                 server_proc.cpu_times())
        fleet.halt()
        span, idle_checks = after[0] - before[0], after[1] - before[1]
        requests, volume, cpu = after[2] - before[2], after[3] - before[3], after[4] - before[4]
        server_cpu = sum(after[5][:2]) - sum(before[5][:2])
        print(f"steady state ({span:.0f} s, nothing new): repository {requests / span:.0f} requests/s, "
              f"{volume / span / 1e3:.0f} kB/s, server CPU {server_cpu / span * 100:.0f} % of one core; "
              f"at the production interval (300 s): {requests / span * args.interval / 300:.1f} requests/s")
        print(f"cost per kiosk: {cpu / idle_checks * 1000:.1f} ms client CPU, {requests / idle_checks:.2f} requests and "
              f"{volume / idle_checks / 1e3:.2f} kB per check with nothing new; at 300 s: "
              f"{cpu / idle_checks * 288:.1f} CPU-seconds and {volume / idle_checks * 288 / 1e6:.2f} MB a day")
        return 0 if took99 is not None and got == cohort else 1
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
