"""The technician's test page: the printer driver's own diagnostic document."""
from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from drivers.printer.receipt import Origin, Receipt

if TYPE_CHECKING:
    from drivers.printer.driver import JobOutcome


def technician_test_page(origin: Origin, profile_line: str) -> Receipt:
    """The technician's test page: a fixed pattern (not translated) exercising what can go wrong
    with Chinese on a receipt printer: hanzi, full-width punctuation, the yuan sign, mixed lines,
    wrapping, QR code, barcode and the cut."""
    return Receipt(
        "test_page", "自助终端打印测试", origin,
        fields=(("打印机", profile_line), ("金额", "¥12.50"),
                ("混排", "中文English混排ABC 123，含全角标点。")),
        notes=("，。！（）：", "¥12.50", "ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789",
               "自助终端打印测试：换行测试，这一行足够长，需要在纸张宽度处正确换行，不截断汉字。"),
        qr="TEST-PAGE " + origin.terminal_id, barcode="TEST-0123456789",
        footer=("打印测试页",),
    )


def report_test_page(outcome: JobOutcome, where: str) -> int:
    """Say on the terminal how a technician's test page ended (``where``: the printer and its
    profile); the command's exit status, 0 when it printed."""
    if outcome.printed:
        print(f"test page printed on {where}")
        return 0
    status = outcome.status
    print(f"error: test page {outcome.state.value}: {status.state.value} {status.reason}. {status.detail}",
          file=sys.stderr)
    return 2
