"""Start the reference agent console in a child process and know where it listens.

A child process for the same reasons as the reference backend (``backend_sim.launch``): it can be
killed like a real server (the network-loss tests do), and its work never competes with the
kiosk's UI thread.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from backend_sim.launch import ChildServer, start_server

_READY = re.compile(r"^console: serving (\S+)")


@dataclass
class ConsoleHandle(ChildServer):
    """A running console: ``url`` for agents' browsers, ``kiosk_url`` for kiosks (``[call] console_url``)."""

    url: str
    log_file: Path
    process: subprocess.Popen

    @property
    def kiosk_url(self) -> str:
        return "ws" + self.url.removeprefix("http") + "/ws/kiosk"


def launch_console(log_dir: Path | str, *, port: int = 0, weekday_hours: str = "08:00-22:00",
                   weekend_hours: str = "09:00-18:00", average_call_s: float = 240,
                   ice_servers: list | None = None, loopback_only: bool = True,
                   timeout_s: float = 20.0) -> ConsoleHandle:
    """Start ``python -m backend_sim.console`` and return once it listens.

    Raises:
        LaunchError: it exited or did not announce itself within ``timeout_s``.
    """
    log_dir = Path(log_dir).resolve()
    log_dir.mkdir(parents=True, exist_ok=True)
    log_file = log_dir / "console.log"
    cmd = [sys.executable, "-m", "backend_sim.console", "--port", str(port),
           "--weekday-hours", weekday_hours, "--weekend-hours", weekend_hours,
           "--average-call-s", str(average_call_s), "--ice-servers", json.dumps(ice_servers or [])]
    cmd += ["--loopback-only"] * loopback_only
    process, match = start_server(cmd, log_file, _READY, "the agent console", timeout_s)
    return ConsoleHandle(url=match.group(1), log_file=log_file, process=process)
