"""The running kiosk's local control socket, so technician CLIs never open a port the kiosk holds.

A Unix socket, owner-only (0600), at ``[technician] control_socket``. One request per connection:
a JSON line ``{"command": "printer.status", "args": {}}``; one JSON line back: ``{"ok": true,
"result": ...}`` or ``{"ok": false, "error": "what to do"}``. A CLI that cannot connect knows the
kiosk is not running and may open the device itself.
"""
from __future__ import annotations

import json
import logging
import os
import socket
import threading
from pathlib import Path
from typing import Any, Callable, Mapping

log = logging.getLogger(__name__)

Handler = Callable[[dict], Any]
MAX_REQUEST = 64 * 1024


class KioskNotRunning(Exception):
    """Nothing listens on the control socket: the kiosk is not running."""


class ControlError(Exception):
    """The kiosk answered with an error; the message says how to proceed."""


class Refused(Exception):
    """Raised by a handler to refuse a command with a message for the technician."""


class ControlServer:
    """Serves ``handlers`` (command name -> function of the args) on a Unix socket at ``path``."""

    def __init__(self, path: Path, handlers: Mapping[str, Handler]) -> None:
        self.path = path
        self.handlers = dict(handlers)
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Bind (removing a stale socket left by a crash) and serve in a thread.

        Raises:
            RuntimeError: another kiosk is serving on this socket.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists():
            try:
                call(self.path, "ping", timeout_s=1.0)
            except (KioskNotRunning, ControlError):
                self.path.unlink(missing_ok=True)
            else:
                raise RuntimeError(f"another kiosk is running: {self.path} answers")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old_umask = os.umask(0o177)  # the socket file is created owner-only, never briefly wider
        try:
            sock.bind(str(self.path))
        finally:
            os.umask(old_umask)
        os.chmod(self.path, 0o600)
        sock.listen(4)
        self._sock = sock
        self._thread = threading.Thread(target=self._serve, name="control-socket", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        if self._thread is not None:
            self._thread.join(5)
        self.path.unlink(missing_ok=True)

    def _serve(self) -> None:
        while self._sock is not None:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return  # closed by stop()
            threading.Thread(target=self._handle, args=(conn,), name="control-request", daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(30)
            try:
                request = json.loads(_read_line(conn))
                handler = self.handlers.get(request.get("command"))
                if handler is None:
                    reply = {"ok": False, "error": f"unknown command {request.get('command')!r}; "
                             f"known: {', '.join(sorted(self.handlers))}"}
                else:
                    reply = {"ok": True, "result": handler(request.get("args") or {})}
            except Refused as e:
                reply = {"ok": False, "error": str(e)}
            except Exception as e:  # noqa: BLE001 - answer the CLI rather than leave it hanging
                log.exception("control request failed")
                reply = {"ok": False, "error": f"the kiosk could not do it ({type(e).__name__}); see its log"}
            try:
                conn.sendall(json.dumps(reply, ensure_ascii=False).encode("utf-8") + b"\n")
            except OSError:
                pass


def _read_line(conn: socket.socket) -> bytes:
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
        if len(data) > MAX_REQUEST:
            raise ValueError("request too long")
    return data


def call(path: Path, command: str, args: dict | None = None, *, timeout_s: float = 60.0) -> Any:
    """Ask the running kiosk to do ``command``; returns its result.

    Raises:
        KioskNotRunning: no kiosk listens at ``path``.
        ControlError: the kiosk refused or failed; the message says how to proceed.
    """
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout_s)
    try:
        try:
            sock.connect(str(path))
        except (FileNotFoundError, ConnectionRefusedError):
            raise KioskNotRunning(str(path)) from None
        except PermissionError:
            raise ControlError(f"{path}: permission denied; run the tool as the kiosk's user (or root)") from None
        sock.sendall(json.dumps({"command": command, "args": args or {}}).encode("utf-8") + b"\n")
        line = _read_line(sock)
    finally:
        sock.close()
    if not line:
        raise ControlError("the kiosk closed the connection without answering; see its log")
    reply = json.loads(line)
    if not reply.get("ok"):
        raise ControlError(reply.get("error", "refused"))
    return reply.get("result")


def socket_path(settings) -> Path:
    """Where the kiosk of ``settings`` serves its control socket."""
    return settings.data_path(settings.technician.control_socket)


def kiosk_running(path: Path) -> bool:
    """True when a kiosk answers on ``path`` (the technician CLIs ask before opening a device)."""
    try:
        call(path, "ping", timeout_s=5.0)
    except KioskNotRunning:
        return False
    except ControlError:
        return True  # something answers (or refuses us): do not touch its devices
    return True
