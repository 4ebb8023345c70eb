"""The technician CLI and the simulator's command line, run as a technician would: as processes."""
import queue
import subprocess
import sys
import threading
from pathlib import Path

import cv2
import pytest

from common.device_status import DeviceState
from common.events import EventBus

from kiosk import receipts as templates
from drivers.printer.driver import PrinterDriver
from drivers.printer.profile import PrinterProfile
from drivers.printer.receipt import Origin
from drivers.printer.sim import VirtualPrinter

REPO = Path(__file__).resolve().parent.parent


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "drivers.printer", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=60)


@pytest.fixture
def printer(tmp_path):
    with VirtualPrinter(tmp_path / "out", transport="tcp") as vp:
        yield vp


def test_status_of_a_ready_printer(printer):
    result = cli("--port", printer.url, "status")
    assert result.returncode == 0, result.stderr
    assert f"printer at {printer.url}: online" in result.stdout
    assert "conditions: paper=ok" in result.stdout and "action: none" in result.stdout


def test_status_of_a_printer_without_paper_fails_with_the_reason(printer):
    printer.set_paper("out")
    result = cli("--port", printer.url, "status")
    assert result.returncode == 2
    assert "user_error (paper_out)" in result.stdout and "action: replenish" in result.stdout
    assert "cannot print: paper_out" in result.stderr


def test_test_page_over_a_pty_on_58mm(tmp_path):
    with VirtualPrinter(tmp_path / "out", transport="pty", dots_per_line=384) as printer:
        result = cli("--port", printer.url, "--profile", "58", "test-page")
        assert result.returncode == 0, result.stderr
        assert "test page printed" in result.stdout
        job = printer.jobs[-1]
    assert {"自助终端打印测试", "，。！（）：", "￥12.50"} <= set(job.text_lines)
    assert not any("?" in line for line in job.text_lines)
    assert job.cut and job.errors == []
    text, _, _ = cv2.QRCodeDetector().detectAndDecode(cv2.imread(str(job.png_path)))
    assert text.startswith("TEST-PAGE ")


@pytest.mark.parametrize("port, message", [
    ("tcp://127.0.0.1:1", "no_device refused"),
    ("/dev/ttyNOPE0", "no_device not_found"),
    ("sim", "error: port 'sim' needs the virtual printer"),
    ("tcp://nohost", "expected tcp://HOST:PORT"),
])
def test_failures_exit_2_with_a_clear_message(port, message):
    result = cli("--port", port, "test-page")
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_simulator_command_line_serves_renders_and_takes_operator_commands(tmp_path):
    sim = subprocess.Popen([sys.executable, "-m", "drivers.printer.sim", "--tcp", "0", "--out", str(tmp_path)],
                           cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line.strip()) for line in sim.stdout], daemon=True).start()
    driver = None
    try:
        ready = lines.get(timeout=30)
        assert ready.startswith("virtual printer ready: tcp://127.0.0.1:")
        url = ready.split(": ", 1)[1]
        driver = PrinterDriver(url, PrinterProfile.standard(80), EventBus(), tmp_path / "j.sqlite3")
        receipt = templates.queue_ticket(Origin.now("天河区24小时智慧政务大厅", "DEMO-0001"),
                                         ticket_no="A023", service="税务综合窗口", waiting=5)
        assert driver.print_job("j1", receipt).printed
        reported = lines.get(timeout=10)
        assert reported.startswith("job 1: ") and reported.endswith(f"cut -> {tmp_path / 'job-0001.png'}")
        sim.stdin.write("paper out\n")
        sim.stdin.flush()
        assert lines.get(timeout=10) == "ok: paper out"
        assert driver.status().reason == "paper_out"
        sim.stdin.write("unplug\n")
        sim.stdin.flush()
        assert lines.get(timeout=10) == "ok: unplug"
        assert driver.status().state is DeviceState.NO_DEVICE
        sim.stdin.write("quit\n")
        sim.stdin.flush()
        assert sim.wait(timeout=10) == 0
    finally:
        if driver is not None:
            driver.close()
        if sim.poll() is None:
            sim.kill()
            sim.wait()
    text = (tmp_path / "job-0001.txt").read_text(encoding="utf-8").splitlines()
    assert text[0] == "天河区24小时智慧政务大厅" and "A023" in text
