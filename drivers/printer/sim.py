"""A virtual receipt printer on a pseudo-terminal or a TCP port, in-process or from the command line.

    python -m drivers.printer.sim --tcp 0 --out var/virtual-printer       # prints its tcp:// URL
    python -m drivers.printer.sim --pty --out var/virtual-printer --width 58

It speaks ESC/POS like a real printer (see :mod:`drivers.printer.emulator`) and writes each job to
``OUT/job-NNNN.png`` and ``OUT/job-NNNN.txt``. On the command line, stdin takes operator commands:
``paper ok|near_end|out``, ``cover open|closed``, ``unplug``, ``replug``, ``tear``, ``quit``.

In-process (tests, demo mode)::

    printer = VirtualPrinter(out_dir, transport="tcp")
    port = printer.start()              # "tcp://127.0.0.1:PORT", or the pty's path
    ...                                 # PrinterDriver(port, ...) prints to it
    printer.wait_for_jobs(1, timeout=10)
    printer.jobs[-1].text_lines, printer.jobs[-1].png_path
    printer.stop()

A pty's path is a symlink in ``out_dir`` (``printer.tty``) that is re-pointed on :meth:`replug`,
like a udev ``SYMLINK+=`` rule for a USB serial adapter.
"""
from __future__ import annotations

import argparse
import os
import selectors
import signal
import socket
import sys
import threading
import tty
from pathlib import Path
from typing import Callable

from common.console import serve_commands
from drivers.printer import raster
from drivers.printer.emulator import EscPosEmulator, PrintedJob
from drivers.printer.profile import PrinterProfile


class VirtualPrinter:
    """A virtual printer serving one host at a time over a pty or TCP, from its own thread.

    Args:
        out_dir: where jobs are rendered (and the pty symlink lives).
        transport: ``"tcp"`` or ``"pty"``.
        tcp_port: the TCP port to listen on (0: any free port).
        dots_per_line: 576 for 80 mm paper, 384 for 58 mm.
        chinese_font: the font coverage to emulate (``"gbk"`` like most Chinese thermal printers).
        paper: the initial paper state.
        on_job: called (from the printer's thread) with each finished job.
    """

    def __init__(self, out_dir: Path, *, transport: str = "tcp", tcp_port: int = 0, dots_per_line: int = 576,
                 chinese_font: str = "gbk", paper: str = "ok",
                 on_job: Callable[[PrintedJob], None] | None = None) -> None:
        if transport not in ("tcp", "pty"):
            raise ValueError("transport must be 'tcp' or 'pty'")
        self.out_dir = Path(out_dir)
        self.transport = transport
        self._lock = threading.RLock()
        self._jobs_changed = threading.Condition(self._lock)
        self._user_on_job = on_job
        self._emulator = EscPosEmulator(dots_per_line, chinese_font, out_dir=self.out_dir, on_job=self._job_done)
        self._emulator.set_paper(paper)
        self._tcp_port = tcp_port
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._requests: list[tuple[str, threading.Event]] = []
        self._listener: socket.socket | None = None
        self._conn: socket.socket | None = None
        self._master: int | None = None
        self._slave: int | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self) -> str:
        """Start serving; returns the port string for the driver (tcp URL or pty path)."""
        self.out_dir.mkdir(parents=True, exist_ok=True)
        # Load the glyph fonts now: loading them inside the first job made a busy machine answer
        # that job's status request later than the driver waits (a real printer answers at once).
        for bold in (False, True):
            try:
                raster.glyph("印", bold)
            except raster.FontMissing:
                break  # the job will say so
        self._selector.register(self._wake_r, selectors.EVENT_READ)
        self._plug_in()
        self._thread = threading.Thread(target=self._serve, name="virtual-printer", daemon=True)
        self._thread.start()
        return self.url

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._thread is not None:
            self._request("stop")
            self._thread.join(timeout=5)
            self._thread = None
        self._selector.close()
        self._wake_r.close()
        self._wake_w.close()

    def __enter__(self) -> VirtualPrinter:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- what came out -----------------------------------------------------------------------------
    @property
    def jobs(self) -> list[PrintedJob]:
        """Finished jobs, oldest first."""
        with self._lock:
            return list(self._emulator.jobs)

    def wait_for_jobs(self, count: int, timeout: float) -> bool:
        """Wait until at least ``count`` jobs have finished; False on timeout."""
        with self._jobs_changed:
            return self._jobs_changed.wait_for(lambda: len(self._emulator.jobs) >= count, timeout)

    def tear_off(self) -> PrintedJob | None:
        """End the current job of a printer without a cutter (the citizen tears the paper off)."""
        with self._lock:
            return self._emulator.tear_off()

    # -- operator actions ----------------------------------------------------------------------------
    def set_paper(self, state: str) -> None:
        """``"ok"``, ``"near_end"`` or ``"out"``."""
        with self._lock:
            self._emulator.set_paper(state)

    def set_cover(self, state: str) -> None:
        """``"open"`` or ``"closed"``."""
        with self._lock:
            self._emulator.set_cover(state)

    def run_out_of_paper_after(self, lines: int) -> None:
        """Let the paper run out once ``lines`` more lines have been printed (mid-job faults)."""
        with self._lock:
            self._emulator.after_lines(lines, lambda: self._emulator.set_paper("out"))

    def unplug_after(self, lines: int) -> None:
        """Pull the cable once ``lines`` more lines have been printed."""
        with self._lock:
            self._emulator.after_lines(lines, self._emulator.cut_cable)

    def unplug(self) -> None:
        """Pull the cable (or power off): the port disappears. Returns once it has."""
        self._request("unplug")

    def replug(self) -> None:
        """Plug it back in at the same port string. Returns once it is listening again."""
        self._request("replug")

    # -- the printer's thread ---------------------------------------------------------------------------
    def _request(self, what: str) -> None:
        done = threading.Event()
        with self._lock:
            self._requests.append((what, done))
        self._wake_w.send(b"!")
        if not done.wait(timeout=5):
            raise TimeoutError(f"virtual printer did not {what} in time")

    def _serve(self) -> None:
        while True:
            for key, _ in self._selector.select():
                source = key.fileobj
                if source is self._wake_r:
                    self._wake_r.recv(64)
                    if self._handle_requests():
                        return
                elif source is self._listener:
                    self._accept()
                else:
                    self._receive(source)

    def _handle_requests(self) -> bool:
        with self._lock:
            requests, self._requests = self._requests, []
        stopping = False
        for what, done in requests:
            if what in ("unplug", "stop"):
                self._unplug()
                stopping = stopping or what == "stop"
            elif what == "replug":
                self._plug_in()
            done.set()
        return stopping

    def _plug_in(self) -> None:
        if self._master is not None or self._listener is not None:
            return
        with self._lock:
            self._emulator.reconnect()
        if self.transport == "tcp":
            self._listener = socket.socket()
            self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self._listener.bind(("127.0.0.1", self._tcp_port))
            self._listener.listen(1)
            self._tcp_port = self._listener.getsockname()[1]  # keep the port across re-plugs
            self._selector.register(self._listener, selectors.EVENT_READ)
            self.url = f"tcp://127.0.0.1:{self._tcp_port}"
        else:
            self._master, self._slave = os.openpty()
            tty.setraw(self._slave)  # a binary line: no echo, no CR/LF translation
            os.set_blocking(self._master, False)
            link = self.out_dir / "printer.tty"
            tmp = link.with_name(link.name + ".new")
            tmp.unlink(missing_ok=True)
            os.symlink(os.ttyname(self._slave), tmp)
            os.replace(tmp, link)
            self._selector.register(self._master, selectors.EVENT_READ)
            self.url = str(link)

    def _unplug(self) -> None:
        if self._conn is not None:
            self._drop_connection()
        if self._listener is not None:
            self._selector.unregister(self._listener)
            self._listener.close()
            self._listener = None
        if self._master is not None:
            self._selector.unregister(self._master)
            (self.out_dir / "printer.tty").unlink(missing_ok=True)
            os.close(self._master)
            os.close(self._slave)
            self._master = self._slave = None

    def _accept(self) -> None:
        conn, _ = self._listener.accept()
        self._selector.unregister(self._listener)  # one host at a time; others wait in the backlog
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._conn = conn
        self._selector.register(conn, selectors.EVENT_READ)
        with self._lock:
            self._emulator.reconnect()

    def _drop_connection(self) -> None:
        self._selector.unregister(self._conn)
        self._conn.close()
        self._conn = None
        if self._listener is not None:
            self._selector.register(self._listener, selectors.EVENT_READ)

    def _receive(self, source) -> None:
        try:
            data = source.recv(65536) if source is self._conn else os.read(self._master, 65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            if source is self._conn:
                self._drop_connection()
            return
        with self._lock:
            reply = self._emulator.feed(data, on_realtime=lambda answer: self._send(source, answer))
            cable_cut = not self._emulator.cable
        if cable_cut:
            self._unplug()
        elif reply:
            self._send(source, reply)

    def _send(self, source, reply: bytes) -> None:
        try:
            if source is self._conn:
                self._conn.sendall(reply)
            else:
                os.write(self._master, reply)
        except OSError:
            pass  # the host went away; its next read fails on its side

    def _job_done(self, job: PrintedJob) -> None:
        self._jobs_changed.notify_all()  # called by the emulator with self._lock held
        if self._user_on_job is not None:
            self._user_on_job(job)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m drivers.printer.sim", description=__doc__.split("\n")[0])
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--pty", action="store_true", help="serve on a pseudo-terminal")
    where.add_argument("--tcp", type=int, metavar="PORT", help="serve on 127.0.0.1:PORT (0 = any free port)")
    parser.add_argument("--out", type=Path, required=True, help="directory for job-NNNN.png / .txt")
    parser.add_argument("--paper", choices=("ok", "near_end", "out"), default="ok")
    parser.add_argument("--width", type=int, choices=(58, 80), default=80, help="paper width in mm")
    parser.add_argument("--font", choices=("gb2312", "gbk", "gb18030"), default="gbk",
                        help="Chinese font coverage to emulate")
    args = parser.parse_args(argv)

    def report(job: PrintedJob) -> None:
        how = "cut" if job.cut else "interrupted" if job.interrupted else "torn off"
        print(f"job {job.number}: {len(job.text_lines)} text lines, {how} -> {job.png_path}", flush=True)

    printer = VirtualPrinter(args.out, transport="pty" if args.pty else "tcp", tcp_port=args.tcp or 0,
                             dots_per_line=PrinterProfile.standard(args.width).dots_per_line,
                             chinese_font=args.font, paper=args.paper, on_job=report)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"virtual printer ready: {printer.start()}", flush=True)
    commands = {
        "paper": printer.set_paper, "cover": printer.set_cover,
        "unplug": lambda: printer.unplug(), "replug": lambda: printer.replug(), "tear": lambda: printer.tear_off(),
    }
    return serve_commands(commands, "paper ok|near_end|out, cover open|closed, unplug, replug, tear", printer.stop)


if __name__ == "__main__":
    sys.exit(main())
