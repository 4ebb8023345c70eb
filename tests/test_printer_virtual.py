"""Receipts sent through the driver to the virtual printer over a real pty and TCP: what comes out."""
from datetime import datetime
from decimal import Decimal

import cv2
import pytest

from kiosk.config import PathsSection, Settings
from common.events import EventBus

from drivers.printer.test_page import technician_test_page
from kiosk import receipts as templates
from drivers.printer.driver import PrinterDriver
from drivers.printer.profile import PrinterProfile
from drivers.printer.receipt import Origin
from drivers.printer.setup import printer_from_settings
from drivers.printer.sim import VirtualPrinter
from tests.qr import decode_code128

ORIGIN = Origin("天河区24小时智慧政务大厅", "DEMO-0001", datetime(2024, 6, 15, 14, 3, 5))
ZH_CN = {  # the translations the catalog will carry (see the report); enough to print Chinese here
    templates.SUBMISSION_TITLE: "业务受理回执", templates.RECEIPT_NUMBER: "回执编号", templates.SERVICE: "办理事项",
    templates.ID_NUMBER: "证件号码", templates.CHECK_PROGRESS: "可在自助终端或窗口扫描二维码查询办理进度。",
    templates.KEEP_RECEIPT: "请妥善保管本回执。", templates.TAX_TITLE: "纳税记录摘要", templates.YEARS: "查询年度",
    templates.PERIOD: "所属期", templates.TAX_TYPE: "税种", templates.AMOUNT: "金额", templates.TOTAL: "合计",
    templates.NOT_A_CERTIFICATE: "仅供参考，不作为完税证明。", templates.APPOINTMENT_TITLE: "预约凭条",
    templates.APPOINTMENT_NUMBER: "预约号", templates.TIME_SLOT: "预约时段", templates.PLACE: "办理地点",
    templates.BRING_ID: "请携带身份证，提前10分钟到达。", templates.QUEUE_TITLE: "排队叫号单",
    templates.WAITING_AHEAD: "前面等候人数", templates.COUNTER: "办理窗口",
    templates.LISTEN_FOR_NUMBER: "请留意叫号，过号请重新取号。", templates.REPRINT: "补打",
}


def zh(message: str) -> str:
    return ZH_CN.get(message, message)


@pytest.fixture(params=["pty", "tcp"])
def transport(request):
    return request.param


def run(tmp_path, transport, profile, receipt, **printer_kw):
    """Print one receipt through a fresh driver and virtual printer; return the printed job."""
    with VirtualPrinter(tmp_path / "out", transport=transport, dots_per_line=profile.dots_per_line,
                        **printer_kw) as printer:
        # a generous status timeout: the virtual printer draws its first glyphs slowly on a loaded machine
        driver = PrinterDriver(printer.url, profile, EventBus(), tmp_path / "journal.sqlite3", status_timeout_s=3.0)
        try:
            outcome = driver.print_job("job-1", receipt)
        finally:
            driver.close()
        if not profile.cutter:
            printer.tear_off()
        assert outcome.printed, outcome.status
        assert printer.wait_for_jobs(1, timeout=5)
        job = printer.jobs[-1]
    assert job.errors == []
    return job


def qr_in(png_path) -> str:
    text, _, _ = cv2.QRCodeDetector().detectAndDecode(cv2.imread(str(png_path)))
    return text


@pytest.mark.parametrize("width", [58, 80])
def test_submission_receipt_comes_out_in_chinese_with_a_readable_qr_code(tmp_path, transport, width):
    receipt = templates.submission_receipt(
        ORIGIN, receipt_no="SB202406150001", service="个人所得税纳税记录开具（综合所得）",
        details=(("应缴金额", "¥12.50"), ("说明", "，。！（）：")), id_number="440582199001010014", gettext=zh)
    job = run(tmp_path, transport, PrinterProfile.standard(width), receipt)
    lines = job.text_lines
    for expected in ("天河区24小时智慧政务大厅", "业务受理回执", "回执编号：SB202406150001",
                     "证件号码：4405**********0014", "应缴金额：￥12.50", "说明：，。！（）：",
                     "请妥善保管本回执。", "DEMO-0001  2024-06-15 14:03:05"):
        assert expected in lines
    assert not any("?" in line or "\ufffd" in line for line in lines)
    assert "440582199001010014" not in "".join(lines)
    assert job.cut and job.png_path.exists()
    assert qr_in(job.png_path) == "SB202406150001"
    assert decode_code128(job.png_path) == "SB202406150001"


@pytest.mark.parametrize("width, columns", [(58, 32), (80, 48)])
def test_a_long_value_wraps_at_the_paper_width(tmp_path, width, columns):
    service = "个人所得税纳税记录开具以及社会保险费缴费证明和不动产登记资料查询"
    job = run(tmp_path, "tcp", PrinterProfile.standard(width),
              templates.submission_receipt(ORIGIN, receipt_no="SB1", service=service, gettext=zh))
    first = next(i for i, line in enumerate(job.text_lines) if line.startswith("办理事项："))
    value_lines = [job.text_lines[first][len("办理事项："):]]
    value_lines += [line.strip() for line in job.text_lines[first + 1:first + 4] if line.startswith(" " * 10)]
    assert "".join(value_lines) == service  # nothing lost, nothing wrapped by the printer itself
    assert len(job.text_lines[first]) * 2 == columns  # the first line is full: every column used


@pytest.mark.parametrize("width", [58, 80])
def test_raster_mode_prints_chinese_as_images_with_a_readable_qr_code(tmp_path, transport, width):
    profile = PrinterProfile.standard(width, text_mode="raster")
    receipt = templates.submission_receipt(ORIGIN, receipt_no="SB202406150002", service="不动产登记", gettext=zh)
    job = run(tmp_path, transport, profile, receipt)
    assert job.rasters >= 5
    assert "DEMO-0001  2024-06-15 14:03:05" in job.text_lines  # ASCII lines stay text
    assert qr_in(job.png_path) == "SB202406150002"


def test_tax_record_summary_prints_rows_and_total_with_yuan_signs(tmp_path):
    receipt = templates.tax_record_summary(
        ORIGIN, receipt_no="TX2024000123", id_number="440582199001010014", years=(2021, 2023),
        rows=[("2023-01", "个人所得税", Decimal("1234.56")), ("2023-02", "个人所得税", "88")],
        total=Decimal("1322.56"), gettext=zh)
    job = run(tmp_path, "tcp", PrinterProfile.standard(58), receipt)
    assert "纳税记录摘要" in job.text_lines and "查询年度：2021-2023" in job.text_lines
    assert "2023-01 个人所得税 ￥1,234.56" in job.text_lines
    assert "合计：￥1,322.56" in [line.strip() for line in job.text_lines]
    assert "仅供参考，不作为完税证明。" in job.text_lines
    assert qr_in(job.png_path) == "TX2024000123"


def test_appointment_slip(tmp_path):
    receipt = templates.appointment_slip(ORIGIN, appointment_no="YY20240615088", service="出入境证件办理",
                                         time_slot="2024-06-18 09:30-10:00", place="二楼 出入境窗口 8号",
                                         gettext=zh)
    job = run(tmp_path, "pty", PrinterProfile.standard(80), receipt)
    assert {"预约凭条", "预约号：YY20240615088", "预约时段：2024-06-18 09:30-10:00"} <= set(job.text_lines)
    assert qr_in(job.png_path) == "YY20240615088"


@pytest.mark.parametrize("width", [58, 80])
def test_queue_ticket_number_is_printed_big_without_personal_data(tmp_path, width):
    receipt = templates.queue_ticket(ORIGIN, ticket_no="A023", service="税务综合窗口", waiting=5, gettext=zh)
    job = run(tmp_path, "tcp", PrinterProfile.standard(width, cutter=False), receipt)
    assert "A023" in job.text_lines and "前面等候人数：5" in job.text_lines
    assert not job.cut  # no cutter: torn off
    assert decode_code128(job.png_path) == "A023"


def test_technician_test_page(tmp_path, transport):
    job = run(tmp_path, transport, PrinterProfile.standard(80), technician_test_page(ORIGIN, "80mm"))
    assert {"自助终端打印测试", "，。！（）：", "￥12.50"} <= set(job.text_lines)
    assert job.cut and qr_in(job.png_path) == "TEST-PAGE DEMO-0001"


def ink_columns(png_path):
    """The first and last column of the paper picture that hold a black dot."""
    import numpy as np
    from PIL import Image
    ink = np.flatnonzero((np.asarray(Image.open(png_path).convert("L")) < 128).any(axis=0))
    return ink[0], ink[-1]


def test_margins_keep_the_job_inside_them_and_its_qr_code_readable(tmp_path):
    from drivers.printer.emulator import MARGIN_DOTS
    plain = run(tmp_path / "plain", "tcp", PrinterProfile.standard(80), technician_test_page(ORIGIN, "80mm"))
    left, right = 10 * 8, 6 * 8  # 10 mm and 6 mm at 203 dpi
    profile = PrinterProfile.standard(80, margin_left_dots=left, margin_right_dots=right)
    job = run(tmp_path / "margins", "tcp", profile, technician_test_page(ORIGIN, "80mm"))
    assert job.print_area == (left, 576 - left - right)
    first, last = ink_columns(job.png_path)
    assert first >= MARGIN_DOTS + left and last < MARGIN_DOTS + 576 - right
    assert ink_columns(plain.png_path)[0] < MARGIN_DOTS + left  # without margins the text starts further left
    assert {"自助终端打印测试", "￥12.50"} <= set(job.text_lines) and qr_in(job.png_path) == "TEST-PAGE DEMO-0001"


def test_demo_mode_starts_the_virtual_printer_from_settings(tmp_path):
    settings = Settings(paths=PathsSection(data_dir=str(tmp_path)))  # [printer] port = "sim" by default
    setup = printer_from_settings(settings.printer, tmp_path, EventBus())
    try:
        assert setup.virtual_printer is not None and setup.driver.can_print()
        receipt = templates.queue_ticket(ORIGIN, ticket_no="B007", service="出入境", waiting=0, gettext=zh)
        assert setup.driver.print_job("job-1", receipt).printed
        assert setup.virtual_printer.wait_for_jobs(1, timeout=5)
        job = setup.virtual_printer.jobs[-1]
        assert "B007" in job.text_lines
        assert job.png_path == tmp_path / "virtual-printer" / "job-0001.png"
        assert (tmp_path / "print-journal.sqlite3").exists()
    finally:
        setup.close()
