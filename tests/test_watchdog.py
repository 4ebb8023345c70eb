"""The watchdog does its job: a UI loop that hangs stops the pings, so systemd, with the unit's
settings, kills and restarts the kiosk within 30 s of the hang."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from kiosk import sdnotify
from tests.test_systemd_units import KIOSK_UNIT, one, parse_unit

REPO = Path(__file__).resolve().parent.parent
SCALED_WATCHDOG_S = 2.0  # the unit's period scaled down so the test takes seconds; the rule is the same


def _seconds(value: str) -> float:
    units = {"": 1, "s": 1, "sec": 1, "ms": 0.001, "min": 60}
    number = value.rstrip("abcdefghijklmnopqrstuvwxyz")
    return float(number) * units[value[len(number):]]


def test_the_unit_restarts_a_hung_kiosk_within_30_s():
    unit = parse_unit(KIOSK_UNIT)
    watchdog = _seconds(one(unit, "Service", "WatchdogSec"))
    abort = _seconds(one(unit, "Service", "TimeoutAbortSec"))
    restart = _seconds(one(unit, "Service", "RestartSec"))
    assert one(unit, "Service", "Restart") == "always"
    # last feed -> SIGABRT after WatchdogSec; SIGKILL after TimeoutAbortSec if it lingers; start after RestartSec
    assert 0 < watchdog <= 30 and watchdog + abort + restart < 30


def test_the_feed_interval_is_half_the_units_period_or_less(monkeypatch):
    watchdog = _seconds(one(parse_unit(KIOSK_UNIT), "Service", "WatchdogSec"))
    monkeypatch.setenv("WATCHDOG_USEC", str(int(watchdog * 1_000_000)))
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    scheduled = []
    interval = sdnotify.start_watchdog(lambda callback, seconds: scheduled.append(seconds))
    assert scheduled == [interval] and 0 < interval <= watchdog / 2


@pytest.fixture
def manager():
    """A datagram socket playing systemd's notification socket."""
    with tempfile.TemporaryDirectory(prefix="wd") as directory:  # AF_UNIX paths must stay short
        path = os.path.join(directory, "notify")
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.bind(path)
            yield sock, path


def test_a_hung_ui_loop_stops_the_pings_so_the_watchdog_fires(manager):
    sock, path = manager
    env = dict(os.environ, NOTIFY_SOCKET=path, WATCHDOG_USEC=str(int(SCALED_WATCHDOG_S * 1_000_000)),
               WATCHDOG_PID=str(os.getpid()),  # the loop is our child, as the kiosk is cage's
               KIVY_NO_ARGS="1", KIVY_NO_CONFIG="1", KIVY_NO_FILELOG="1", KIVY_NO_CONSOLELOG="1",
               PYTHONPATH=str(REPO))
    loop = subprocess.Popen([sys.executable, str(REPO / "tests" / "hung_ui_loop.py"), "3.0"], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        pings: list[float] = []
        sock.settimeout(30)  # start-up (importing Kivy) on a loaded machine
        while True:
            message = sock.recv(4096)
            if message == b"STATUS=hanging":
                hung_at = time.monotonic()
                break
            assert message == b"WATCHDOG=1"
            pings.append(time.monotonic())
            sock.settimeout(SCALED_WATCHDOG_S)  # a gap this long would already have fired the watchdog
        assert len(pings) >= 2
        # after the hang, nothing for twice the period: systemd's watchdog fires (and the unit restarts it)
        sock.settimeout(2 * SCALED_WATCHDOG_S)
        with pytest.raises(socket.timeout):
            print(sock.recv(4096))
        assert loop.poll() is None and time.monotonic() - hung_at >= 2 * SCALED_WATCHDOG_S * 0.9
    finally:
        loop.kill()
        loop.wait(10)
