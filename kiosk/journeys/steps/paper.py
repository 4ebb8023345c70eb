"""Steps that end on paper: printing a document, and the counter queue ticket (the ticket route)."""
from __future__ import annotations

from typing import Any, Literal

from common.i18n import N_
from kiosk.journeys.definition import DefinitionContext
from kiosk.journeys.document import DocumentSpec
from kiosk.journeys.effects import IssueTicket, Outcome, Print
from kiosk.journeys.steps.base import Step, StepSettings
from kiosk.texts import Texts

MSG = {
    "print_offer": N_("You can print this now."),
    "printer_unavailable": N_("The printer cannot print right now. Please note the receipt number or scan the code."),
    "print_failed": N_("Printing did not finish. Please note the receipt number or scan the code."),
    "printed": N_("Printed. Please take your paper."),
    "printed_a4": N_("Printed. Please take your document from the A4 printer."),
    "ticket_offer": N_("Take a queue ticket for the counter."),
    "ticket_failed": N_("A queue ticket could not be issued. Please go to the information desk."),
    "ticket_printed": N_("Your ticket has been printed. Please wait for your number to be called."),
    "ticket_on_screen": N_("The printer cannot print: please remember the number shown."),
}


class PrintSettings(StepSettings):
    document: DocumentSpec
    summary: Texts | None = None  # shown above Print: a template, e.g. what happens next
    printer: Literal["receipt", "a4"] = "receipt"  # "a4": an official document, on the A4 printer


class PrintStep(Step):
    """Print the document on request (never twice without the citizen asking); when the printer
    cannot, the receipt number and its QR code are shown on the screen instead."""

    kind = "print"
    Settings = PrintSettings
    default_title = N_("Print")

    def check(self, ctx: DefinitionContext) -> None:
        self.settings.document.check(ctx, "document")
        ctx.check_texts(self.settings.summary, "summary")

    def enter(self, engine) -> None:
        # A printer already known to be out of order is said at once, with the number and code on
        # screen, rather than after the citizen presses Print (Print still tries again).
        if engine.printer_ready(self.settings.printer):
            engine.view.print_state = ""
            engine.notice(MSG["print_offer"])
        else:
            engine.view.print_state = "unavailable"
            engine.notice(MSG["printer_unavailable"], speak=True)

    def action(self, engine, name: str, args: dict[str, Any]) -> None:
        if name == "print":
            if engine.view.print_state in ("printing", "printed"):
                return
            if not engine.printer_ready(self.settings.printer):
                engine.view.print_state = "unavailable"
                engine.notice(MSG["printer_unavailable"], speak=True)
                return
            receipt = engine.render(self.settings.document)
            if engine.view.print_state == "failed":  # part of it may have come out: this is a copy
                receipt = receipt.as_reprint()
            engine.view.print_state = "printing"
            engine.do(Print(receipt, self.settings.document.kind, self.settings.printer))
        elif name == "next":
            engine.next()

    def done(self, engine, outcome: Outcome) -> None:
        engine.view.print_state = "printed" if outcome.ok else "failed"
        printed = "printed_a4" if self.settings.printer == "a4" else "printed"
        engine.notice(MSG[printed if outcome.ok else "print_failed"], speak=True)


class TicketStep(Step):
    """The ticket route: a numbered ticket for the service's counter queue, printed, and shown on
    screen too. Every journey with a face check has it; the engine goes there after repeated face
    failures or when the card has no photo this terminal can use."""

    kind = "ticket"
    default_title = N_("Queue ticket")

    def enter(self, engine) -> None:
        engine.view.ticket, engine.view.print_state = None, ""

    def action(self, engine, name: str, args: dict[str, Any]) -> None:
        if name == "take" and engine.view.ticket is None and not engine.view.busy:
            engine.view.busy = True
            engine.do(IssueTicket(engine.plan.queue))
        elif name == "done":
            engine.jump("rate")

    def done(self, engine, outcome: Outcome) -> None:
        view = engine.view
        if view.ticket is None:  # the ticket itself
            view.busy = False
            if not outcome.ok:
                engine.notice(MSG["ticket_failed"], speak=True)
                return
            view.ticket = outcome.value
            if engine.printer_ready():
                view.print_state = "printing"
                engine.do(Print(engine.runner.ticket_document(outcome.value, engine.plan.queue), "queue_ticket"))
            else:
                view.print_state = "unavailable"
                engine.notice(MSG["ticket_on_screen"], speak=True)
        else:  # its printing
            view.print_state = "printed" if outcome.ok else "failed"
            engine.notice(MSG["ticket_printed" if outcome.ok else "ticket_on_screen"], speak=True)
