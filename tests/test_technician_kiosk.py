"""Technician mode on a running kiosk core (real runtime with its simulators, no Kivy): calibration
reaches the running devices, the self-test, the diagnostics bundle holds no citizen data, and the
technician CLIs talk to the kiosk instead of fighting it for its ports."""
import base64
import json
import logging
import logging.handlers
import os
import queue
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from common.device_status import DeviceState
from drivers.idcard.sim import SimulatedReader
from drivers.printer.sim import VirtualPrinter
from kiosk.config import ConfigError, load_settings
from kiosk.context import KioskContext
from kiosk.logs import RedactingFormatter
from kiosk.runtime import Runtime
from kiosk.technician.paper import PaperRoll
from kiosk.technician.reader_test import PLACEMENTS, ReadTest, ReadTestResult
from kiosk.technician.service import Technician

REPO = Path(__file__).resolve().parent.parent
NAME, ID_NUMBER = "测试市民", "440106199005209986"  # the demo citizen's card (drivers/idcard/fixtures)


def write_site(directory: Path) -> Path:
    site = directory / "site.toml"
    site.write_text(f'''
[paths]
data_dir = "{directory}"
calibration_file = "{directory}/calibration.toml"
remote_file = "{directory}/remote.toml"
[logging]
file = "{directory}/kiosk.log"
[backend]
base_url = "http://127.0.0.1:9"
connect_timeout_s = 0.2
[outbox]
db_file = "{directory}/outbox.db"
key_file = "{directory}/outbox.key"
[signature]
key_file = "{directory}/signature.key"
[voice]
enabled = false
[printer]
status_timeout_s = 3.0                  # the virtual printer renders glyphs slowly on a loaded CI machine
''', encoding="utf-8")
    return site


@pytest.fixture(scope="module")
def kiosk(tmp_path_factory):
    """A kiosk core with its devices and control socket running; yields (technician, site file)."""
    directory = tmp_path_factory.mktemp("kiosk")
    site = write_site(directory)
    settings = load_settings(site)
    context = KioskContext.create(settings)
    runtime = Runtime.build(settings, context.bus, idcard_simulator=SimulatedReader(realistic_delays=False))
    technician = Technician(context, runtime)
    runtime.idcard.start()
    runtime.printer.driver.start()
    runtime.face.start()
    technician.start()
    yield technician, site
    technician.stop()
    runtime.stop()


def wait_for(bus, kinds):
    """Collect the events of ``kinds`` in a queue (returns it and the unsubscribe function)."""
    events = queue.Queue()
    unsubscribe = bus.subscribe(events.put, kinds)
    return events, unsubscribe


def place_card_and_wait(technician, card="demo_citizen"):
    bus = technician.context.bus
    events, unsubscribe = wait_for(bus, {"card_placed", "card_unreadable"})
    try:
        technician.runtime.idcard.simulator.place(card)
        return events.get(timeout=10)
    finally:
        unsubscribe()


def lift_card(technician):
    bus = technician.context.bus
    events, unsubscribe = wait_for(bus, {"card_removed"})
    try:
        technician.runtime.idcard.simulator.remove()
        events.get(timeout=10)
    finally:
        unsubscribe()


def test_printer_density_reaches_the_next_job(kiosk):
    technician, _ = kiosk
    printer = technician.runtime.printer.virtual_printer
    technician.change("printer", density_percent=120, cut_mode="full")
    assert "density_percent = 120" in (Path(technician.settings.path(technician.settings.paths.calibration_file))
                                       .read_text())
    assert technician.test_page().printed
    job = printer.jobs[-1]
    assert job.density_percent == 120 and job.cut_kind == "full" and job.errors == []
    technician.change("printer", density_percent=100, cut_mode="partial")
    assert technician.test_page().printed
    assert printer.jobs[-1].density_percent == 100 and printer.jobs[-1].cut_kind == "partial"


def test_paper_left_on_the_roll_counts_printed_jobs_across_restarts(kiosk):
    technician, _ = kiosk
    paper = technician.paper
    paper.new_roll()
    assert paper.left_m == technician.settings.printer.roll_length_m
    assert technician.test_page().printed
    from drivers.printer.emulator import MARGIN_DOTS
    rows = Image.open(technician.runtime.printer.virtual_printer.jobs[-1].png_path).size[1] - 2 * MARGIN_DOTS
    # what the driver fed: the virtual printer's paper plus the 15 mm to the cutter, at 203 dpi
    assert paper.used_mm == pytest.approx((rows + 120) * 25.4 / 203, abs=0.1)
    restarted = PaperRoll(paper.state_file, paper.roll_length_m)
    assert restarted.used_mm == pytest.approx(paper.used_mm, abs=0.1) and restarted.left_m < paper.roll_length_m
    paper.new_roll()
    assert PaperRoll(paper.state_file, paper.roll_length_m).used_mm == 0


def test_camera_is_asked_for_the_new_exposure(kiosk):
    technician, _ = kiosk
    camera = technician.runtime.camera
    camera.start()
    try:
        assert camera.wait_frame(0, timeout=5) is not None
        technician.change("camera", exposure=150.0, gain=20.0, white_balance_k=4000)
        latest = camera.latest()[0]
        assert camera.wait_frame(latest + 1, timeout=5) is not None  # a frame later, the device was asked
        asked = camera.requested_controls[-1]
        assert (asked.exposure, asked.gain, asked.white_balance_k) == (150.0, 20.0, 4000)
    finally:
        camera.stop()
        technician.change("camera", exposure=-1.0, gain=-1.0, white_balance_k=-1)


def test_printer_margins_reach_the_next_job_and_too_wide_ones_are_refused(kiosk):
    technician, _ = kiosk
    printer = technician.runtime.printer.virtual_printer
    calibration = Path(technician.settings.path(technician.settings.paths.calibration_file))
    try:
        technician.change("printer", margin_left_mm=5.0, margin_right_mm=3.0)
        assert technician.test_page().printed
        assert printer.jobs[-1].print_area == (40, 512)  # 5 mm and 3 mm at 203 dpi, no restart
        before = calibration.read_text()
        with pytest.raises(ConfigError, match="Make the margins smaller"):
            technician.change("printer", margin_left_mm=25.0, margin_right_mm=20.0)
        assert calibration.read_text() == before and technician.runtime.printer.driver.profile.margin_left_dots == 40
    finally:
        technician.change("printer", margin_left_mm=0.0, margin_right_mm=0.0)
    assert technician.test_page().printed and printer.jobs[-1].print_area == (0, 576)


def test_remote_settings_applied_live_reach_the_running_session_printer_and_log_level(kiosk):
    import logging as logging_module

    from kiosk.remote.live import apply_live
    technician, _ = kiosk
    context, runtime = technician.context, technician.runtime
    before = context.settings
    new = before.model_copy(update={
        "session": before.session.model_copy(update={"idle_timeout_s": 150.0, "countdown_s": 20.0}),
        "printer": before.printer.model_copy(update={"paper_width_mm": 58, "dots_per_line": 384}),
        "logging": before.logging.model_copy(update={"level": "WARNING"})})
    level = logging_module.getLogger().level
    try:
        apply_live(context, runtime, None, new)
        assert (context.session.idle_timeout_s, context.session.countdown_s) == (150.0, 20.0)
        assert logging_module.getLogger().level == logging_module.WARNING
        assert technician.test_page().printed
        assert max(len(line) for line in runtime.printer.virtual_printer.jobs[-1].text_lines) <= 32  # 58 mm layout
    finally:
        apply_live(context, runtime, None, before)
        logging_module.getLogger().setLevel(level)
    assert runtime.printer.driver.profile.paper_width_mm == before.printer.paper_width_mm


def test_self_test_passes_on_the_simulators_and_names_a_failing_device(kiosk):
    technician, _ = kiosk
    printer, reader = technician.runtime.printer.virtual_printer, technician.runtime.idcard.simulator
    report, saved = technician.self_test(print_report=True)
    results = {r.device: r.passed for r in report.results}
    assert results["printer"] and results["a4printer"] and results["idcard"] and results["camera"] and results["face"]
    assert json.loads(saved.read_text())["results"][0]["device"] == "printer"
    assert printer.jobs[-1].text_lines[1].startswith("SELF-TEST")  # the printed report

    printer.set_cover("open")
    try:
        report, _ = technician.self_test(print_report=True)
    finally:
        printer.set_cover("closed")
    failed = [r for r in report.results if r.passed is False]
    assert [r.device for r in failed] == ["printer"] and "cover" in failed[0].detail and not report.passed

    a4 = technician.runtime.a4printer.virtual_printer
    a4.set_paper("out")
    try:
        report, _ = technician.self_test(print_report=False)
    finally:
        a4.set_paper("ok")
    failed = [r for r in report.results if r.passed is False]
    assert [r.device for r in failed] == ["a4printer"] and "paper_out" in failed[0].detail

    bus = technician.context.bus
    events, unsubscribe = wait_for(bus, {"status"})
    reader.unplug()
    try:
        while (status := events.get(timeout=10).payload).device != "idcard" or status.state is DeviceState.ONLINE:
            pass
        report, _ = technician.self_test(print_report=False)
        assert {r.device for r in report.results if r.passed is False} == {"idcard"}
    finally:
        unsubscribe()
        reader.replug()


def test_self_test_report_carries_the_read_test_and_its_p95_rule(kiosk):
    technician, _ = kiosk
    technician.read_test = None
    report, _ = technician.self_test(print_report=False)
    row = next(r for r in report.results if r.device == "idcard_read_test")
    assert row.passed is None and "not run" in row.detail

    test = ReadTest(technician.context.bus)  # five placements through the kiosk's own reader path
    test.start()
    try:
        for _ in range(PLACEMENTS):
            assert place_card_and_wait(technician).kind == "card_placed"
            lift_card(technician)
    finally:
        test.stop()
    assert test.done and test.passed, test.times
    technician.read_test_done(test.result)
    report, saved = technician.self_test(print_report=False)
    row = next(r for r in report.results if r.device == "idcard_read_test")
    assert row.passed is True and "5/5 read" in row.detail

    technician.read_test_done(ReadTestResult((0.4, 0.4, 0.4, 2.0, 0.4)))  # one slow read
    report, saved = technician.self_test(print_report=False)
    assert not report.passed
    assert "FAIL idcard_read_test" in saved.with_suffix(".txt").read_text()
    assert "p95 1.68 s (limit 1.5 s)" in saved.with_suffix(".txt").read_text()
    technician.read_test = None


def test_diagnostics_bundle_holds_no_citizen_data(kiosk, tmp_path):
    technician, _ = kiosk
    settings, session = technician.settings, technician.context.session
    log_file = settings.path(settings.logging.file)
    handler = logging.handlers.RotatingFileHandler(log_file)
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)
    try:
        event = place_card_and_wait(technician)
        card = event.payload
        photo = bytes(card.photo_bmp or card.photo_wlt)
        session.start()
        session.data.card, session.data.photo = card, photo  # in the running kiosk's state
        logging.getLogger("kiosk.test").warning("citizen %s with %s and photo %r", card.name, card.id_number, photo[:40])
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    with open(log_file, "a", encoding="utf-8") as fh:  # a line that bypassed the redacting formatter
        fh.write(f"2026-01-01 00:00:00 ERROR leak: {NAME} {ID_NUMBER}\n")
    technician.change("voice", rate=170)  # audited settings change, in the bundle too
    try:
        bundle = technician.export(tmp_path)
    finally:
        session.end("test")
        lift_card(technician)
    with zipfile.ZipFile(bundle) as z:
        names = z.namelist()
        blob = b"".join(z.read(n) for n in names)
    assert {"config.json", "status-history.json", "counters.json", "audit.jsonl", "logs/kiosk.log"} <= set(names)
    counters = json.loads(zipfile.ZipFile(bundle).read("counters.json"))
    assert counters["events"]["cards_read"] >= 1 and "idcard" in counters["devices"]
    text = blob.decode("utf-8")
    for secret in (NAME, ID_NUMBER, card_text(ID_NUMBER)):
        assert secret not in text
    for chunk in (photo[100:140], base64.b64encode(photo[99:150]), photo[100:140].hex().encode()):
        assert chunk not in blob
    assert "<id>" in text and "<cjk>" in text  # the log lines are there, redacted


def card_text(id_number):
    return id_number[:6] + " " + id_number[6:]


def run_cli(module, *args, site, timeout=60):
    env = {**os.environ, "KIOSK_CONFIG": str(site)}
    return subprocess.run([sys.executable, "-m", module, *args], cwd=REPO, env=env, capture_output=True,
                          timeout=timeout)


def test_clis_talk_to_the_running_kiosk_and_do_not_disturb_it(kiosk):
    technician, site = kiosk
    printed_before = len(technician.runtime.printer.virtual_printer.jobs)
    counters_before = dict(technician.runtime.idcard.supervisor.counters)
    status = run_cli("drivers.idcard", "status", site=site)
    assert status.returncode == 0, status.stderr
    assert b"asked the running kiosk" in status.stdout and b"reader: online" in status.stdout
    read = run_cli("drivers.idcard", "read", "--json", "--timeout", "2", site=site)
    assert read.returncode == 2 and b"technician mode" in read.stderr and read.stdout == b""
    printer = run_cli("drivers.printer", "status", site=site)
    assert printer.returncode == 0 and b"asked the running kiosk" in printer.stdout
    page = run_cli("drivers.printer", "test-page", site=site)
    assert page.returncode == 0 and b"printed by the running kiosk" in page.stdout
    assert len(technician.runtime.printer.virtual_printer.jobs) == printed_before + 1
    camera = run_cli("drivers.camera", "snapshot", "--out", "/tmp/never.jpg", site=site)
    assert camera.returncode == 2 and b"technician mode" in camera.stderr and not Path("/tmp/never.jpg").exists()
    # The kiosk still owns its devices: it reads the next card and stays online.
    assert place_card_and_wait(technician).kind == "card_placed"
    lift_card(technician)
    assert technician.context.bus.last_status("idcard").state is DeviceState.ONLINE
    counters = technician.runtime.idcard.supervisor.counters
    assert counters["connects"] == counters_before["connects"]  # never lost its port to a CLI
    assert counters["cards_read"] == counters_before["cards_read"] + 1
    entries = [e["action"] for e in technician.audit.entries()]
    assert "test_page" in entries


def test_reader_cli_reads_a_card_whose_first_reply_is_corrupt(tmp_path):
    sim = SimulatedReader(realistic_delays=False)
    sim.start()
    try:
        sim.place("demo_citizen")
        sim.fault("checksum", count=1, command="read")
        result = run_cli("drivers.idcard", "--port", sim.port, "read", "--json", "--timeout", "10",
                         site=write_site(tmp_path))
        assert sim.received("read") >= 2  # the corrupt reply was retried
    finally:
        sim.stop()
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["id_number"] == ID_NUMBER


def test_printer_cli_honours_the_configured_dots_per_line(tmp_path):
    site = write_site(tmp_path)
    site.write_text(site.read_text(encoding="utf-8") + "dots_per_line = 512\n", encoding="utf-8")  # under [printer]
    with VirtualPrinter(tmp_path / "out", transport="tcp", dots_per_line=512) as printer:
        result = run_cli("drivers.printer", "--port", printer.url, "test-page", site=site)
        assert result.returncode == 0, result.stderr
        job = printer.jobs[-1]
    assert b"512 dots" in result.stdout
    assert any("512 dots" in line for line in job.text_lines) and job.errors == []
