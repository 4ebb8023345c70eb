"""Start the reference backend in a child process and know where it listens.

A child process (not a thread) because it can be killed like a real server, its CPU work does not
compete with the kiosk's UI thread for the GIL, and a crash in it cannot take the kiosk down.
"""
from __future__ import annotations

import json
import re
import selectors
import ssl
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
_READY = re.compile(r"backend_sim: serving (https?://\S+)")


class LaunchError(RuntimeError):
    """A reference server did not start; the message includes the end of its log."""


class ChildServer:
    """What the handles of the reference servers share: the child ``process`` each runs in."""

    process: subprocess.Popen

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

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


@dataclass
class SimHandle(ChildServer):
    """A running reference backend.

    Attributes:
        base_url: e.g. ``http://127.0.0.1:41237`` (what ``[backend] base_url`` would be).
        data_dir: its database folder.
        ca_file, client_cert, client_key: with TLS, the test CA and a kiosk certificate; else "".
        log_file: its stderr.
    """

    base_url: str
    data_dir: Path
    ca_file: str
    client_cert: str
    client_key: str
    log_file: Path
    process: subprocess.Popen

    def submissions(self) -> dict:
        """``GET /_sim/submissions``: every submission processed, with key and receive count."""
        return self._request("GET", "/_sim/submissions")

    def handoff(self, action: str, handoff_id: str | None = None) -> dict:
        """What the citizen does on the phone: ``confirm`` (signs in the app), ``refuse`` or ``expire``
        the hand-off ``handoff_id`` (None: the newest pending one). Returns the reply body.

        Raises:
            urllib.error.HTTPError: 404 when there is no such pending hand-off.
        """
        return self._request("POST", f"/_sim/handoffs/{action}", {"handoff_id": handoff_id} if handoff_id else {})

    def pay(self, order_id: str | None = None) -> dict:
        """The citizen pays with the phone: order ``order_id``, or the newest open one (the demo key ``$``).

        Raises:
            urllib.error.HTTPError: 404 without an open order, 409 when it cannot be paid (expired, paid).
        """
        return self._request("POST", "/_sim/payment/pay", {"order_id": order_id} if order_id else {})

    def faults(self, **settings) -> dict:
        """Set simulator faults (``backend_sim.payment.DEFAULTS``: ``payment_down``, ``exit_entry_down``, ``confirm_delay_s``,
        ``late_payment``, ``duplicate_notifications``, ``order_ttl_s``, ``refund_after_s``,
        ``refuse_endorsements``, ``appointments_lag_s``: bookings younger than this are not listed yet);
        returns them all."""
        return self._request("POST", "/_sim/faults", settings)

    def payments(self) -> dict:
        """What the departments were notified of, fees paid, and refunds (``GET /_sim/payment``)."""
        return self._request("GET", "/_sim/payment")

    def _request(self, method: str, path: str, body: dict | None = None) -> dict:
        context = ssl.create_default_context(cafile=self.ca_file) if self.ca_file else None
        if context and self.client_cert:
            context.load_cert_chain(self.client_cert, self.client_key)
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.base_url}{path}", data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10, context=context) as reply:  # noqa: S310 - our own URL
            return json.load(reply)


def launch(data_dir: Path | str, *, port: int = 0, fail_rate: float = 0.0, drop_reply_rate: float = 0.0,
           latency_ms: int = 0, tls: bool = False, require_client_cert: bool = False,
           accept_after_s: float = 20.0, done_after_s: float = 60.0, handoff_expiry_s: float = 180.0,
           seed: int | None = None, timeout_s: float = 20.0) -> SimHandle:
    """Start ``python -m backend_sim`` and return once it listens.

    Raises:
        LaunchError: it exited or did not announce itself within ``timeout_s``.
    """
    data_dir = Path(data_dir).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    log_file = data_dir / "backend_sim.log"
    cmd = [sys.executable, "-m", "backend_sim", "--port", str(port), "--data", str(data_dir),
           "--fail-rate", str(fail_rate), "--drop-reply-rate", str(drop_reply_rate), "--latency-ms", str(latency_ms),
           "--accept-after-s", str(accept_after_s), "--done-after-s", str(done_after_s),
           "--handoff-expiry-s", str(handoff_expiry_s)]
    cmd += ["--tls"] * tls + ["--require-client-cert"] * require_client_cert
    cmd += ["--seed", str(seed)] if seed is not None else []
    process, match = start_server(cmd, log_file, _READY, "backend_sim", timeout_s)
    tls_dir = data_dir / "tls"
    return SimHandle(
        base_url=match.group(1), data_dir=data_dir, log_file=log_file, process=process,
        ca_file=str(tls_dir / "ca.pem") if tls else "",
        client_cert=str(tls_dir / "client.pem") if tls else "",
        client_key=str(tls_dir / "client.key") if tls else "",
    )


def start_server(cmd: list[str], log_file: Path, ready: re.Pattern, name: str,
                 timeout_s: float) -> tuple[subprocess.Popen, re.Match]:
    """Run ``cmd`` (a ``python -m`` server of this repository) with its stderr in ``log_file``,
    and wait for the first line on its stdout to match ``ready``.

    Raises:
        LaunchError: it exited or did not announce itself within ``timeout_s``.
    """
    cmd = cmd + ["--with-launcher"]  # it stops when this process ends, however it ends (backend_sim.lifeline)
    with open(log_file, "ab") as log:
        process = subprocess.Popen(cmd, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=log, stdin=subprocess.PIPE)
    match = ready.search(_first_line(process, timeout_s))
    if not match:
        process.kill()
        process.wait()
        tail = log_file.read_text(errors="replace")[-2000:]
        raise LaunchError(f"{name} did not start (exit {process.returncode}); its log {log_file} ends:\n{tail}")
    return process, match


def _first_line(process: subprocess.Popen, timeout_s: float) -> str:
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout_s):
            return ""
    return process.stdout.readline().decode(errors="replace")
