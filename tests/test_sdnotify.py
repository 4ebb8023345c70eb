"""sd_notify client: datagrams reach a real AF_UNIX socket, as systemd would receive them."""
import logging
import os
import socket
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest

from kiosk import sdnotify

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(sdnotify, "_last_error", None)


@pytest.fixture
def manager(monkeypatch):
    """A datagram socket in a short temporary directory playing systemd; NOTIFY_SOCKET points at it."""
    with tempfile.TemporaryDirectory(prefix="sdn") as directory:  # AF_UNIX paths must stay < 108 bytes
        path = os.path.join(directory, "notify")
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.bind(path)
            sock.settimeout(5)
            monkeypatch.setenv("NOTIFY_SOCKET", path)
            yield sock


def test_each_helper_sends_its_notification(manager):
    assert sdnotify.ready()
    assert sdnotify.watchdog()
    assert sdnotify.status("Serving: attract screen")
    assert sdnotify.stopping()
    received = [manager.recv(4096) for _ in range(4)]
    assert received == [b"READY=1", b"WATCHDOG=1", b"STATUS=Serving: attract screen", b"STOPPING=1"]


def test_abstract_socket_written_with_at_sign(monkeypatch):
    name = f"hall-kiosk-test-{uuid.uuid4().hex}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        sock.settimeout(5)
        monkeypatch.setenv("NOTIFY_SOCKET", "@" + name)
        assert sdnotify.ready()
        assert sock.recv(4096) == b"READY=1"


def test_status_stays_one_line_so_it_cannot_inject_other_keys(manager):
    sdnotify.status("printer: paper out\nREADY=1")
    assert manager.recv(4096) == b"STATUS=printer: paper out READY=1"


def test_outside_systemd_nothing_is_sent():
    assert sdnotify.ready() is False
    assert sdnotify.watchdog() is False


def test_unreachable_manager_is_logged_once_and_recovery_once(monkeypatch, manager, caplog):
    real = os.environ["NOTIFY_SOCKET"]
    monkeypatch.setenv("NOTIFY_SOCKET", real + ".gone")
    with caplog.at_level(logging.INFO, logger="kiosk.sdnotify"):
        assert [sdnotify.watchdog() for _ in range(3)] == [False, False, False]
        monkeypatch.setenv("NOTIFY_SOCKET", real)
        assert sdnotify.watchdog() and sdnotify.watchdog()
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("WARNING", "cannot notify systemd: No such file or directory"),
        ("INFO", "notifying systemd works again"),
    ]
    assert manager.recv(4096) == b"WATCHDOG=1"


@pytest.mark.parametrize(
    "usec, pid, expected",
    [
        ("30000000", "self", 15.0),      # the kiosk is the process systemd started
        ("30000000", "parent", 15.0),    # the kiosk runs under cage, which systemd started
        ("30000000", None, 15.0),        # no WATCHDOG_PID: the watchdog is for whoever reads it
        ("30000000", "other", None),     # inherited by a process the watchdog is not meant for
        ("0", "self", None),
        ("soon", "self", None),
        (None, "self", None),
    ],
)
def test_watchdog_interval_is_half_the_period(monkeypatch, usec, pid, expected):
    pids = {"self": os.getpid(), "parent": os.getppid(), "other": 1 if os.getppid() != 1 else 2}
    if usec is not None:
        monkeypatch.setenv("WATCHDOG_USEC", usec)
    if pid is not None:
        monkeypatch.setenv("WATCHDOG_PID", str(pids[pid]))
    assert sdnotify.watchdog_interval_s() == expected


def test_child_of_the_started_process_feeds_the_watchdog(manager):
    """This test process plays cage (WATCHDOG_PID names it); the kiosk is its child."""
    env = {**os.environ, "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": str(os.getpid())}
    child = ("from kiosk import sdnotify\n"
             "assert sdnotify.watchdog_interval_s() == 15.0\n"
             "assert sdnotify.ready() and sdnotify.watchdog()\n")
    subprocess.run([sys.executable, "-c", child], env=env, cwd=REPO, check=True, timeout=60)
    assert [manager.recv(4096) for _ in range(2)] == [b"READY=1", b"WATCHDOG=1"]


def test_a_manager_that_stops_reading_never_blocks_the_caller(manager, caplog):
    # An AF_UNIX datagram queue holds only a few messages; a blocking send would freeze the UI.
    results = [sdnotify.watchdog() for _ in range(500)]
    assert results[0] is True and results[-1] is False
    assert sum("cannot notify systemd" in r.message for r in caplog.records) == 1
