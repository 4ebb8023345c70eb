"""The receipt printer as the kiosk sees it: can it print, print this job, reprint that one.

One lock serialises everything that talks to the port (one queue per device). A job:

1. is journaled (``queued``) and its document kept in memory for the session (for a reprint);
2. is refused, with nothing sent, unless the printer reports itself ready;
3. goes out in chunks of whole commands, with a status query after each chunk, so paper running
   out or a pulled cable stops the job at once;
4. ends with ``GS r 1``, which the printer answers only once everything before it is printed;
   the job counts as printed when that answer (or, failing it, a final status) says paper is there;
5. otherwise is ``interrupted``: the printer's buffer is cleared (so the rest does not come out
   later), ``Event("printer", "job_interrupted", job_id)`` is published, and :meth:`reprint` prints
   it again with a reprint mark. A job id is never printed a second time without that mark.

The supervisor (:meth:`start`, or :meth:`poll` called by the application) reads the status
periodically, reconnecting after an unplug or power cycle with a growing delay, and publishes it
on the event bus as device ``"printer"`` (logged only when it changes).
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from common.device_status import Action, DeviceState, DeviceStatus
from common.events import Event, EventBus

from drivers.printer import escpos
from drivers.printer import status as st
from drivers.printer.encoder import ReceiptEncoder
from drivers.printer.feed import FeedCounter
from drivers.printer.journal import JobRecord, JobState, JournalError, PrintJournal
from drivers.printer.profile import PrinterProfile
from drivers.printer.receipt import Receipt
from drivers.printer.transport import ConnectionLost, DeviceAbsent, Transport, TransportError, open_transport
from common.i18n import N_

log = logging.getLogger(__name__)

CHUNK_BYTES = 1024
JOB_PRINTED, JOB_INTERRUPTED = "job_printed", "job_interrupted"  # event kinds; payload: the job id
PAPER_USED = "paper_used"  # after each attempt that sent anything; payload: the paper it fed, in mm (drivers.printer.feed)


MSG_PRINTED = N_("Please take your receipt from the printer.")
MSG_REPRINTED = N_("Please take your receipt. It is marked as a reprint.")
MSG_PAPER_OUT = N_("The printer has run out of paper.")
MSG_COVER_OPEN = N_("The printer cover is open.")
MSG_UNAVAILABLE = N_("The printer is not available right now.")
MSG_INTERRUPTED = N_("Printing was interrupted. You can ask for a reprint.")


class PrintJobError(Exception):
    """A job request the journal does not allow (the message carries no personal data)."""


class DuplicateJob(PrintJobError):
    """The job id already went to the printer: use :meth:`PrinterDriver.reprint`."""


class UnknownJob(PrintJobError):
    """No such job id in the journal."""


class ReprintUnavailable(PrintJobError):
    """The job's document is no longer in memory (session ended or kiosk restarted)."""


@dataclass(frozen=True)
class JobOutcome:
    """How one print attempt ended.

    Attributes:
        job_id: the job.
        state: ``PRINTED``, ``REPRINTED``, ``INTERRUPTED`` or ``REFUSED`` (nothing was sent).
        status: the printer's status when the attempt ended (why it was refused or interrupted).
        reprint: this attempt printed a copy marked as a reprint.
    """

    job_id: str
    state: JobState
    status: DeviceStatus
    reprint: bool = False

    @property
    def printed(self) -> bool:
        return self.state in (JobState.PRINTED, JobState.REPRINTED)

    @property
    def message(self) -> str:
        """A citizen-facing message id (English source; translate it before showing it)."""
        if self.printed:
            return MSG_REPRINTED if self.reprint else MSG_PRINTED
        if self.state is JobState.INTERRUPTED:
            return MSG_INTERRUPTED
        return {"paper_out": MSG_PAPER_OUT, "cover_open": MSG_COVER_OPEN}.get(self.status.reason, MSG_UNAVAILABLE)


def unjournaled(device: str, job_id: str, error: JournalError) -> JobOutcome:
    """A job refused because the journal cannot record it (disk full): nothing was sent, since a job
    printed without its journal row could be printed twice unnoticed. The citizen is told the
    printer is unavailable (the step shows the number on screen); the technician reads the log."""
    log.error("print job %s refused: %s", job_id, error)
    return JobOutcome(job_id, JobState.REFUSED, DeviceStatus(device, DeviceState.UNKNOWN, "journal_unwritable",
                                                             Action.MAINTENANCE, detail=str(error)))


class PrinterDriver:
    """A receipt printer at ``port`` (see :func:`drivers.printer.transport.open_transport`).

    Args:
        port: the configured port string (used for messages and to build the transport).
        profile: what the printer can do.
        bus: where status changes and job events are published.
        journal_path: the SQLite print-job journal (created if missing).
        transport: a ready-made transport instead of one built from ``port`` (tests, odd set-ups).
        baud, flow_control: serial settings (ignored for TCP and files).
        status_timeout_s: how long to wait for each status reply.
        completion_timeout_s: how long a job may take to come out after its last byte was sent.
    """

    device = st.DEVICE

    def __init__(self, port: str, profile: PrinterProfile, bus: EventBus, journal_path: Path, *,
                 transport: Transport | None = None, baud: int = 9600, flow_control: str = "none",
                 status_timeout_s: float = 0.5, completion_timeout_s: float = 30.0) -> None:
        self.port = port
        self.profile = profile
        self.bus = bus
        self.status_timeout_s = status_timeout_s
        self.completion_timeout_s = completion_timeout_s
        self._baud = baud
        self._transport = transport or open_transport(port, baud, flow_control)
        self._encoder = ReceiptEncoder(profile)
        self._journal = PrintJournal(journal_path)
        self._lock = threading.Lock()
        self._documents: dict[str, Receipt] = {}
        self._awaiting_completion = False
        self._completion: int | None = None
        self._stop = threading.Event()
        self._supervisor: threading.Thread | None = None
        #: jobs a previous run left unfinished (crash, power cut), now journaled as interrupted
        self.recovered_jobs: list[JobRecord] = self._journal.recover()

    # -- status ---------------------------------------------------------------------------------
    def status(self) -> DeviceStatus:
        """Ask the printer now (reconnecting if needed), publish and return its status.

        Waits while a job is printing. A file port has no way back: its status is ``UNKNOWN``
        with reason ``no_status_channel``, and :meth:`can_print` still says yes.
        """
        with self._lock:
            status = self._read_status(retry=True)
        self.bus.publish_status(status)
        return status

    def set_profile(self, profile: PrinterProfile) -> None:
        """Use ``profile`` from the next job on (a technician changed density, width or cut mode)."""
        with self._lock:
            self.profile = profile
            self._encoder = ReceiptEncoder(profile)

    def can_print(self) -> bool:
        """True when a job sent now should come out (ask before starting a citizen's job)."""
        return self.printable(self.status())

    def poll(self) -> DeviceStatus | None:
        """One supervisor round: :meth:`status` unless a job holds the printer (then None)."""
        if not self._lock.acquire(blocking=False):
            return None
        try:
            status = self._read_status(retry=True)
        finally:
            self._lock.release()
        self.bus.publish_status(status)
        return status

    def start(self, interval_s: float = 2.0, max_backoff_s: float = 30.0) -> None:
        """Poll in a background thread; while the printer is absent, wait longer each time."""
        if self._supervisor is not None:
            return
        self._stop.clear()

        def run() -> None:
            delay = interval_s
            while not self._stop.wait(delay):
                status = self.poll()
                absent = status is not None and status.state is DeviceState.NO_DEVICE
                delay = min(delay * 2, max_backoff_s) if absent else interval_s

        self._supervisor = threading.Thread(target=run, name="printer-supervisor", daemon=True)
        self._supervisor.start()

    def stop(self) -> None:
        """Stop the supervisor thread."""
        self._stop.set()
        if self._supervisor is not None:
            self._supervisor.join(timeout=self.status_timeout_s * 8 + 2)
            if self._supervisor.is_alive():
                log.warning("printer supervisor did not stop in time")
            self._supervisor = None

    def close(self) -> None:
        """Stop the supervisor, close the port and the journal."""
        self.stop()
        with self._lock:
            self._transport.close()
            self._journal.close()

    # -- jobs -------------------------------------------------------------------------------------
    def print_job(self, job_id: str, receipt: Receipt) -> JobOutcome:
        """Print ``receipt`` as job ``job_id`` (a fresh id per document, e.g. a UUID: it is journaled).

        Raises:
            DuplicateJob: the id already went to the printer (a refused job may be tried again).
            LayoutError: the receipt does not fit this paper (nothing was sent).
        """
        with self._lock:
            record = self._journal.get(job_id)
            try:
                if record is None:
                    self._journal.add(job_id, receipt.kind)
                elif record.state not in (JobState.QUEUED, JobState.REFUSED):  # nothing sent yet: may retry
                    raise DuplicateJob("this job was already sent to the printer; use reprint()")
                self._documents[job_id] = receipt
                outcome, notices = self._attempt(job_id, receipt, reprint=False)
            except JournalError as e:
                return unjournaled(self.device, job_id, e)
        self._announce(notices)
        return outcome

    def reprint(self, job_id: str) -> JobOutcome:
        """Print a job again; the copy is marked as a reprint when anything of it went out before.

        Raises:
            UnknownJob: no such job in the journal.
            ReprintUnavailable: its document is gone (the session ended or the kiosk restarted).
        """
        with self._lock:
            record = self._journal.get(job_id)
            if record is None:
                raise UnknownJob("no such print job")
            receipt = self._documents.get(job_id)
            if receipt is None:
                raise ReprintUnavailable("the document of this job is no longer available")
            marked = record.bytes_sent > 0
            try:
                outcome, notices = self._attempt(job_id, receipt.as_reprint() if marked else receipt, reprint=marked)
            except JournalError as e:
                return unjournaled(self.device, job_id, e)
        self._announce(notices)
        return outcome

    def job(self, job_id: str) -> JobRecord | None:
        """The journal entry of a job."""
        return self._journal.get(job_id)

    def interrupted_jobs(self) -> list[JobRecord]:
        """Jobs whose last attempt was interrupted, newest first (for the technician screen)."""
        return self._journal.jobs(JobState.INTERRUPTED)

    def wipe(self) -> None:
        """Forget every document kept for reprints (call at session end)."""
        with self._lock:
            self._documents.clear()

    def printable(self, status: DeviceStatus) -> bool:
        """True when a job may be sent in ``status`` (ready, or a file port whose state is unknowable)."""
        blind = not self._transport.has_status and status.reason == "no_status_channel"
        return status.ready or blind

    # -- internals ------------------------------------------------------------------------------
    def _attempt(self, job_id: str, receipt: Receipt, reprint: bool) -> tuple[JobOutcome, list]:
        """One try at a job (lock held). Returns the outcome and what to publish once the lock is
        released, so a subscriber that calls back into the driver cannot deadlock."""
        parts = self._encoder.encode_parts(receipt)  # a LayoutError leaves the journal at queued
        before = self._read_status(retry=True)
        if not self.printable(before):
            if self._journal.get(job_id).state is JobState.QUEUED:
                self._journal.finish(job_id, JobState.REFUSED, before.reason)
            return JobOutcome(job_id, JobState.REFUSED, before, reprint), [before]
        self._journal.start_attempt(job_id)
        fed = FeedCounter(self.profile.dpi)
        printed, sent, after, note = self._send(parts, fed)
        if printed:
            state = JobState.REPRINTED if reprint else JobState.PRINTED
            self._journal.finish(job_id, state, note, sent)
            log.info("print job %s: %s", job_id, state.value)
        else:
            state = JobState.INTERRUPTED
            self._journal.finish(job_id, state, after.reason or "not_ready", sent)
            log.warning("print job %s interrupted after %d bytes: %s", job_id, sent, after.reason)
        event = Event(self.device, JOB_PRINTED if printed else JOB_INTERRUPTED, job_id)
        notices: list = [event, after]
        if fed.dots:  # an interrupted job fed paper too, up to the chunk it stopped at
            notices.append(Event(self.device, PAPER_USED, fed.mm))
        return JobOutcome(job_id, state, after, reprint and printed), notices

    def _announce(self, notices: list) -> None:
        for notice in notices:
            if isinstance(notice, DeviceStatus):
                self.bus.publish_status(notice)
            else:
                self.bus.publish(notice)

    def _send(self, parts: list[bytes], fed: FeedCounter) -> tuple[bool, int, DeviceStatus, str]:
        """Send a job, counting in ``fed`` the paper each chunk written moves; returns (printed,
        bytes sent, final status, journal note)."""
        transport, sent = self._transport, 0
        try:
            for chunk in _chunks(parts, CHUNK_BYTES):
                transport.write(chunk, self._write_timeout(len(chunk)))
                sent += len(chunk)
                fed.feed(chunk)
                if transport.has_status:
                    status = self._read_status(retry=False)
                    if not status.ready:
                        self._cancel_rest()
                        return False, sent, status, ""
            if not transport.has_status:
                return True, sent, self._read_status(retry=False), "unconfirmed"
            transport.write(escpos.PAPER_STATUS_IN_ORDER, self._write_timeout(3))
            printed, status, note = self._await_completion()
            if not printed:
                self._cancel_rest()
            return printed, sent, status, note
        except TransportError as e:
            transport.close()
            return False, sent, st.absent("connection_lost", str(e)), ""

    def _await_completion(self) -> tuple[bool, DeviceStatus, str]:
        """Wait for the GS r 1 answer, checking meanwhile that the printer has not stopped."""
        deadline = time.monotonic() + self.completion_timeout_s
        self._awaiting_completion, self._completion = True, None
        try:
            while True:
                if self._completion is None:
                    data = self._transport.read(1, min(self.status_timeout_s, max(deadline - time.monotonic(), 0)))
                    if data and st.is_completion_reply(data[0]):
                        self._completion = data[0]
                status = self._read_status(retry=False, discard=False)  # keep a GS r 1 answer
                if self._completion is not None:
                    paper_ok = st.completion_paper(self._completion) != "out"
                    return paper_ok and status.ready, status, ""
                if not status.ready:
                    return False, status, ""
                if time.monotonic() >= deadline:
                    log.warning("printer did not confirm the end of the job within %.0f s", self.completion_timeout_s)
                    return True, status, "unconfirmed"
        finally:
            self._awaiting_completion = False

    def _cancel_rest(self) -> None:
        """Drop what the printer still holds of an interrupted job, so it does not print later."""
        try:
            self._transport.write(escpos.CLEAR_BUFFER, self._write_timeout(len(escpos.CLEAR_BUFFER)))
        except TransportError:
            self._transport.close()

    def _read_status(self, retry: bool, discard: bool = True) -> DeviceStatus:
        """The printer's status; with ``retry``, reconnect once when it is silent or the link broke
        (a half-open TCP connection, a re-plugged USB adapter). ``discard`` drops unread input
        first: a late reply, or one provoked by a DLE EOT byte pattern inside raster data."""
        status = self._query(discard)
        if retry and status.reason in ("no_answer", "connection_lost"):
            self._transport.close()
            status = self._query(discard=True)
        return status

    def _query(self, discard: bool) -> DeviceStatus:
        """Open the port if needed, then DLE EOT 1 and 4 (and 2, 3 when the printer is offline)."""
        transport = self._transport
        try:
            transport.open()
        except DeviceAbsent as e:
            action = Action.CONFIGURATION if e.reason == "permission_denied" else Action.MAINTENANCE
            return st.absent(e.reason, str(e), action)
        if not transport.has_status:
            return st.no_status_channel(self.port)
        try:
            if discard:
                transport.discard_input()
            printer = self._ask(escpos.STATUS_PRINTER)
            paper = self._ask(escpos.STATUS_PAPER) if printer is not None else None
            cause = error = None
            if printer is not None and st.is_status_reply(printer) and printer & 0x08:
                cause, error = self._ask(escpos.STATUS_OFFLINE_CAUSE), self._ask(escpos.STATUS_ERROR)
            return st.interpret(printer, paper, cause, error)
        except ConnectionLost as e:
            transport.close()
            return st.absent("connection_lost", str(e))

    def _ask(self, n: int) -> int | None:
        """Send DLE EOT n and return the reply byte, or None when none came in time."""
        self._transport.write(escpos.status_query(n), self.status_timeout_s)
        deadline = time.monotonic() + self.status_timeout_s
        while (left := deadline - time.monotonic()) > 0:
            data = self._transport.read(1, left)
            if not data:
                return None
            if self._awaiting_completion and st.is_completion_reply(data[0]):
                self._completion = data[0]  # the GS r 1 answer overtook the status reply
                continue
            return data[0]
        return None

    def _write_timeout(self, size: int) -> float:
        return max(2.0, 3 * size * 10 / self._baud)  # 10 bits per byte, three times the line time


def _chunks(parts: list[bytes], limit: int):
    """Group whole parts into chunks of about ``limit`` bytes (a part is never split)."""
    chunk = bytearray()
    for part in parts:
        if chunk and len(chunk) + len(part) > limit:
            yield bytes(chunk)
            chunk.clear()
        chunk += part
    if chunk:
        yield bytes(chunk)
