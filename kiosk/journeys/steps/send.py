"""The send step: a submission the citizen waits for (a booking, a cancellation), sent directly to
the department rather than through the outbox, because what comes back decides what the citizen
sees next: an appointment number to print, or "that time was just taken".

The idempotency key is made once per request body and reused when the citizen tries again after a
network failure, so a booking whose reply was lost is not made twice; a changed body (another
slot) gets a new key. A field the department refuses with a code listed in ``refusals`` sends the
citizen to the step named there (a choose step fetches its list afresh) with that text; other
refused fields send them back to the form that holds the field.

With ``confirm`` the step first asks (e.g. "Cancel this booking?") and, once done, says so
(``done``) and offers to go on or to finish; without it the step passes by itself, like ``submit``.
"""
from __future__ import annotations

import uuid
from typing import Any

from pydantic import Field

from common.i18n import N_
from kiosk.journeys.definition import DefinitionContext, DefinitionError
from kiosk.journeys.effects import Call, Outcome
from kiosk.journeys.steps.backend import Binding, _Request, back_to_form
from kiosk.journeys.steps.base import Spec, Step, StepSettings
from kiosk.texts import Texts

MSG = {"sending": N_("Sending. Please wait a moment.")}
NAME = r"^[a-z_][a-z0-9_]*$"


class Refusal(Spec):
    """Where a refusal code sends the citizen, and what they are told there."""

    step: str                  # the id of an earlier step
    message: Texts


class SendSettings(StepSettings):
    operation: str
    request: dict[str, Binding] = {}
    receipt: str | None = Field(default=None, pattern=NAME)  # the reply property that is the receipt number
    refusals: dict[str, Refusal] = {}                        # field error code -> where to go
    confirm: Texts | None = None                             # ask first (a template over the scope)
    confirm_label: Texts | None = None                       # the button that sends
    done: Texts | None = None                                # said once it is done (with confirm)


class SendStep(_Request, Step):
    """A submission sent at once; the department's reply becomes ``$reply``."""

    kind = "send"
    Settings = SendSettings
    default_title = N_("Send")
    interactive = False

    def __init__(self, index, step_id, settings, when) -> None:
        super().__init__(index, step_id, settings, when)
        self.interactive = settings.confirm is not None  # a question the citizen answers

    # -- load time -------------------------------------------------------------------------------
    def check(self, ctx: DefinitionContext) -> None:
        s: SendSettings = self.settings
        before = ctx.reply_schema
        self.check_request(ctx, submission=True)
        op = ctx.operation(s.operation)
        if (s.confirm is None) != (s.confirm_label is None) or (s.done is not None and s.confirm is None):
            raise DefinitionError("confirm: give confirm, confirm_label (and optionally done) together")
        ctx.reply_schema = before  # the question is asked before it is sent
        ctx.check_texts(s.confirm, "confirm")
        ctx.reply_schema = ctx.contract.reply_schema(op)  # the department's own reply, not an outbox number
        if s.receipt is not None and s.receipt not in ctx.reply_schema.get("properties", {}):
            raise DefinitionError(f"receipt: the reply of {op.id} has no {s.receipt!r}")
        earlier = set(ctx.step_ids)
        for code, refusal in s.refusals.items():
            if refusal.step not in earlier:
                raise DefinitionError(f"refusals.{code}.step: no earlier step {refusal.step!r}; steps so far: "
                                      f"{', '.join(sorted(earlier))}")
            ctx.check_texts(refusal.message, f"refusals.{code}.message")
        ctx.check_texts(s.done, "done")

    # -- run time --------------------------------------------------------------------------------
    def passes(self, engine) -> bool:
        return self._sent(engine) is not None

    def _sent(self, engine) -> dict | None:
        kept = engine.data.replies.get(self.id)
        return kept[1] if kept and kept[1] is not None else None

    def enter(self, engine) -> None:
        sent = self._sent(engine)
        if sent is not None:  # Back and forth: it was done, its reply stays the journey's
            engine.data.reply = sent
            if self.settings.confirm is None:
                engine.next()
            return
        if self.settings.confirm is None:
            self._send(engine)

    def _send(self, engine) -> None:
        body = self.body(engine)
        kept = engine.data.replies.get(self.id)
        key = kept[0][1] if kept and kept[0][0] == body else uuid.uuid4().hex  # the same request keeps its key
        engine.data.replies[self.id] = ((body, key), None)
        engine.view.busy = True
        engine.notice(MSG["sending"])
        engine.do(Call(self.settings.operation, body, idempotency_key=key))

    def action(self, engine, name: str, args: dict[str, Any]) -> None:
        sent = self._sent(engine) is not None
        if name in ("send", "retry") and not sent and not engine.view.busy:
            self._send(engine)
        elif name == "next" and sent:
            engine.next()
        elif name == "finish":  # keep things as they are (or leave after it is done): rate and go
            engine.jump("rate")

    def done(self, engine, outcome: Outcome) -> None:
        engine.view.busy = False
        s: SendSettings = self.settings
        if outcome.ok:
            request = engine.data.replies[self.id][0]
            engine.data.replies[self.id] = (request, outcome.value)
            engine.data.reply = outcome.value
            if s.receipt is not None:
                engine.data.receipt_no = str(outcome.value.get(s.receipt, ""))
            if s.confirm is None:
                engine.next()
            else:
                engine.notice("")
            return
        listed = next((s.refusals[f.code] for f in outcome.fields if f.code in s.refusals), None)
        if listed is not None:
            target = next(step for step in engine.plan.steps if step.id == listed.step)
            engine.data.replies.pop(target.id, None)  # what it shows is out of date: fetched afresh
            engine.goto(target.index)
            engine.tell(listed.message)
        elif outcome.fields:
            back_to_form(engine, self.index, outcome.fields)
        else:
            engine.notice(outcome.msgid, speak=True)
