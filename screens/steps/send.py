"""The send screen: a submission the citizen waits for. With a question (issue the record? cancel
this booking?) it asks first, and with ``done`` says when it is done; otherwise it shows progress,
and what went wrong with Try again. While it waits the citizen can stop waiting."""
from __future__ import annotations

from kivy.properties import BooleanProperty, StringProperty

from kiosk.journeys import template
from kiosk.journeys.document import resolved_codes
from screens.steps.base import StepScreen


class SendScreen(StepScreen):
    """Ask, send, and say the outcome."""

    question = StringProperty("")
    confirm_label = StringProperty("")
    decline_label = StringProperty("")  # leave it undone (only some questions offer it)
    done_text = StringProperty("")
    asking = BooleanProperty(False)     # the question is waiting for an answer
    sent = BooleanProperty(False)       # the department did it and the step says so (``done``)
    failed = BooleanProperty(False)     # sending without a question failed: Try again

    def refresh(self) -> None:
        step, engine = self.step, self.engine
        s = step.settings
        codes = resolved_codes(engine.plan.codes, self.translator.pick)
        sent = step.passes(engine)
        self.sent = sent and s.done is not None
        self.asking = s.confirm is not None and not sent and not engine.view.busy
        self.failed = s.confirm is None and not sent and not engine.view.busy
        self.question = template.render(self.pick(s.confirm), engine.scope(), codes) if s.confirm else ""
        self.confirm_label = self.pick(s.confirm_label)
        self.decline_label = self.pick(s.decline)
        self.done_text = template.render(self.pick(s.done), engine.scope(), codes) if self.sent else ""
        self.can_go_back = not self.sent

    def clear(self) -> None:
        super().clear()
        self.question = self.confirm_label = self.decline_label = self.done_text = ""
        self.asking = self.sent = self.failed = False
