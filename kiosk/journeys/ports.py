"""The journeys' I/O over the real runtime (devices, backends, outbox).

Blocking calls (a backend query, a print job) run in short-lived worker threads; their results
reach the journey through ``deliver`` (in the shell: the UI bridge, so the journey only ever runs
on the UI thread). Citizen-facing failures arrive as message ids from the clients.
"""
from __future__ import annotations

import datetime
import logging
import threading
import uuid
from dataclasses import dataclass
from typing import Any, Callable

from drivers.printer.receipt import Origin
from kiosk.receipts import queue_ticket, tax_record_summary
from kiosk.backends.errors import BackendError
from kiosk.backends.models import IncomeRecords
from common.i18n import N_, Translator
from kiosk.outbox.store import OutboxError
from kiosk.runtime import Runtime
from kiosk.voice import Voice

log = logging.getLogger(__name__)
UNEXPECTED = N_("Something went wrong. Please try again later.")
RATING_SERVICE = "hall.submit_rating"


def local_receipt_no(terminal_id: str, prefix: str) -> str:
    """A receipt number made on the kiosk for a transaction that has none from a backend."""
    return f"{prefix}-{terminal_id}-{datetime.datetime.now():%Y%m%d%H%M%S}"


@dataclass
class TaxRecordsResult:
    """What the tax service answered, with the number printed on (or shown instead of) the summary."""

    records: IncomeRecords
    receipt_no: str
    year_from: int
    year_to: int


class KioskPorts:
    """``JourneyPorts`` for a running kiosk.

    Args:
        runtime: the devices and services.
        translator: for printing receipts in the citizen's language.
        voice: spoken prompts.
        deliver: ``deliver(fn, *args)`` runs ``fn(*args)`` on the thread the journey lives on.
        face_check: starts and cancels face checks (the face screen's controller).
    """

    def __init__(self, runtime: Runtime, translator: Translator, voice: Voice,
                 deliver: Callable[..., None], face_check: Any) -> None:
        self.runtime = runtime
        self.translator = translator
        self.voice = voice
        self.deliver = deliver
        self.face_check = face_check
        self.journey: Any = None  # set once the journey exists (it needs the ports first)
        self._ticket_key: str | None = None

    # -- helpers -----------------------------------------------------------------------------
    def _in_background(self, name: str, work: Callable[[], None]) -> None:
        threading.Thread(target=work, name=name, daemon=True).start()

    def _origin(self) -> Origin:
        settings = self.runtime.settings
        return Origin.now(self.translator.pick(settings.kiosk.hall_name.model_dump()), settings.kiosk.terminal_id)

    def _print(self, token: int, kind: str, receipt) -> None:
        def work() -> None:
            try:
                outcome = self.runtime.printer.driver.print_job(uuid.uuid4().hex, receipt)
                ok = outcome.printed
            except Exception:  # noqa: BLE001 - a failed print must end in a message, not a dead thread
                log.exception("printing a %s failed", kind)
                ok = False
            self.deliver(self.journey.print_finished, token, ok)
        self._in_background(f"print-{kind}", work)

    # -- JourneyPorts ------------------------------------------------------------------------
    def start_face_check(self, token: int, photo: Any) -> None:
        self.face_check.begin(token, photo)

    def cancel_face_check(self) -> None:
        self.face_check.cancel()

    def query_tax_records(self, token: int, card: Any, year_from: int, year_to: int) -> None:
        id_number, name = card.id_number, card.name  # read now: the card may be wiped meanwhile

        def work() -> None:
            try:
                records = self.runtime.backends.tax.income_records(id_number, name, year_from, year_to)
            except BackendError as e:
                self.deliver(self.journey.records_failed, token, e.msgid)
                return
            except Exception:  # noqa: BLE001
                log.exception("tax records query failed unexpectedly")
                self.deliver(self.journey.records_failed, token, UNEXPECTED)
                return
            receipt_no = local_receipt_no(self.runtime.settings.kiosk.terminal_id, "TR")
            self.deliver(self.journey.records_arrived, token,
                         TaxRecordsResult(records, receipt_no, year_from, year_to))
        self._in_background("tax-query", work)

    def printer_ready(self) -> bool:
        # The supervisor's last status: asking the printer here would block the UI thread.
        status = self.runtime.bus.last_status("printer")
        return status is not None and self.runtime.printer.driver.printable(status)

    def print_tax_records(self, token: int, card: Any, result: TaxRecordsResult, receipt_no: str) -> None:
        records = result.records
        rows = [(f"{r.year}-{r.month:02d}", r.income_item_name, r.tax_withheld) for r in records.records]
        receipt = tax_record_summary(self._origin(), receipt_no=receipt_no, id_number=card.id_number,
                                     years=(result.year_from, result.year_to), rows=rows,
                                     total=records.total_tax_withheld, gettext=self.translator.gettext)
        self._print(token, "tax-summary", receipt)

    def request_queue_ticket(self, token: int, service_id: str) -> None:
        # One key per session's request, reused on "try again", so nobody gets two tickets.
        self._ticket_key = self._ticket_key or uuid.uuid4().hex

        def work(key=self._ticket_key) -> None:
            try:
                ticket = self.runtime.backends.hall.ticket("tax", idempotency_key=key)
            except BackendError as e:
                log.warning("queue ticket not issued: %s", type(e).__name__)
                self.deliver(self.journey.ticket_failed, token)
                return
            except Exception:  # noqa: BLE001
                log.exception("queue ticket failed unexpectedly")
                self.deliver(self.journey.ticket_failed, token)
                return
            self.deliver(self.journey.ticket_issued, token, ticket)
        self._in_background("queue-ticket", work)

    def print_queue_ticket(self, token: int, ticket: Any) -> None:
        service = self.translator.gettext("Tax")
        receipt = queue_ticket(self._origin(), ticket_no=ticket.ticket_no, service=service,
                               waiting=ticket.waiting_ahead, gettext=self.translator.gettext)
        self._print(token, "queue-ticket", receipt)

    def submit_rating(self, payload: dict) -> str:
        settings = self.runtime.settings
        body = {
            "service_id": payload["service_id"],
            "receipt_no": self.journey.receipt_no or local_receipt_no(settings.kiosk.terminal_id, "R"),
            "terminal_id": settings.kiosk.terminal_id,
            "rating": payload["level"],
        }
        if payload.get("reason"):
            body["reasons"] = [payload["reason"]]
        try:
            return self.runtime.outbox.enqueue(RATING_SERVICE, body)
        except (BackendError, OutboxError):
            log.exception("the rating could not be stored")  # no personal data in a rating
            return ""

    def speak(self, msgid: str) -> None:
        self.voice.say(msgid)

    def session_ended(self) -> None:
        """Forget per-session state (the queue ticket's key; receipts kept for reprints)."""
        self._ticket_key = None
        self.voice.stop()
        self.runtime.printer.driver.wipe()
