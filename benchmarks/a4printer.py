"""A4 printer: time to render an official record as PDF, and a whole job to the virtual printer.

    python -m benchmarks.a4printer [--runs 5]

The document is a one-page 个人所得税纳税记录 (heading, title, subtitle, six fields, the
verification code, a 24-row table, a total, three notes, the QR code) and the same with 60 rows
(two pages). Figures: median and worst of ``render_pdf`` (fpdf2 parses the 16 MB Noto Sans CJK
face, lays the page out, subsets and embeds the glyphs used), and of ``A4PrinterDriver.print_job``
to the virtual printer over TCP (render, status, PJL job, the printer's "printed"), with the PDF size.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path

from common.events import EventBus
from drivers.a4printer.driver import A4PrinterDriver
from drivers.a4printer.page import render_pdf
from drivers.a4printer.sim import VirtualA4Printer
from drivers.printer.receipt import Origin, Receipt, Table


def record(rows: int) -> Receipt:
    return Receipt(
        "income_tax_record", "个人所得税纳税记录", Origin("天河区24小时智慧政务大厅", "DEMO-0001", datetime(2026, 6, 15, 14, 3, 5)),
        heading=("中华人民共和国",), subtitle=("（原《税收完税证明》）",),
        fields=(("记录编号", "325440012345678901"), ("税务机关", "国家税务总局广州市天河区税务局"),
                ("纳税人姓名", "张三"), ("证件号码", "4405**********0014"), ("记录期间", "2024-2025"),
                ("开具时间", "2026-06-15 14:03"), ("查验码", "K7Q2M9X4")),
        table=Table(("所属期", "所得项目", "扣缴义务人", "税额"),
                    tuple((f"{2024 + m // 12}-{m % 12 + 1:02d}", "工资薪金", "广州某某科技有限公司", f"¥{100 + m}.00")
                          for m in range(rows)), frozenset({3})),
        totals=(("税额合计", "¥2,676.00"),),
        notes=("扫描下方二维码，或凭记录编号和查验码在电子税务局，可验证本记录真伪。",
               "对记录有异议的，请向上述税务机关提出。"),
        qr="https://etax.example/verify?no=325440012345678901&code=K7Q2M9X4", footer=("请妥善保管本纳税记录。",))


def measure(func, runs: int) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), max(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    for rows in (24, 60):
        size = len(render_pdf(record(rows)))
        median, worst = measure(lambda: render_pdf(record(rows)), args.runs)
        print(f"render, {rows} rows: median {median:.0f} ms, worst {worst:.0f} ms, PDF {size / 1024:.0f} KiB")
    with tempfile.TemporaryDirectory() as tmp:
        printer = VirtualA4Printer(Path(tmp) / "jobs")
        driver = A4PrinterDriver(printer.start(), EventBus(), Path(tmp) / "journal.sqlite3")
        counter = iter(range(10**6))
        try:
            median, worst = measure(lambda: driver.print_job(f"bench-{next(counter)}", record(24)), args.runs)
        finally:
            driver.close()
            printer.stop()
        print(f"whole job to the virtual printer over TCP, 24 rows: median {median:.0f} ms, worst {worst:.0f} ms")


if __name__ == "__main__":
    main()
