"""Receipt printer: time to lay out and encode a typical receipt (target: under 50 ms).

    python -m benchmarks.printer [--runs 200]

The typical receipt is a tax record summary: title, four key-value lines, a 12-row table, a
total, a note, a QR code. Figures per profile and text mode: median and 95th percentile of
``ReceiptEncoder.encode`` (layout included), after one warm-up call; the first call of a process
(fonts loaded, glyph cache empty) is shown apart. The last line times a whole job through the
driver to the virtual printer over TCP (status queries, chunks, completion, rendering).
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path

from common.events import EventBus

from drivers.printer import raster
from kiosk import receipts as templates
from drivers.printer.driver import PrinterDriver
from drivers.printer.encoder import ReceiptEncoder
from drivers.printer.profile import PrinterProfile
from drivers.printer.receipt import Origin, Receipt
from drivers.printer.sim import VirtualPrinter


def typical_receipt() -> Receipt:
    return templates.tax_record_summary(
        Origin("天河区24小时智慧政务大厅", "DEMO-0001", datetime(2024, 6, 15, 14, 3, 5)),
        receipt_no="TX2024061500123", id_number="440582199001010014", years=(2021, 2023),
        rows=[(f"2023-{m:02d}", "个人所得税（工资薪金）", f"{m * 123.45:.2f}") for m in range(1, 13)],
        total="9628.10", gettext=lambda s: s)


def timings(func, runs: int) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    receipt = typical_receipt()
    print(f"layout + encode of a typical receipt, {args.runs} runs (target < 50 ms)")
    for mode in ("gb18030", "raster"):
        for width in (58, 80):
            encoder = ReceiptEncoder(PrinterProfile.standard(width, text_mode=mode))
            raster.glyph.cache_clear()
            start = time.perf_counter()
            size = len(encoder.encode(receipt))
            first = (time.perf_counter() - start) * 1000
            median, p95 = timings(lambda: encoder.encode(receipt), args.runs)
            print(f"  {mode:8} {width} mm: median {median:6.2f} ms  p95 {p95:6.2f} ms  "
                  f"first call {first:6.1f} ms  {size:6d} bytes")
    with tempfile.TemporaryDirectory() as tmp, VirtualPrinter(Path(tmp) / "out") as printer:
        driver = PrinterDriver(printer.url, PrinterProfile.standard(80), EventBus(), Path(tmp) / "j.sqlite3")
        counter = iter(range(10**9))
        median, p95 = timings(lambda: driver.print_job(f"job-{next(counter)}", receipt), 30)
        driver.close()
    print(f"whole job to the virtual printer over TCP (80 mm, gb18030), 30 runs: "
          f"median {median:.1f} ms  p95 {p95:.1f} ms")


if __name__ == "__main__":
    main()
