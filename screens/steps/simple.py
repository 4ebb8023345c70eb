"""The screens of the steps that show little of their own: consent, card, work in progress
(prefill, submit), farewell."""
from __future__ import annotations

from kivy.properties import StringProperty

from screens.steps.base import StepScreen


class ConsentScreen(StepScreen):
    """What is read and why, listed from the steps of this journey; agree or cancel."""

    purpose = StringProperty("")
    reads = StringProperty("")

    def refresh(self) -> None:
        _ = self.translator.gettext
        self.can_cancel = False  # its own Cancel is the way out
        self.purpose = self.pick(self.step.settings.purpose)
        self.reads = "\n".join(f"{n}. {_(msgid)}" for n, msgid in enumerate(self.engine.consent_reads(), 1))

    def clear(self) -> None:
        super().clear()
        self.purpose = self.reads = ""


class CardScreen(StepScreen):
    """Place the card; the engine moves on by itself when the reader reads one. A second person's
    card step (``party``) names that person above the instruction."""

    party = StringProperty("")

    def refresh(self) -> None:
        self.party = self.pick(self.step.label(self.engine)) if self.step.party is not None else ""

    def clear(self) -> None:
        super().clear()
        self.party = ""


class WorkScreen(StepScreen):
    """A step that passes by itself (a lookup, a submission): progress, or what went wrong."""


class FarewellScreen(StepScreen):
    """Please take your ID card."""

    def refresh(self) -> None:
        self.can_go_back = self.can_cancel = False
