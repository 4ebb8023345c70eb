"""The alternative route when the face check cannot confirm the citizen: a queue ticket for the counter."""
from __future__ import annotations

from kivy.properties import StringProperty

from screens.journey_base import JourneyScreen


class FallbackScreen(JourneyScreen):
    """Offers a counter queue ticket; shows its number on screen too (printed or not)."""

    ticket_text = StringProperty("")
    ticket_note = StringProperty("")

    def refresh(self) -> None:
        view, _ = self.journey.view, self.translator.gettext
        ticket = view.ticket
        self.ticket_text = ticket.ticket_no if ticket is not None else ""
        if ticket is None:
            self.ticket_note = ""
        elif view.print_state == "printed":
            self.ticket_note = _("Your ticket has been printed. Please wait for your number to be called.")
        elif view.print_state == "printing":
            self.ticket_note = _("Printing your ticket...")
        else:
            self.ticket_note = _("The printer cannot print: please remember this number.")
