"""The A4 printer as the kiosk sees it: can it print, print this document on A4.

One lock serialises every conversation with the printer; each is its own TCP connection to the
raw port (AppSocket/JetDirect), so a technician's command can talk to the printer between them.
A job:

1. is rendered to PDF (:mod:`drivers.a4printer.page`) and journaled (``queued``);
2. is refused, with nothing sent, unless ``@PJL INFO STATUS`` says the printer can print;
3. goes out wrapped in PJL (:func:`drivers.a4printer.pjl.job`), asking the printer to report the
   job's end and any change of its state;
4. counts as printed only when the printer says ``USTATUS JOB END`` for this job's name; a status
   that stops printing (paper out, door open), a dropped connection or no end within
   ``job_timeout_s`` makes it ``interrupted``. The printer keeps being asked ``INFO STATUS`` while
   it works, so a silent printer is noticed.

The supervisor (:meth:`start`) reads the status every ``poll_interval_s`` and publishes it on the
event bus as device ``"a4printer"`` (logged only when it changes).
"""
from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from common.device_status import DeviceStatus
from common.events import Event, EventBus

from drivers.a4printer import pjl
from drivers.a4printer import status as st
from drivers.a4printer.page import render_pdf
from drivers.printer.driver import JOB_INTERRUPTED, JOB_PRINTED, DuplicateJob, JobOutcome, unjournaled
from drivers.printer.journal import JobState, JournalError, PrintJournal
from drivers.printer.receipt import Receipt
from drivers.printer.transport import ConnectionLost, DeviceAbsent, TcpTransport

log = logging.getLogger(__name__)


def parse_address(port: str) -> tuple[str, int]:
    """``tcp://HOST:PORT`` as ``(host, port)``."""
    host, _, number = port.removeprefix("tcp://").rpartition(":")
    if not port.startswith("tcp://") or not host or not number.isdigit():
        raise ValueError(f"A4 printer port {port!r}: expected tcp://HOST:PORT (the printer's raw port, usually 9100)")
    return host.strip("[]"), int(number)


class A4PrinterDriver:
    """A PJL printer at ``port`` (``tcp://HOST:9100``).

    Args:
        port: the printer's raw port.
        bus: where status changes and job events are published.
        journal_path: the SQLite job journal (created if missing); no document is stored in it.
        connect_timeout_s, status_timeout_s: per connection and per status reply.
        job_timeout_s: how long a job may take from its last byte to the printer's "printed".
        duplex: print on both sides.
    """

    device = st.DEVICE

    def __init__(self, port: str, bus: EventBus, journal_path: Path, *, connect_timeout_s: float = 2.0,
                 status_timeout_s: float = 3.0, job_timeout_s: float = 90.0, duplex: bool = False) -> None:
        self.port = port
        self.bus = bus
        self.address = parse_address(port)
        self.connect_timeout_s = connect_timeout_s
        self.status_timeout_s = status_timeout_s
        self.job_timeout_s = job_timeout_s
        self.duplex = duplex
        self._journal = PrintJournal(journal_path)
        self._journal.recover()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._supervisor: threading.Thread | None = None

    # -- status ---------------------------------------------------------------------------------
    def status(self) -> DeviceStatus:
        """Ask the printer now (waits while a job is printing), publish and return its status."""
        with self._lock:
            status = self._ask_status()
        self.bus.publish_status(status)
        return status

    def details(self) -> tuple[DeviceStatus, dict[str, str]]:
        """The status, and for the technician the page counter and the duplex setting."""
        with self._lock:
            link = self._connect()
            if isinstance(link, DeviceStatus):
                return link, {}
            try:
                status = st.interpret(self._question(link, pjl.INFO_STATUS, "INFO STATUS"))
                info = {}
                for command, topic, key in ((pjl.INFO_PAGECOUNT, "INFO PAGECOUNT", "pages printed"),
                                            (pjl.INQUIRE_DUPLEX, "INQUIRE DUPLEX", "duplex")):
                    reply = self._question(link, command, topic)
                    if reply is not None:
                        info[key] = reply.values.get("PAGECOUNT") or " ".join(reply.words) or "?"
            except ConnectionLost as e:
                status, info = st.absent("connection_lost", str(e)), {}
            finally:
                link[0].close()
        self.bus.publish_status(status)
        return status, info

    def printable(self, status: DeviceStatus) -> bool:
        """True when a job sent in ``status`` comes out."""
        return st.printable(status)

    def poll(self) -> DeviceStatus | None:
        """One supervisor round: :meth:`status` unless a job holds the printer (then None)."""
        if not self._lock.acquire(blocking=False):
            return None
        try:
            status = self._ask_status()
        finally:
            self._lock.release()
        self.bus.publish_status(status)
        return status

    def start(self, interval_s: float = 5.0) -> None:
        """Poll in a background thread."""
        if self._supervisor is not None:
            return
        self._stop.clear()

        def run() -> None:
            self.poll()
            while not self._stop.wait(interval_s):
                self.poll()

        self._supervisor = threading.Thread(target=run, name="a4printer-supervisor", daemon=True)
        self._supervisor.start()

    def stop(self) -> None:
        """Stop the supervisor thread."""
        self._stop.set()
        if self._supervisor is not None:
            self._supervisor.join(timeout=self.connect_timeout_s + self.status_timeout_s + 2)
            self._supervisor = None

    def close(self) -> None:
        """Stop the supervisor and close the journal."""
        self.stop()
        with self._lock:
            self._journal.close()

    # -- jobs -------------------------------------------------------------------------------------
    def print_job(self, job_id: str, receipt: Receipt) -> JobOutcome:
        """Print ``receipt`` on A4 as job ``job_id`` (a fresh id such as a UUID hex: it is the PJL job name).

        Raises:
            DuplicateJob: the id already went to the printer (a refused job may be tried again).
        """
        document = pjl.job(job_id, render_pdf(receipt), duplex=self.duplex)  # before the lock: it takes a while
        with self._lock:
            record = self._journal.get(job_id)
            try:
                if record is None:
                    self._journal.add(job_id, receipt.kind)
                elif record.state not in (JobState.QUEUED, JobState.REFUSED):
                    raise DuplicateJob("this job was already sent to the A4 printer")
                outcome, notices = self._attempt(job_id, document, receipt.reprint)
            except JournalError as e:
                return unjournaled(self.device, job_id, e)
        for notice in notices:
            if isinstance(notice, DeviceStatus):
                self.bus.publish_status(notice)
            else:
                self.bus.publish(notice)
        return outcome

    def job(self, job_id: str):
        """The journal entry of a job."""
        return self._journal.get(job_id)

    # -- internals ------------------------------------------------------------------------------
    def _attempt(self, job_id: str, document: bytes, reprint: bool) -> tuple[JobOutcome, list]:
        link = self._connect()
        if isinstance(link, DeviceStatus):
            return self._refuse(job_id, link, reprint)
        try:
            try:
                before = st.interpret(self._question(link, pjl.INFO_STATUS, "INFO STATUS"))
            except ConnectionLost as e:
                before = st.absent("connection_lost", str(e))
            if not st.printable(before):
                return self._refuse(job_id, before, reprint)
            self._journal.start_attempt(job_id)
            printed, after = self._send(link, job_id, document)
        finally:
            link[0].close()
        state = (JobState.REPRINTED if reprint else JobState.PRINTED) if printed else JobState.INTERRUPTED
        self._journal.finish(job_id, state, "" if printed else (after.reason or "not_ready"), len(document))
        if printed:
            log.info("A4 job %s: %s", job_id, state.value)
        else:
            log.warning("A4 job %s interrupted: %s", job_id, after.reason)
        event = Event(self.device, JOB_PRINTED if printed else JOB_INTERRUPTED, job_id)
        return JobOutcome(job_id, state, after, reprint and printed), [event, after]

    def _refuse(self, job_id: str, status: DeviceStatus, reprint: bool) -> tuple[JobOutcome, list]:
        if self._journal.get(job_id).state is JobState.QUEUED:
            self._journal.finish(job_id, JobState.REFUSED, status.reason)
        return JobOutcome(job_id, JobState.REFUSED, status, reprint), [status]

    def _send(self, link, job_id: str, document: bytes) -> tuple[bool, DeviceStatus]:
        """Send the job and wait for its end; returns (printed, the status when it ended)."""
        transport, parser = link
        try:
            transport.write(document, max(10.0, self.job_timeout_s / 3))
            deadline = time.monotonic() + self.job_timeout_s
            status = st.interpret(None)
            while time.monotonic() < deadline:
                transport.write(pjl.INFO_STATUS, self.status_timeout_s)
                asked = time.monotonic()
                while (left := min(deadline, asked + self.status_timeout_s) - time.monotonic()) > 0:
                    data = transport.read(4096, left)
                    for message in parser.feed(data):
                        if message.topic == "USTATUS JOB" and "END" in message.words \
                                and message.values.get("NAME") == job_id:
                            return True, self._ask_status_quietly(link) or status
                        if message.topic in ("INFO STATUS", "USTATUS DEVICE"):
                            status = st.interpret(message)
                            if not st.printable(status):
                                return False, status
            log.warning("the A4 printer did not report the end of the job within %.0f s", self.job_timeout_s)
            return False, st.unknown("unconfirmed", "the printer did not report the end of the job in time")
        except ConnectionLost as e:
            return False, st.absent("connection_lost", str(e))

    def _ask_status_quietly(self, link) -> DeviceStatus | None:
        """The status after a job (paper may have run out on its last sheet), or None if unanswered."""
        try:
            reply = self._question(link, pjl.INFO_STATUS, "INFO STATUS")
        except ConnectionLost:
            return None
        return st.interpret(reply) if reply is not None else None

    def _ask_status(self) -> DeviceStatus:
        link = self._connect()
        if isinstance(link, DeviceStatus):
            return link
        try:
            return st.interpret(self._question(link, pjl.INFO_STATUS, "INFO STATUS"))
        except ConnectionLost as e:
            return st.absent("connection_lost", str(e))
        finally:
            link[0].close()

    def _connect(self):
        """A fresh connection and reply parser, or the status saying why there is none."""
        transport = TcpTransport(*self.address, connect_timeout=self.connect_timeout_s)
        try:
            transport.open()
        except DeviceAbsent as e:
            return st.absent(e.reason, str(e))
        return transport, pjl.ReplyParser()

    def _question(self, link, command: bytes, topic: str) -> pjl.Message | None:
        """Send one PJL question and wait for the reply about ``topic`` (None: none in time)."""
        transport, parser = link
        transport.write(command, self.status_timeout_s)
        deadline = time.monotonic() + self.status_timeout_s
        while (left := deadline - time.monotonic()) > 0:
            for message in parser.feed(transport.read(4096, left)):
                if message.topic == topic:
                    return message
        return None
