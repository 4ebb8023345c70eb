"""On-screen keyboard: pinyin dictionary load (a worker thread, while the citizen reads the form),
its memory, and the time from a key touch to the candidate words (on the UI thread; target: under
10 ms so typing never lags a frame).

    python -m benchmarks.pinyin [--runs 20]

Every prefix of a set of typical inputs (names, roads, districts) is looked up ``--runs`` times;
the figures are the median and 99th percentile per lookup.
"""
from __future__ import annotations

import argparse
import resource
import statistics
import time

from kiosk.pinyin_ime import PinyinIme

TYPED = ["linxiaomin", "tianhequ", "tiyuxilu", "guangzhou", "shipaijiedao", "zhangsan", "chen", "wang",
         "longkouxilu", "huangpu", "shi", "zhongshanda", "lv", "xiaomaibu"]


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.pinyin", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)
    ime = PinyinIme()
    before = _rss_mb()
    t0 = time.perf_counter()
    ime.load()
    print(f"dictionary load: {time.perf_counter() - t0:.2f} s, peak resident memory +{_rss_mb() - before:.0f} MB")
    times = []
    for _ in range(args.runs):
        for typed in TYPED:
            for end in range(1, len(typed) + 1):
                t = time.perf_counter()
                ime.candidates(typed[:end])
                times.append((time.perf_counter() - t) * 1000)
    times.sort()
    print(f"candidates per key touch ({len(times)} lookups): median {statistics.median(times):.2f} ms, "
          f"p99 {times[int(len(times) * 0.99)]:.2f} ms, worst {times[-1]:.2f} ms (target < 10 ms)")


if __name__ == "__main__":
    main()
