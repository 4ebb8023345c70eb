"""Carries out the journey's effects over the real runtime (devices, backends, outbox, voice).

Every blocking effect (a backend call, an outbox write, a print job, the printer's wipe at
session end) runs in a short-lived worker thread; its :class:`Outcome` reaches the engine through
``deliver`` (in the shell: the UI bridge, so the engine only ever runs on the UI thread). The face
check is started and cancelled directly: it is driven by Kivy's clock and hands its frames to the
worker process without waiting.
"""
from __future__ import annotations

import logging
import threading
import uuid
from datetime import datetime
from typing import Any, Callable, Mapping

from common.events import Event
from common.i18n import N_, Translator
from drivers.printer.receipt import Origin, Receipt
from kiosk.backends.errors import BackendError, Rejected
from kiosk.journeys.document import DocumentSpec, render_document
from kiosk.journeys.rating import RATING_STORED
from kiosk.journeys.steps.closing import RATING_OPERATION
from kiosk.journeys.effects import (
    After, Call, CancelFace, CheckOrder, CreateOrder, Enqueue, IssueTicket, Outcome, Print, Sign, Speak, StartFace,
)
from kiosk.outbox.store import OutboxError
from kiosk.receipts import REPRINT, queue_ticket
from kiosk.runtime import Runtime

log = logging.getLogger(__name__)
UNEXPECTED = N_("Something went wrong. Please try again later.")
QUEUE_NAMES = {"tax": N_("Tax"), "exit_entry": N_("Exit and entry"), "registration": N_("Registration"),
               "general": N_("General enquiries")}


class EffectRunner:
    """The journey engine's hands.

    Args:
        runtime: the devices and services.
        translator: the citizen's language, for printed documents.
        voice: spoken prompts.
        deliver: ``deliver(fn, *args)`` runs ``fn(*args)`` on the thread the engine lives on.
        face_check: starts and cancels face checks (``begin(token, photo)``, ``cancel()``).
    """

    def __init__(self, runtime: Runtime, translator: Translator, voice: Any,
                 deliver: Callable[..., None], face_check: Any) -> None:
        self.runtime = runtime
        self.translator = translator
        self.voice = voice
        self.deliver = deliver
        self.face_check = face_check
        self.engine: Any = None  # set once the engine exists (it needs the runner first)
        self._ticket_key: str | None = None
        self._pause = threading.Event()  # set at session end: a poll waiting for its turn stops waiting

    # -- effects ---------------------------------------------------------------------------------
    def run(self, token: int, effect: Any) -> None:
        """Carry out ``effect``; a result for ``token`` comes back through ``deliver`` (token 0: none)."""
        if isinstance(effect, StartFace):
            self.face_check.begin(token, effect.photo)
        elif isinstance(effect, CancelFace):
            self.face_check.cancel()
        elif isinstance(effect, Speak):
            self.voice.say(effect.msgid, **dict(effect.args))
        elif isinstance(effect, Call):
            self._background(token, "call", lambda: self.runtime.backends.call(
                effect.operation, effect.body, idempotency_key=effect.idempotency_key))
        elif isinstance(effect, Enqueue):
            self._background(token, "enqueue", lambda: self._enqueue(effect))
        elif isinstance(effect, CreateOrder):
            self._background(token, "payment-create", lambda: self._create_order(effect))
        elif isinstance(effect, CheckOrder):
            self._background(token, "payment-check", lambda: self._check_order(effect))
        elif isinstance(effect, Print):
            self._background(token, f"print-{effect.kind}", lambda: self._print(effect.receipt, effect.printer))
        elif isinstance(effect, After):
            self._later(token, effect.seconds)
        elif isinstance(effect, Sign):
            self._background(token, "sign", lambda: self.runtime.signer.envelope(
                effect.form, effect.strokes, effect.face_check, datetime.now().astimezone().replace(microsecond=0),
                effect.signer))
        elif isinstance(effect, IssueTicket):
            # One key per session's request, reused on "try again", so nobody gets two tickets.
            self._ticket_key = self._ticket_key or uuid.uuid4().hex
            key = self._ticket_key
            self._background(token, "queue-ticket",
                             lambda: self.runtime.backends.hall.ticket(effect.queue, idempotency_key=key))
        else:
            raise TypeError(f"no runner for {type(effect).__name__}")

    def _background(self, token: int, name: str, work: Callable[[], Any]) -> None:
        def run() -> None:
            try:
                value = work()
                outcome = value if isinstance(value, Outcome) else Outcome(True, value)
            except Rejected as e:
                outcome = Outcome(False, msgid=e.msgid, fields=e.fields, refusal=e.carried)
            except BackendError as e:
                log.warning("%s failed: %s", name, type(e).__name__)
                outcome = Outcome(False, msgid=e.msgid)
            except OutboxError as e:
                log.error("%s: the outbox could not store it (%s)", name, type(e).__name__)
                outcome = Outcome(False, msgid=e.msgid)
            except Exception:  # noqa: BLE001 - a failed effect must end in a message, not a dead thread
                log.exception("%s failed unexpectedly", name)
                outcome = Outcome(False, msgid=UNEXPECTED)
            if token and self.engine is not None:
                self.deliver(self.engine.effect_done, token, outcome)
        threading.Thread(target=run, name=f"effect-{name}", daemon=True).start()

    def _later(self, token: int, seconds: float) -> None:
        def ring() -> None:
            if self.engine is not None:
                self.deliver(self.engine.effect_done, token, Outcome(True))
        timer = threading.Timer(seconds, ring)
        timer.name, timer.daemon = "effect-after", True
        timer.start()
    def _enqueue(self, effect: Enqueue) -> Any:
        runtime = self.runtime
        try:
            receipt_no = runtime.outbox.enqueue(effect.operation, effect.body, payment_order_id=effect.payment_order_id)
        except Rejected:
            raise  # the citizen corrects the form; the paid order stays with the session
        except Exception:
            if effect.payment_order_id is not None:  # paid, but not stored: the settler refunds it
                runtime.ledger.release_order(effect.payment_order_id)
                runtime.settler.wake()
            raise
        if effect.operation == RATING_OPERATION:  # counted by service and grade only (kiosk.metrics)
            runtime.bus.publish(Event("rating", RATING_STORED, (effect.body["service_id"], effect.body["rating"])))
        if not effect.confirm:
            return receipt_no
        delivery = runtime.outbox.wait(receipt_no, runtime.settings.outbox.confirm_wait_s)
        if delivery.outcome.value == "rejected":
            runtime.settler.wake()  # its refund is due (in the same transaction as the refusal)
        return receipt_no, delivery.outcome.value, delivery.reply or {}, delivery.fields

    def _create_order(self, effect: CreateOrder) -> Any:
        ledger = self.runtime.ledger
        key = ledger.intent(effect.service_id, effect.fee_id, effect.amount)
        try:
            order = self.runtime.backends.payment.create_order(
                effect.fee_id, effect.amount, self.runtime.settings.kiosk.terminal_id, idempotency_key=key)
        except Exception:
            ledger.abandon(key)  # it may exist at the gateway after all: the settler finds it and closes it
            self.runtime.settler.wake()
            raise
        ledger.opened(key, order.order_id)
        return order

    def _check_order(self, effect: CheckOrder) -> Any:
        if effect.wait:  # the poll interval; cut short when the session ends
            self._pause.wait(self.runtime.settings.payment.poll_interval_s)
        gateway, ledger = self.runtime.backends.payment, self.runtime.ledger
        order = gateway.cancel(effect.order_id) if effect.cancel else gateway.order(effect.order_id)
        if order.status == "paid":
            ledger.paid(order.order_id)
        elif order.closed:
            ledger.closing(order.order_id)  # watched a while for a late payment once the session lets go
        return order

    def _print(self, receipt: Receipt, printer: str = "receipt") -> Outcome:
        # Not printed: the driver's status and log say why; the step shows the number on screen.
        return Outcome(self._printer(printer).print_job(uuid.uuid4().hex, receipt).printed)

    def _printer(self, printer: str) -> Any:
        return self.runtime.a4printer.driver if printer == "a4" else self.runtime.printer.driver

    # -- queries the engine makes ----------------------------------------------------------------
    def printer_ready(self, printer: str = "receipt") -> bool:
        # The supervisor's last status: asking the printer here would block the UI thread.
        driver = self._printer(printer)
        status = self.runtime.bus.last_status(driver.device)
        return status is not None and driver.printable(status)

    def _origin(self) -> Origin:
        settings = self.runtime.settings
        return Origin.now(self.translator.pick(settings.kiosk.hall_name.model_dump()), settings.kiosk.terminal_id)

    def render(self, document: DocumentSpec, scope: Mapping[str, Any], codes: Mapping) -> Receipt:
        """The printable receipt of a definition's document, in the citizen's language."""
        return render_document(document, scope, codes, self.translator.pick, self._origin(),
                               self.translator.gettext(REPRINT))

    def ticket_document(self, ticket: Any, queue: str) -> Receipt:
        """The counter queue ticket."""
        gettext = self.translator.gettext
        hours = self.translator.pick(self.runtime.settings.help.counter_hours.model_dump())
        return queue_ticket(self._origin(), ticket_no=ticket.ticket_no, service=gettext(QUEUE_NAMES[queue]),
                            waiting=ticket.waiting_ahead, hours=hours, gettext=gettext)

    def session_ended(self) -> None:
        """Forget per-session state; the printer's copies are wiped off the UI thread (a print job
        may hold the printer's lock for seconds)."""
        self._ticket_key = None
        self._pause.set()
        self._pause = threading.Event()
        self.runtime.ledger.release_all()  # the settler closes or refunds what this citizen left
        self.runtime.settler.wake()
        self.voice.stop()
        threading.Thread(target=self.runtime.printer.driver.wipe, name="printer-wipe", daemon=True).start()
