"""Technician mode benchmarks: how long a PIN check takes (scrypt, on purpose), and a calibration write.

    python -m benchmarks.technician [--count 20]

1. PIN check: ``verify_pin`` with the kiosk's scrypt cost (N=2**14, r=8, p=1): the cost a guesser
   pays per try, and the wait a technician sees after OK (it runs in a worker thread).
2. Calibration write: one ``Calibration.change`` (validation of every layer, temporary file, fsync,
   rename, folder fsync) in a temporary folder under ``var/`` (the disk the kiosk writes to).
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from kiosk.config import REPO_ROOT, load_settings
from kiosk.technician.calibration import Calibration
from kiosk.technician.pin import hash_pin, verify_pin


def _median_ms(fn, count: int) -> float:
    times = []
    for _ in range(count):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.technician", description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20)
    args = parser.parse_args(argv)
    stored = hash_pin("246810")
    print(f"PIN check (scrypt N=2**14): {_median_ms(lambda: verify_pin('135790', stored), args.count):.1f} ms median")
    (REPO_ROOT / "var").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=REPO_ROOT / "var", prefix="bench-technician-") as tmp:
        site = Path(tmp) / "site.toml"
        site.write_text(f'[paths]\ncalibration_file = "{tmp}/calibration.toml"\nremote_file = "{tmp}/r.toml"\n')
        calibration = Calibration(load_settings(site))
        values = iter(range(10**6))
        write = lambda: calibration.change({"printer": {"density_percent": 70 + 5 * (next(values) % 13)}})  # noqa: E731
        print(f"calibration write (validate, fsync, rename): {_median_ms(write, args.count):.1f} ms median")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
