"""The paper a job fed, counted from the bytes the driver sent (drivers.printer.feed): a job of known
length, the virtual printer's paper for real receipts, and the roll counter fed by the driver."""
from datetime import datetime

import pytest
from PIL import Image

from common.events import EventBus
from drivers.printer import escpos
from drivers.printer.driver import PAPER_USED, PrinterDriver
from drivers.printer.emulator import MARGIN_DOTS, EscPosEmulator
from drivers.printer.encoder import ReceiptEncoder
from drivers.printer.feed import FeedCounter
from drivers.printer.profile import PrinterProfile
from drivers.printer.receipt import Drawing, Origin, Receipt
from drivers.printer.sim import VirtualPrinter
from drivers.printer.test_page import technician_test_page
from kiosk import receipts as templates
from kiosk.technician.paper import PaperRoll

ORIGIN = Origin("天河区24小时智慧政务大厅", "DEMO-0001", datetime(2024, 6, 15, 14, 3, 5))
CUT_DOTS = 120  # 15 mm from the head to the cutter, at 203 dpi


def known_job() -> bytes:
    """Ten text lines, a 50-dot feed, a 100-row image, three feed lines, a cut: 660 dot rows."""
    image = escpos.raster_image(bytes(8 * 100), 8, 100)
    return (escpos.INIT + escpos.CHINESE_ON + "打印 A\n".encode("gb18030") * 10 + escpos.feed_dots(50) + image
            + escpos.feed_lines(3) + escpos.FULL_CUT)


def test_a_job_of_known_length_is_counted_exactly_at_the_configured_dpi():
    counter = FeedCounter(203)
    assert counter.feed(known_job()) == 10 * 30 + 50 + 100 + 3 * 30 + CUT_DOTS
    assert counter.mm == pytest.approx(660 * 25.4 / 203, abs=0.05)  # 82.6 mm
    at_300 = FeedCounter(300)
    at_300.feed(known_job())
    assert at_300.mm == pytest.approx((540 + 177) * 25.4 / 300, abs=0.05)  # the same rows are shorter at 300 dpi


def test_chunks_count_the_same_as_the_whole_job_and_tall_lines_take_their_height():
    whole, parts = FeedCounter(203), FeedCounter(203)
    data = known_job()
    whole.feed(data)
    cut = data.index(escpos.feed_dots(50))
    parts.feed(data[:cut])
    parts.feed(data[cut:])
    assert parts.dots == whole.dots
    tall = FeedCounter(203)
    assert tall.feed(escpos.INIT + escpos.size(3) + b"A023\n") == 3 * 24 + 6  # a 3x queue number


def drawing_receipt() -> Receipt:
    wave = tuple((x * 10, 200 + (40 if x % 2 else -40)) for x in range(60))
    return Receipt("submission", "业务受理回执", ORIGIN, notes=("已提交，等待核实",),
                   drawings=(Drawing(1000, 400, (wave,), "申报人签名："),), qr="R-2024-000123")


@pytest.mark.parametrize("receipt", [
    technician_test_page(ORIGIN, "80mm"),
    templates.queue_ticket(ORIGIN, ticket_no="A023", service="出入境", waiting=5),
    drawing_receipt(),
], ids=["test page", "queue ticket", "signature"])
@pytest.mark.parametrize("width", [58, 80])
def test_the_count_matches_the_paper_the_virtual_printer_put_out(tmp_path, receipt, width):
    profile = PrinterProfile.standard(width)
    data = ReceiptEncoder(profile).encode(receipt)
    emulator = EscPosEmulator(profile.dots_per_line, out_dir=tmp_path)
    emulator.feed(data)
    job = emulator.jobs[-1]
    assert job.errors == [] and job.cut
    paper_rows = Image.open(job.png_path).height - 2 * MARGIN_DOTS
    counter = FeedCounter(203)
    assert counter.feed(data) - CUT_DOTS == paper_rows


def test_the_roll_counts_what_the_driver_fed_and_an_interrupted_job_only_its_sent_part(tmp_path):
    bus = EventBus()
    fed = []
    bus.subscribe(lambda event: fed.append(event.payload), {PAPER_USED})
    roll = PaperRoll(tmp_path / "roll.json", roll_length_m=80.0, bus=bus)
    profile = PrinterProfile.standard(80)
    page = Receipt("submission", "业务受理回执", ORIGIN,  # several chunks of 1 KiB: the driver stops between them
                   notes=tuple(f"第{n}行：请妥善保管本回执。" for n in range(60)), qr="R-2024-000123")
    whole = FeedCounter(203)
    whole.feed(ReceiptEncoder(profile).encode(page))
    with VirtualPrinter(tmp_path / "out", transport="tcp") as printer:
        driver = PrinterDriver(printer.url, profile, bus, tmp_path / "journal.sqlite3", status_timeout_s=3.0)
        try:
            assert driver.print_job("job-1", page).printed
            assert fed == [whole.mm] and roll.total_mm == pytest.approx(whole.mm)
            printer.run_out_of_paper_after(3)
            assert not driver.print_job("job-2", page).printed
        finally:
            driver.close()
    assert len(fed) == 2 and 0 < fed[1] < whole.mm / 2  # only the chunk that reached the printer
    assert roll.used_mm == pytest.approx(whole.mm + fed[1])
    assert roll.left_m == round(80.0 - roll.used_mm / 1000, 2)


def test_a_full_disk_neither_stops_the_paper_count_nor_the_virtual_printer(tmp_path, caplog):
    """In the soak, the disk filled while a receipt printed: the paper counter's save raised inside
    the event channel, and the virtual printer's thread died saving the job's picture, so the next
    unplug of the simulator timed out and ended the soak."""
    from common.events import Event
    from kiosk.technician.paper import PaperRoll

    full = tmp_path / "full"
    full.write_text("")  # a file where a folder should be: every write below it fails, like ENOSPC
    bus = EventBus()
    roll = PaperRoll(full / "paper.json", 80.0, bus)
    bus.publish(Event("printer", PAPER_USED, 120.0))
    assert roll.used_mm == 120.0
    assert not [r for r in caplog.records if r.levelname == "ERROR"]  # no "subscriber failed"

    emulator = EscPosEmulator(576, out_dir=full / "jobs")
    emulator.feed(b"\x1b@hello\n\x1dV\x00")
    assert emulator.jobs[0].cut and emulator.jobs[0].png_path is None
