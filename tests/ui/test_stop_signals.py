"""`python -m kiosk` stops cleanly on the service manager's SIGTERM and on a technician's Ctrl-C
(SIGINT) in a terminal: the session ends, systemd hears STOPPING=1, the process exits 0 and its
children (the reference backend, the face worker) are gone."""
import os
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import psutil
import pytest

from tests.ui.conftest import site_file

pytestmark = pytest.mark.ui

REPO = Path(__file__).resolve().parent.parent.parent


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_stop_signal_ends_the_kiosk_cleanly(tmp_path, stop):
    with tempfile.TemporaryDirectory(prefix="sdn") as short, \
            socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as manager:  # AF_UNIX paths stay < 108 bytes
        manager.bind(os.path.join(short, "notify"))
        manager.settimeout(90)
        env = dict(os.environ, NOTIFY_SOCKET=os.path.join(short, "notify"))
        env.pop("WATCHDOG_USEC", None)
        err_file = tmp_path / "stderr.txt"  # a file, not a pipe nobody reads until the end (it would fill up)
        with open(err_file, "wb") as err_out:
            kiosk = subprocess.Popen([sys.executable, "-m", "kiosk", "--demo", "--config", site_file(tmp_path)],
                                     cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=err_out)
        try:
            while b"READY=1" not in manager.recv(4096):
                pass
            children = psutil.Process(kiosk.pid).children(recursive=True)
            assert children, "the kiosk runs its reference backend and face worker as child processes"
            kiosk.send_signal(stop)
            manager.settimeout(30)
            heard = []
            while b"STOPPING=1" not in heard[-1:]:
                heard.append(manager.recv(4096))
            kiosk.wait(timeout=60)
        finally:
            if kiosk.poll() is None:
                kiosk.kill()
                kiosk.wait()
    err = err_file.read_text(encoding="utf-8", errors="replace")
    assert kiosk.returncode == 0, err[-3000:]
    assert "Traceback" not in err, err[-3000:]
    _gone, alive = psutil.wait_procs(children, timeout=10)
    assert not alive, [p.name() for p in alive]
