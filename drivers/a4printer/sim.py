"""A virtual A4 laser printer: PJL over raw TCP (AppSocket, port 9100), in-process or from the command line.

    python -m drivers.a4printer.sim --tcp 9100 --out var/virtual-a4

It answers ``@PJL INFO STATUS``, ``INFO PAGECOUNT`` and ``INQUIRE DUPLEX``, takes jobs wrapped as
:mod:`drivers.a4printer.pjl` describes, stores each one's PDF as ``OUT/a4-job-NNNN.pdf`` and,
when the job asked for it, reports its end (``USTATUS JOB END``) or the fault that stopped it
(``USTATUS DEVICE``). Faults, as a technician would meet them: the paper tray empty (41202), a
door open (40021), taken offline at the panel (10002), a tray with only N sheets left (runs out
in the middle of a job), and a connection dropped while a job comes in. On the command line,
stdin takes ``paper ok|out``, ``door open|closed``, ``offline on|off``, ``sheets N``, ``drop``, ``quit``.

In-process (tests, demo mode)::

    printer = VirtualA4Printer(out_dir)
    url = printer.start()                # "tcp://127.0.0.1:PORT"
    printer.wait_for_jobs(1, timeout=10)
    printer.jobs[-1].pdf_path
"""
from __future__ import annotations

import argparse
import re
import selectors
import signal
import socket
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from common.console import serve_commands
from drivers.a4printer.pjl import FF, UEL

PAPER_OUT_CODE = 41202  # "load tray 2" (the A4 cassette)
_PAGE = re.compile(rb"/Type\s*/Page(?![s\w])")


@dataclass(frozen=True)
class A4Job:
    """One job the virtual printer received: its name, pages, and how many came out."""

    number: int
    name: str
    pdf_path: Path
    pages: int
    pages_printed: int
    duplex: bool

    @property
    def complete(self) -> bool:
        return 0 < self.pages == self.pages_printed


class _Connection:
    """One host's stream: PJL lines, and a PDF between ENTER LANGUAGE and the next UEL."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = bytearray()
        self.in_pdf = False
        self.pdf = bytearray()
        self.job_name = ""
        self.duplex = False
        self.ustatus_job = self.ustatus_device = False


class VirtualA4Printer:
    """A PJL printer on 127.0.0.1 serving one host at a time from its own thread.

    Args:
        out_dir: where jobs are stored.
        tcp_port: the port to listen on (0: any free port).
        sheets: sheets in the tray (None: never runs out).
        on_job: called (from the printer's thread) with each finished or interrupted job.
    """

    def __init__(self, out_dir: Path, *, tcp_port: int = 0, sheets: int | None = None,
                 on_job: Callable[[A4Job], None] | None = None) -> None:
        self.out_dir = Path(out_dir)
        self.jobs: list[A4Job] = []
        self.page_count = 0
        self._port = tcp_port
        self._sheets = sheets
        self._paper_out = sheets == 0
        self._door_open = False
        self._offline = False
        self._drop_next = False
        self._on_job = on_job
        self._lock = threading.RLock()
        self._jobs_changed = threading.Condition(self._lock)
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._requests: list[tuple[Callable[[], None], threading.Event]] = []
        self._listener: socket.socket | None = None
        self._conn: _Connection | None = None
        self._thread: threading.Thread | None = None
        self._stopping = False
        self.url = ""

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self) -> str:
        """Start listening; returns ``tcp://127.0.0.1:PORT`` for the driver."""
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", self._port))
        self._listener.listen(8)
        self._port = self._listener.getsockname()[1]
        self.url = f"tcp://127.0.0.1:{self._port}"
        self._selector.register(self._wake_r, selectors.EVENT_READ)
        self._selector.register(self._listener, selectors.EVENT_READ)
        self._thread = threading.Thread(target=self._serve, name="virtual-a4-printer", daemon=True)
        self._thread.start()
        return self.url

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._thread is None:
            return
        self._stopping = True
        self._wake_w.send(b"!")
        self._thread.join(timeout=5)
        self._thread = None
        if self._conn is not None:
            self._conn.sock.close()
        self._listener.close()
        self._wake_r.close()
        self._wake_w.close()

    def wait_for_jobs(self, count: int, timeout: float) -> bool:
        """Wait until at least ``count`` jobs have ended (printed or interrupted)."""
        with self._jobs_changed:
            return self._jobs_changed.wait_for(lambda: len(self.jobs) >= count, timeout)

    # -- faults (any thread) --------------------------------------------------------------------
    def set_paper(self, state: str, sheets: int | None = None) -> None:
        """``"ok"`` (a full tray, or ``sheets`` sheets) or ``"out"``."""
        if state not in ("ok", "out"):
            raise ValueError("paper is 'ok' or 'out'")
        self._change(lambda: self._set_paper(state == "out", sheets))

    def set_door(self, state: str) -> None:
        """``"open"`` or ``"closed"``."""
        if state not in ("open", "closed"):
            raise ValueError("door is 'open' or 'closed'")
        self._change(lambda: setattr(self, "_door_open", state == "open"))

    def set_offline(self, offline: bool) -> None:
        """Taken offline at the panel (True) or put back online."""
        self._change(lambda: setattr(self, "_offline", bool(offline)))

    def drop_next_job(self) -> None:
        """Close the connection as soon as the next job's document starts to arrive."""
        with self._lock:
            self._drop_next = True

    def _set_paper(self, out: bool, sheets: int | None) -> None:
        self._paper_out, self._sheets = out, (0 if out else sheets)

    def _change(self, change: Callable[[], None]) -> None:
        """Apply a fault on the printer's thread, which tells a host that asked for USTATUS DEVICE."""
        done = threading.Event()
        with self._lock:
            self._requests.append((change, done))
        self._wake_w.send(b"!")
        if not done.wait(timeout=5):
            raise TimeoutError("the virtual A4 printer did not respond in time")

    # -- state ------------------------------------------------------------------------------------
    def _status(self) -> tuple[int, str, bool]:
        if self._door_open:
            return 40021, "CLOSE FRONT DOOR", False
        if self._paper_out:
            return PAPER_OUT_CODE, "LOAD TRAY 2 A4", False
        if self._offline:
            return 10002, "OFFLINE", False
        return 10001, "READY", True

    def _status_block(self, topic: str) -> bytes:
        code, display, online = self._status()
        return (f'@PJL {topic}\r\nCODE={code}\r\nDISPLAY="{display}"\r\nONLINE={"TRUE" if online else "FALSE"}\r\n'
                ).encode("ascii") + FF

    # -- the printer's thread ---------------------------------------------------------------------
    def _serve(self) -> None:
        while not self._stopping:
            for key, _ in self._selector.select():
                if key.fileobj is self._wake_r:
                    self._wake_r.recv(64)
                    self._handle_requests()
                elif key.fileobj is self._listener:
                    self._accept()
                else:
                    self._receive()

    def _handle_requests(self) -> None:
        with self._lock:
            requests, self._requests = self._requests, []
            for change, done in requests:
                change()
                if self._conn is not None and self._conn.ustatus_device:
                    self._send(self._status_block("USTATUS DEVICE"))
                done.set()

    def _accept(self) -> None:
        sock, _ = self._listener.accept()
        self._selector.unregister(self._listener)  # one host at a time; the others wait in the backlog
        self._conn = _Connection(sock)
        self._selector.register(sock, selectors.EVENT_READ)

    def _close(self) -> None:
        conn, self._conn = self._conn, None
        self._selector.unregister(conn.sock)
        conn.sock.close()
        if conn.in_pdf or conn.job_name:  # a job cut off on the wire: nothing of it printed
            self._finish(conn, printed_pages=0)
        self._selector.register(self._listener, selectors.EVENT_READ)

    def _receive(self) -> None:
        try:
            data = self._conn.sock.recv(65536)
        except OSError:
            data = b""
        if not data:
            self._close()
            return
        with self._lock:
            conn = self._conn
            conn.buffer += data
            while conn is self._conn and conn.buffer:
                if not (self._take_pdf(conn) if conn.in_pdf else self._take_line(conn)):
                    break

    def _take_pdf(self, conn: _Connection) -> bool:
        end = conn.buffer.find(UEL)
        if end < 0:  # keep a possible partial UEL for the next read
            keep = len(UEL) - 1
            conn.pdf += conn.buffer[:-keep]
            del conn.buffer[:-keep]
            return False
        conn.pdf += conn.buffer[:end]
        del conn.buffer[:end + len(UEL)]
        conn.in_pdf = False
        return True

    def _take_line(self, conn: _Connection) -> bool:
        while conn.buffer.startswith(UEL):
            del conn.buffer[:len(UEL)]
        end = conn.buffer.find(b"\n")
        if end < 0:
            return False
        line = bytes(conn.buffer[:end]).decode("ascii", "replace").strip()
        del conn.buffer[:end + 1]
        self._command(conn, line)
        return True

    def _command(self, conn: _Connection, line: str) -> None:
        words = line.upper().replace("=", " = ").split()
        if words[:1] != ["@PJL"] or len(words) < 2:
            return
        verb = words[1:3]
        if verb == ["INFO", "STATUS"]:
            self._send(self._status_block("INFO STATUS"))
        elif verb == ["INFO", "PAGECOUNT"]:
            self._send(f"@PJL INFO PAGECOUNT\r\nPAGECOUNT={self.page_count}\r\n".encode("ascii") + FF)
        elif verb == ["INQUIRE", "DUPLEX"]:
            self._send(b"@PJL INQUIRE DUPLEX\r\n" + (b"ON" if conn.duplex else b"OFF") + b"\r\n" + FF)
        elif words[1] == "JOB":
            match = re.search(r'NAME\s*=\s*"([^"]*)"', line)
            conn.job_name, conn.duplex, conn.pdf = (match.group(1) if match else "job"), False, bytearray()
        elif words[1] == "USTATUS" and len(words) >= 5:
            on = words[4] in ("ON", "VERBOSE")
            if words[2] == "JOB":
                conn.ustatus_job = on
            elif words[2] == "DEVICE":
                conn.ustatus_device = on
        elif verb == ["SET", "DUPLEX"] and len(words) >= 5:
            conn.duplex = words[4] == "ON"
        elif verb == ["ENTER", "LANGUAGE"]:
            conn.in_pdf = True
            if self._drop_next:
                self._drop_next = False
                self._close()
        elif words[1] == "EOJ":
            self._print(conn)

    def _print(self, conn: _Connection) -> None:
        pages = len(_PAGE.findall(conn.pdf)) if conn.pdf.startswith(b"%PDF-") else 0
        if not self._status()[2] or not pages:  # stopped before it began, or nothing to print
            self._finish(conn, printed_pages=0)
            if conn.ustatus_device:
                self._send(self._status_block("USTATUS DEVICE"))
            return
        sheets_needed = (pages + 1) // 2 if conn.duplex else pages
        sheets = sheets_needed if self._sheets is None else min(self._sheets, sheets_needed)
        if self._sheets is not None:
            self._sheets -= sheets
            self._paper_out = self._sheets == 0  # the tray is empty now, whether or not the job is whole
        printed = pages if sheets == sheets_needed else sheets * (2 if conn.duplex else 1)
        self.page_count += printed
        job = self._finish(conn, printed)
        if job.complete and conn.ustatus_job:
            self._send(f'@PJL USTATUS JOB\r\nEND\r\nNAME="{job.name}"\r\nPAGES={pages}\r\n'.encode("ascii") + FF)
        elif not job.complete and conn.ustatus_device:
            self._send(self._status_block("USTATUS DEVICE"))

    def _finish(self, conn: _Connection, printed_pages: int) -> A4Job:
        number = len(self.jobs) + 1
        path = self.out_dir / f"a4-job-{number:04d}.pdf"
        path.write_bytes(bytes(conn.pdf))
        pages = len(_PAGE.findall(conn.pdf))
        job = A4Job(number, conn.job_name or "job", path, pages, printed_pages, conn.duplex)
        conn.job_name, conn.pdf, conn.in_pdf = "", bytearray(), False
        self.jobs.append(job)
        self._jobs_changed.notify_all()
        if self._on_job is not None:
            self._on_job(job)
        return job

    def _send(self, data: bytes) -> None:
        if self._conn is None:
            return
        try:
            self._conn.sock.sendall(data)
        except OSError:
            pass  # the host went away; its next read fails on its side


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m drivers.a4printer.sim", description=__doc__.split("\n")[0])
    parser.add_argument("--tcp", type=int, default=0, metavar="PORT", help="listen on 127.0.0.1:PORT (0: any free port)")
    parser.add_argument("--out", type=Path, required=True, help="directory for a4-job-NNNN.pdf")
    parser.add_argument("--sheets", type=int, help="sheets in the tray (default: never runs out)")
    args = parser.parse_args(argv)

    def report(job: A4Job) -> None:
        how = "printed" if job.complete else f"interrupted after {job.pages_printed} of {job.pages} pages"
        print(f"job {job.number}: {how} -> {job.pdf_path}", flush=True)

    printer = VirtualA4Printer(args.out, tcp_port=args.tcp, sheets=args.sheets, on_job=report)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"virtual A4 printer ready: {printer.start()}", flush=True)
    commands = {
        "paper": lambda state, *n: printer.set_paper(state, int(n[0]) if n else None),
        "door": printer.set_door,
        "offline": lambda state: printer.set_offline(state == "on"),
        "sheets": lambda n: printer.set_paper("ok", int(n)),
        "drop": printer.drop_next_job,
    }
    return serve_commands(commands, "paper ok|out, door open|closed, offline on|off, sheets N, drop", printer.stop)


if __name__ == "__main__":
    sys.exit(main())
