"""A reference server ends with the process that launched it.

:func:`backend_sim.launch.launch` and :func:`backend_sim.console.launch_console` give the server a
pipe as its stdin, write nothing to it, and pass ``--with-launcher``. However the launcher ends
(a test killed at its timeout, a kiosk killed by its watchdog), the kernel closes the pipe's other
end: the read below returns and the server stops as SIGTERM stops it. Before this, every killed
launcher left its servers running. ``PR_SET_PDEATHSIG`` would not do: it fires when the launching
*thread* ends, and the kiosk launches from worker threads.
"""
from __future__ import annotations

import os
import signal
import sys
import threading


def stop_with_launcher() -> None:
    """Stop this process (SIGTERM) when its stdin reaches end of file; call after the SIGTERM handler is set."""
    def watch() -> None:
        while sys.stdin.buffer.read(4096):
            pass  # the launcher writes nothing; anything that comes is ignored
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="launcher-watch", daemon=True).start()
