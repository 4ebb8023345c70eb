"""Start the reference agent console in a child process and know where it listens.

A child process for the same reasons as the reference backend (``backend_sim.launch``): it can be
killed like a real server (the network-loss tests do), and its work never competes with the
kiosk's UI thread.
"""
from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from backend_sim.launch import REPO_ROOT, LaunchError, _first_line


@dataclass
class ConsoleHandle:
    """A running console: ``url`` for agents' browsers, ``kiosk_url`` for kiosks (``[call] console_url``)."""

    url: str
    log_file: Path
    process: subprocess.Popen

    @property
    def kiosk_url(self) -> str:
        return "ws" + self.url.removeprefix("http") + "/ws/kiosk"

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop it (SIGTERM, then SIGKILL after ``timeout_s``) and wait for it."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill(self) -> None:
        """End it at once, as a crash or a pulled cable would (no goodbye to anyone)."""
        self.process.kill()
        self.process.wait()

    def __enter__(self) -> "ConsoleHandle":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


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
    cmd += ["--with-launcher"]  # it stops when this process ends, however it ends (backend_sim.lifeline)
    with open(log_file, "ab") as log:
        process = subprocess.Popen(cmd, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=log, stdin=subprocess.PIPE)
    line = _first_line(process, timeout_s)
    if not line.startswith("console: serving "):
        process.kill()
        process.wait()
        tail = log_file.read_text(errors="replace")[-2000:]
        raise LaunchError(f"the agent console did not start (exit {process.returncode}); its log {log_file} ends:\n{tail}")
    return ConsoleHandle(url=line.split()[2], log_file=log_file, process=process)
