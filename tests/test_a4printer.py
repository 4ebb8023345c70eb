"""The A4 printer: PJL bytes and replies, status codes, and the driver against the virtual printer over
real TCP (ready, each fault, a refused job, paper running out mid-job, a connection dropped mid-job),
the page itself read back from the PDF (text and QR code), and the technician CLI."""
import threading
from datetime import datetime

import pypdfium2
import pytest

from common.device_status import DeviceState
from common.events import STATUS, EventBus
from drivers.a4printer import __main__ as cli
from drivers.a4printer import pjl
from drivers.a4printer import status as st
from drivers.a4printer.driver import A4PrinterDriver
from drivers.a4printer.page import render_pdf
from drivers.a4printer.sim import VirtualA4Printer
from drivers.printer.driver import JOB_INTERRUPTED, JOB_PRINTED, DuplicateJob
from drivers.printer.journal import JobState
from drivers.printer.receipt import Origin, Receipt, Table
from tests.qr import decode_qr

ORIGIN = Origin("天河区24小时智慧政务大厅", "DEMO-0001", datetime(2026, 6, 15, 14, 3, 5))


def document(rows: int = 3, reprint: bool = False) -> Receipt:
    return Receipt(
        "income_tax_record", "个人所得税纳税记录", ORIGIN, heading=("中华人民共和国",),
        fields=(("记录编号", "325440012345678901"), ("查验码", "K7Q2M9X4")),
        table=Table(("所属期", "扣缴义务人", "税额"),
                    tuple((f"2025-{m % 12 + 1:02d}", "广州某某科技有限公司", "¥100.00") for m in range(rows)),
                    frozenset({2})),
        notes=("扫描下方二维码可验证本记录真伪。",), qr="https://etax.example/verify/K7Q2M9X4",
        reprint=reprint, reprint_label="补打")


def pdf_text(path_or_bytes) -> list[str]:
    pdf = pypdfium2.PdfDocument(path_or_bytes)
    return [page.get_textpage().get_text_range() for page in pdf]


class Recorder:
    def __init__(self, bus: EventBus) -> None:
        self.events, self._changed = [], threading.Condition()
        bus.subscribe(self._on_event)

    def _on_event(self, event) -> None:
        with self._changed:
            self.events.append(event)
            self._changed.notify_all()

    def kinds(self):
        return [e.kind for e in self.events if e.kind != STATUS]


@pytest.fixture
def printer(tmp_path):
    vp = VirtualA4Printer(tmp_path / "jobs")
    vp.start()
    yield vp
    vp.stop()


@pytest.fixture
def driver(printer, tmp_path):
    bus = EventBus()
    d = A4PrinterDriver(printer.url, bus, tmp_path / "journal.sqlite3", status_timeout_s=2, job_timeout_s=20)
    d.recorder = Recorder(bus)
    yield d
    d.close()


# -- the protocol --------------------------------------------------------------------------------
def test_a_job_is_wrapped_in_pjl_with_its_name_and_asks_to_hear_its_end():
    data = pjl.job("job-1", b"%PDF-1.7 ... %%EOF", duplex=True)
    assert data.startswith(pjl.UEL + b'@PJL JOB NAME="job-1"\r\n')
    assert b"@PJL USTATUS JOB=ON\r\n" in data and b"@PJL SET DUPLEX=ON\r\n" in data
    assert b"@PJL ENTER LANGUAGE=PDF\r\n%PDF-1.7" in data
    assert data.endswith(pjl.UEL + b'@PJL EOJ NAME="job-1"\r\n' + pjl.UEL)
    with pytest.raises(ValueError):
        pjl.job('x" @PJL', b"%PDF-")  # a name cannot smuggle PJL
    with pytest.raises(ValueError):
        pjl.job("job-2", b"not a pdf")


def test_replies_are_split_at_form_feeds_however_they_arrive():
    parser = pjl.ReplyParser()
    stream = (b'@PJL INFO STATUS\r\nCODE=10001\r\nDISPLAY="00 READY"\r\nONLINE=TRUE\r\n\x0c'
              b'@PJL USTATUS JOB\r\nEND\r\nNAME="j1"\r\nPAGES=2\r\n\x0c')
    messages = [m for i in range(0, len(stream), 7) for m in parser.feed(stream[i:i + 7])]
    assert [m.topic for m in messages] == ["INFO STATUS", "USTATUS JOB"]
    assert messages[0].code == 10001 and messages[0].values["DISPLAY"] == "00 READY"
    assert messages[1].words == ["END"] and messages[1].values == {"NAME": "j1", "PAGES": "2"}


@pytest.mark.parametrize("code, online, state, reason", [
    (10001, "TRUE", DeviceState.ONLINE, ""),
    (10002, "FALSE", DeviceState.OFFLINE, "offline"),
    (10023, "TRUE", DeviceState.BUSY, "printing"),
    (10006, "TRUE", DeviceState.ONLINE, "toner_low"),
    (41202, "FALSE", DeviceState.USER_ERROR, "paper_out"),
    (40021, "FALSE", DeviceState.USER_ERROR, "cover_open"),
    (40022, "FALSE", DeviceState.USER_ERROR, "paper_jam"),
    (42110, "FALSE", DeviceState.USER_ERROR, "paper_jam"),
    (50003, "FALSE", DeviceState.HARDWARE_ERROR, "hardware_error"),
    (99999, "TRUE", DeviceState.UNKNOWN, "unknown_code"),
])
def test_status_codes_become_the_shared_vocabulary(code, online, state, reason):
    status = st.interpret(pjl.Message("INFO STATUS", {"CODE": str(code), "ONLINE": online}))
    assert (status.state, status.reason) == (state, reason)
    assert st.printable(status) == (state in (DeviceState.ONLINE, DeviceState.BUSY))


def test_paper_out_names_the_empty_tray_and_silence_is_unknown_not_offline():
    assert st.interpret(pjl.Message("INFO STATUS", {"CODE": "41202"})).conditions["tray"] == "2"
    assert st.interpret(None).state is DeviceState.UNKNOWN
    assert st.interpret(pjl.Message("INFO STATUS", {"DISPLAY": "READY"})).state is DeviceState.UNKNOWN


# -- the page ------------------------------------------------------------------------------------
def test_the_page_is_real_text_with_a_qr_code_a_phone_reads(tmp_path):
    pdf = pypdfium2.PdfDocument(render_pdf(document(reprint=True)))
    assert len(pdf) == 1
    text = pdf[0].get_textpage().get_text_range()
    for expected in ("中华人民共和国", "个人所得税纳税记录", "325440012345678901", "K7Q2M9X4", "补打 / REPRINT",
                     "广州某某科技有限公司", "天河区24小时智慧政务大厅"):
        assert expected in text
    assert " / " not in text.replace("补打 / REPRINT", "")  # one page: no page numbers
    png = tmp_path / "page.png"
    pdf[0].render(scale=2).to_pil().save(png)
    assert decode_qr(png) == "https://etax.example/verify/K7Q2M9X4"


def test_a_long_table_runs_onto_numbered_pages_with_its_header_repeated():
    data = render_pdf(document(rows=45))
    pages = pdf_text(data)
    assert len(pages) == 2
    assert "1 / 2" in pages[0] and "2 / 2" in pages[1]
    assert all("扣缴义务人" in page for page in pages)
    for page in pypdfium2.PdfDocument(data):  # every page's foot is printed black, not in the table's grey
        image = page.render(scale=2).to_pil().convert("L")
        foot = image.crop((0, image.height - 90, image.width, image.height - 40))
        assert foot.getextrema()[0] < 80


# -- the driver against the virtual printer ------------------------------------------------------
def test_a_ready_printer_prints_and_reports_the_end_of_the_job(driver, printer):
    assert driver.status().ready
    outcome = driver.print_job("job-ready", document())
    assert outcome.printed and outcome.state is JobState.PRINTED
    job = printer.jobs[-1]
    assert job.complete and job.name == "job-ready"
    assert "K7Q2M9X4" in pdf_text(job.pdf_path)[0]
    assert driver.job("job-ready").state is JobState.PRINTED
    assert JOB_PRINTED in driver.recorder.kinds()
    with pytest.raises(DuplicateJob):
        driver.print_job("job-ready", document())


@pytest.mark.parametrize("fault, reason", [
    (lambda p: p.set_paper("out"), "paper_out"),
    (lambda p: p.set_door("open"), "cover_open"),
    (lambda p: p.set_offline(True), "offline"),
])
def test_each_fault_is_reported_and_refuses_the_job_with_nothing_sent(driver, printer, fault, reason):
    fault(printer)
    status = driver.status()
    assert status.reason == reason and not driver.printable(status)
    outcome = driver.print_job("job-refused", document())
    assert outcome.state is JobState.REFUSED and outcome.status.reason == reason
    assert printer.jobs == []  # nothing reached the printer
    assert driver.job("job-refused").state is JobState.REFUSED


def test_paper_running_out_in_the_middle_of_a_job_interrupts_it(driver, printer):
    printer.set_paper("ok", sheets=1)
    outcome = driver.print_job("job-two-pages", document(rows=45))
    assert outcome.state is JobState.INTERRUPTED and outcome.status.reason == "paper_out"
    assert printer.jobs[-1].pages == 2 and printer.jobs[-1].pages_printed == 1
    assert driver.job("job-two-pages").state is JobState.INTERRUPTED
    assert JOB_INTERRUPTED in driver.recorder.kinds()
    assert driver.status().reason == "paper_out"


def test_a_connection_dropped_mid_job_is_an_interrupted_job_and_the_printer_is_asked_afresh(driver, printer):
    printer.drop_next_job()
    outcome = driver.print_job("job-dropped", document())
    assert outcome.state is JobState.INTERRUPTED and outcome.status.reason == "connection_lost"
    assert printer.wait_for_jobs(1, timeout=10) and not printer.jobs[-1].complete
    assert driver.status().ready  # the next conversation is a new connection
    assert driver.print_job("job-after", document()).printed


def test_a_printer_that_is_not_there_is_no_device_and_nothing_is_printed(tmp_path):
    vp = VirtualA4Printer(tmp_path / "gone")
    url = vp.start()
    vp.stop()
    d = A4PrinterDriver(url, EventBus(), tmp_path / "j.sqlite3", connect_timeout_s=1)
    try:
        assert d.status().state is DeviceState.NO_DEVICE
        assert d.print_job("job-absent", document()).state is JobState.REFUSED
    finally:
        d.close()


def test_the_technician_cli_reads_status_and_prints_a_test_page(printer, capsys):
    assert cli.main(["--port", printer.url, "status"]) == 0
    out = capsys.readouterr().out
    assert "online" in out and "pages printed: 0" in out and "duplex: OFF" in out
    assert cli.main(["--port", printer.url, "test-page"]) == 0
    assert "自助终端打印测试" in pdf_text(printer.jobs[-1].pdf_path)[0]
    printer.set_door("open")
    assert cli.main(["--port", printer.url, "status"]) == 2
    assert "cover_open" in capsys.readouterr().err
