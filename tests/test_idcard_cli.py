"""The technician CLI and the stand-alone simulator, run as the technician runs them: subprocesses."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from drivers.idcard.sim import SAM_ID, SimulatedReader
from tests.idcard_support import expected_json

REPO = Path(__file__).resolve().parent.parent


def cli(*args: str, timeout: float = 20) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "drivers.idcard", *args], cwd=REPO, capture_output=True,
                          timeout=timeout)


@pytest.fixture
def sim():
    simulator = SimulatedReader(realistic_delays=False)
    simulator.start()
    yield simulator
    simulator.stop()


def test_status_prints_sam_status_and_sam_id(sim):
    result = cli("--port", sim.port, "status")
    out = result.stdout.decode()
    assert result.returncode == 0, result.stderr
    assert "SAM status: ready" in out and f"SAM ID: {SAM_ID[:8].hex()} {SAM_ID[8:].hex()}" in out
    assert "baud: 115200" in out


@pytest.mark.parametrize("name", ["resident_long_term", "foreign_permanent_2023", "resident_rare_name"])
def test_read_json_prints_the_card_and_exits_0(sim, name):
    sim.place(name)
    result = cli("--port", sim.port, "read", "--json", "--timeout", "5")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.decode("utf-8")) == expected_json(name)


def test_read_without_a_card_exits_3(sim):
    result = cli("--port", sim.port, "read", "--json", "--timeout", "0.5")
    assert result.returncode == 3 and result.stdout == b""
    assert b"no card within 0.5 s" in result.stderr


def test_a_missing_port_exits_2_with_a_clear_message(tmp_path):
    result = cli("--port", str(tmp_path / "ttyUSB9"), "status")
    assert result.returncode == 2
    assert b"no such device (unplugged?)" in result.stderr and b"Traceback" not in result.stderr


def test_a_silent_reader_exits_2(sim):
    sim.fault("silence")
    result = cli("--port", sim.port, "--baud", "115200", "status")
    assert result.returncode == 2 and b"no reply within 0.5 s" in result.stderr


def test_a_sam_self_test_failure_exits_2_naming_sw3_60(sim):
    sim.fault("sam_fail")
    result = cli("--port", sim.port, "status")
    assert result.returncode == 2 and b"SW3 0x60" in result.stderr and b"self-test" in result.stderr


def test_an_invalid_card_exits_2_without_printing_its_fields(sim):
    sim.place("resident_bad_check")
    result = cli("--port", sim.port, "read", "--json", "--timeout", "5")
    assert result.returncode == 2 and result.stdout == b""
    assert b"card rejected (invalid_number)" in result.stderr and b"440106" not in result.stderr


def test_a_corrupt_read_exits_2(sim):
    sim.place("resident")
    sim.fault("checksum", command="read")
    result = cli("--port", sim.port, "read", "--timeout", "5")
    assert result.returncode == 2 and b"checksum" in result.stderr


def test_the_cli_finds_a_9600_baud_module(sim):
    sim.baud = 9600
    sim.place("hmt_permit")
    result = cli("--port", sim.port, "read", "--json", "--timeout", "5")
    assert result.returncode == 0 and json.loads(result.stdout)["pass_number"] == "H09876543"


def test_the_standalone_simulator_prints_its_port_and_obeys_stdin(tmp_path):
    link = tmp_path / "idcard"
    process = subprocess.Popen([sys.executable, "-m", "drivers.idcard.sim", "--fast", "--link", str(link)],
                               cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    try:
        assert process.stdout.readline().strip() == str(link)

        def say(line: str) -> str:
            process.stdin.write(line + "\n")
            process.stdin.flush()
            return process.stdout.readline().strip()

        assert say("place foreign_permanent") == "ok"
        result = cli("--port", str(link), "read", "--json", "--timeout", "5")
        assert json.loads(result.stdout)["english_name"] == "TESTPERSON, SAMPLE"
        assert say("place nobody").startswith("error: no card fixture 'nobody'")
        assert say("remove") == "ok"
        assert say("unplug") == "ok" and not link.exists()
        assert say("replug") == "ok" and link.exists()
        assert say("quit") == "" and process.wait(timeout=10) == 0
    finally:
        process.kill()
        process.wait()
    assert not link.exists()


def test_the_simulator_never_replaces_a_real_file_at_its_link_path(tmp_path):
    real = tmp_path / "ttyUSB0"
    real.write_text("a device node stands here")
    with pytest.raises(FileExistsError):
        SimulatedReader(link=real).start()
    assert real.read_text() == "a device node stands here"
