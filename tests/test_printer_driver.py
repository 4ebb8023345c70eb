"""The driver against the virtual printer: status, paper out before and during a job, a pulled cable,
re-plugging, the journal, reprints. Synchronisation is by the driver's own round trips and by
waiting on events; nothing sleeps."""
import logging
import threading
from datetime import datetime

import pytest

from common.device_status import DeviceState
from common.events import STATUS, EventBus

from kiosk import receipts as templates
from drivers.printer.driver import (
    JOB_INTERRUPTED, JOB_PRINTED, DuplicateJob, PrinterDriver, ReprintUnavailable, UnknownJob,
)
from drivers.printer.emulator import EscPosEmulator
from drivers.printer.journal import JobState
from drivers.printer.profile import PrinterProfile
from drivers.printer.receipt import Origin
from drivers.printer.sim import VirtualPrinter
from drivers.printer.transport import DeviceFileTransport

ORIGIN = Origin("天河区24小时智慧政务大厅", "DEMO-0001", datetime(2024, 6, 15, 14, 3, 5))
ID_NUMBER = "440582199001010014"
P80 = PrinterProfile.standard(80)


def receipt(number="SB202406150001"):
    return templates.tax_record_summary(
        ORIGIN, receipt_no=number, id_number=ID_NUMBER, years=(2021, 2023),
        rows=[(f"2023-{m:02d}", "个人所得税", "100.00") for m in range(1, 13)], total="1200.00",
        gettext=lambda s: {templates.REPRINT: "补打"}.get(s, s))


class Recorder:
    """Collects events from the bus and lets a test wait for one."""

    def __init__(self, bus: EventBus) -> None:
        self.events = []
        self._changed = threading.Condition()
        bus.subscribe(self._on_event)

    def _on_event(self, event) -> None:
        with self._changed:
            self.events.append(event)
            self._changed.notify_all()

    def kinds(self):
        return [(e.kind, e.payload if e.kind != STATUS else e.payload.state) for e in self.events]

    def wait_for_state(self, state: DeviceState, timeout: float = 10) -> bool:
        with self._changed:
            return self._changed.wait_for(
                lambda: any(e.kind == STATUS and e.payload.state is state for e in self.events), timeout)


@pytest.fixture(params=["pty", "tcp"])
def printer(request, tmp_path):
    with VirtualPrinter(tmp_path / "out", transport=request.param) as vp:
        yield vp


@pytest.fixture
def bus():
    return EventBus()


@pytest.fixture
def driver(printer, bus, tmp_path):
    d = PrinterDriver(printer.url, P80, bus, tmp_path / "journal.sqlite3", status_timeout_s=0.3)
    yield d
    d.close()


def test_status_online_and_near_end(printer, driver, bus):
    assert driver.status().state is DeviceState.ONLINE and driver.can_print()
    printer.set_paper("near_end")
    status = driver.status()
    assert status.state is DeviceState.ONLINE and status.conditions["paper"] == "near_end"
    assert bus.last_status("printer") == status
    assert driver.print_job("j1", receipt()).printed  # near end still prints


def test_paper_out_before_a_job_refuses_it_and_sends_nothing(printer, driver):
    printer.set_paper("out")
    assert not driver.can_print()
    outcome = driver.print_job("j1", receipt())
    assert outcome.state is JobState.REFUSED and not outcome.printed
    assert (outcome.status.reason, outcome.status.action.value) == ("paper_out", "replenish")
    assert outcome.message == "The printer has run out of paper."
    assert printer.jobs == []
    assert driver.job("j1").state is JobState.REFUSED and driver.job("j1").bytes_sent == 0
    printer.set_paper("ok")
    assert driver.print_job("j1", receipt()).state is JobState.PRINTED  # nothing came out: a plain retry
    assert "补打" not in printer.jobs[-1].text_lines[0]


def test_cover_open_is_reported_with_who_must_act(printer, driver):
    printer.set_cover("open")
    status = driver.status()
    assert (status.state, status.reason, status.action.value) == (DeviceState.USER_ERROR, "cover_open", "clear")
    assert driver.print_job("j1", receipt()).message == "The printer cover is open."


def test_paper_out_mid_job_interrupts_it_and_a_reprint_is_marked(printer, driver, bus):
    recorder = Recorder(bus)
    printer.run_out_of_paper_after(4)
    outcome = driver.print_job("j1", receipt())

    assert outcome.state is JobState.INTERRUPTED and outcome.status.reason == "paper_out"
    assert (JOB_INTERRUPTED, "j1") in recorder.kinds()
    record = driver.job("j1")
    assert (record.state, record.reason, record.attempts) == (JobState.INTERRUPTED, "paper_out", 1)
    half = printer.jobs[-1]
    assert half.interrupted and not half.cut and len(half.text_lines) == 4 and half.png_path.exists()
    assert driver.interrupted_jobs()[0].job_id == "j1"

    with pytest.raises(DuplicateJob):
        driver.print_job("j1", receipt())  # never a silent second copy
    assert driver.reprint("j1").state is JobState.REFUSED  # still out of paper
    printer.set_paper("ok")
    again = driver.reprint("j1")
    assert again.state is JobState.REPRINTED and again.reprint
    assert again.message == "Please take your receipt. It is marked as a reprint."
    copy = printer.jobs[-1]
    assert copy.text_lines[0] == "** 补打 **" and copy.cut
    assert driver.job("j1").state is JobState.REPRINTED and driver.job("j1").attempts == 2
    assert (JOB_PRINTED, "j1") in recorder.kinds()


def test_cable_pulled_mid_job_then_replugged(printer, driver, bus):
    recorder = Recorder(bus)
    printer.unplug_after(3)
    outcome = driver.print_job("j1", receipt())
    assert outcome.state is JobState.INTERRUPTED
    assert outcome.status.state is DeviceState.NO_DEVICE and outcome.status.reason == "connection_lost"
    assert printer.jobs[-1].interrupted and len(printer.jobs[-1].text_lines) == 3
    assert driver.status().state is DeviceState.NO_DEVICE
    printer.replug()
    assert driver.status().state is DeviceState.ONLINE
    assert driver.reprint("j1").printed
    assert printer.jobs[-1].text_lines[0] == "** 补打 **"
    assert (JOB_INTERRUPTED, "j1") in recorder.kinds()


def test_printer_absent_then_plugged_in_is_noticed_by_the_supervisor(printer, driver, bus):
    recorder = Recorder(bus)
    printer.unplug()
    status = driver.status()
    assert status.state is DeviceState.NO_DEVICE and status.action.value == "maintenance"
    assert not driver.can_print()
    assert driver.print_job("j1", receipt()).state is JobState.REFUSED
    driver.start(interval_s=0.02, max_backoff_s=0.05)
    printer.replug()
    assert recorder.wait_for_state(DeviceState.ONLINE)
    driver.stop()
    assert driver.print_job("j1", receipt()).printed


def test_nothing_at_the_port_at_all(tmp_path, bus):
    for port in (str(tmp_path / "ttyUSB9"), "tcp://127.0.0.1:1"):
        driver = PrinterDriver(port, P80, bus, tmp_path / "j.sqlite3")
        try:
            status = driver.status()
            assert status.state is DeviceState.NO_DEVICE and status.reason in ("not_found", "refused")
        finally:
            driver.close()


def test_silence_is_unknown_not_out(tmp_path, bus):
    # A serial port where nothing answers: pyserial's loop:// echoes our queries back, which are not replies.
    driver = PrinterDriver("loop://", P80, bus, tmp_path / "j.sqlite3", status_timeout_s=0.05)
    try:
        status = driver.status()
        assert status.state is DeviceState.UNKNOWN and "paper" not in status.conditions
        assert not driver.can_print()
    finally:
        driver.close()


def test_usb_printer_device_file_transport(bus, tmp_path):
    # /dev/usb/lp0 is a character device without a tty's settings; the virtual printer's pty stands in.
    with VirtualPrinter(tmp_path / "out", transport="pty") as printer:
        driver = PrinterDriver(printer.url, P80, bus, tmp_path / "j.sqlite3",
                               transport=DeviceFileTransport(printer.url))
        try:
            assert driver.status().state is DeviceState.ONLINE
            assert driver.print_job("j1", receipt()).printed
            assert printer.jobs[-1].qr_codes == ["SB202406150001"]
            printer.unplug()
            assert driver.status().state is DeviceState.NO_DEVICE
        finally:
            driver.close()


def test_file_port_is_unknown_but_printable_and_holds_the_job(tmp_path, bus):
    out = tmp_path / "spool.bin"
    driver = PrinterDriver(f"file:{out}", P80, bus, tmp_path / "j.sqlite3")
    try:
        status = driver.status()
        assert status.state is DeviceState.UNKNOWN and status.reason == "no_status_channel"
        assert driver.can_print()
        outcome = driver.print_job("j1", receipt())
        assert outcome.printed and driver.job("j1").reason == "unconfirmed"
    finally:
        driver.close()
    emulator = EscPosEmulator(576)
    emulator.feed(out.read_bytes())
    assert emulator.jobs[0].cut and emulator.jobs[0].qr_codes == ["SB202406150001"]


def test_a_status_request_behind_a_job_is_answered_before_the_job_is_rendered():
    """A printer answers DLE EOT from its receive interrupt while the engine still works: the virtual
    printer, slow to render on a loaded machine, answered only after and missed the host's 0.5 s."""
    from drivers.printer import escpos
    from drivers.printer.encoder import ReceiptEncoder

    order: list[str] = []
    emulator = EscPosEmulator(576, on_job=lambda _job: order.append("job rendered"))
    data = ReceiptEncoder(P80).encode(receipt()) + escpos.status_query(escpos.STATUS_PRINTER)
    late = emulator.feed(data, on_realtime=lambda answer: order.append(f"status {answer.hex()}"))
    assert order == ["status 12", "job rendered"]  # 0x12: online, the fixed bits
    assert late == b""  # answered once, on receipt, not again after the job


def test_reprint_needs_the_document_which_is_wiped_at_session_end(printer, driver):
    with pytest.raises(UnknownJob):
        driver.reprint("nope")
    driver.print_job("j1", receipt())
    driver.wipe()
    with pytest.raises(ReprintUnavailable):
        driver.reprint("j1")


def test_journal_survives_a_restart_and_marks_unfinished_jobs_interrupted(tmp_path, bus):
    from drivers.printer.journal import PrintJournal
    journal = PrintJournal(tmp_path / "j.sqlite3")
    journal.add("j1", "tax_summary")
    journal.start_attempt("j1")  # the kiosk lost power while sending
    journal.close()
    driver = PrinterDriver(f"file:{tmp_path / 'spool'}", P80, bus, tmp_path / "j.sqlite3")
    try:
        assert [r.job_id for r in driver.recovered_jobs] == ["j1"]
        record = driver.job("j1")
        assert (record.state, record.reason) == (JobState.INTERRUPTED, "kiosk_restart")
        with pytest.raises(ReprintUnavailable):
            driver.reprint("j1")
    finally:
        driver.close()


def test_no_personal_data_in_the_journal_or_the_log(printer, driver, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    printer.run_out_of_paper_after(2)
    driver.print_job("j1", receipt())
    printer.set_paper("ok")
    driver.reprint("j1")
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("journal.sqlite3*"))
    for secret in (ID_NUMBER, "4405**********0014", "1,200.00", "个人所得税"):
        assert secret.encode() not in stored and secret not in caplog.text


def test_a_subscriber_may_ask_the_driver_from_within_a_job_event(printer, driver, bus):
    answers = []
    bus.subscribe(lambda event: answers.append(driver.can_print()), kinds={JOB_INTERRUPTED})
    printer.run_out_of_paper_after(2)
    worker = threading.Thread(target=driver.print_job, args=("j1", receipt()))
    worker.start()
    worker.join(timeout=10)
    assert not worker.is_alive(), "print_job deadlocked with a subscriber calling back"
    assert answers == [False]


def test_a_full_disk_under_the_journal_refuses_the_job_clearly_then_printing_resumes(printer, bus, small_disk):
    driver = PrinterDriver(printer.url, P80, bus, small_disk.path / "journal.sqlite3", status_timeout_s=2.0)
    try:
        assert driver.print_job("j1", receipt()).printed
        small_disk.fill()
        outcome = driver.print_job("j2", receipt())  # unjournaled it could print twice unnoticed: not sent
        assert outcome.state is JobState.REFUSED and outcome.status.reason == "journal_unwritable"
        assert outcome.message == "The printer is not available right now."
        assert len(printer.jobs) == 1
        small_disk.free()
        assert driver.print_job("j3", receipt()).printed
        assert [driver.job(j).state for j in ("j1", "j3")] == [JobState.PRINTED] * 2
    finally:
        driver.close()
