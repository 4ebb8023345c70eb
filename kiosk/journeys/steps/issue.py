"""The ``issue`` step: a department issues a document the citizen waits for (an official record, a
certificate), with its number and verification code, to print in the next step.

Unlike ``submit`` (through the outbox, answered later), the citizen waits for the reply: the
submission is called directly with one Idempotency-Key per session and question, so "try again"
after a timeout, or going back and forth, never issues a second document.
"""
from __future__ import annotations

import uuid
from typing import Any

from common.i18n import N_
from kiosk.journeys.definition import DefinitionContext, DefinitionError
from kiosk.journeys.effects import Call, Outcome
from kiosk.journeys.steps.backend import Binding, _Request, back_to_form
from kiosk.journeys.steps.base import Step, StepSettings
from kiosk.texts import Texts

MSG = {
    "offer": N_("Touch Issue and the department issues the document for you."),
    "issuing": N_("The department is issuing your document..."),
}


class IssueSettings(StepSettings):
    operation: str                     # a submission whose reply is the document
    request: dict[str, Binding] = {}
    number: str                        # the reply property holding the document's number ($receipt_no after)
    intro: Texts | None = None         # what will be issued, in one or two sentences


class IssueStep(_Request, Step):
    """Ask the department to issue a document; on success go on (to print it); on failure say why,
    with Try again (the same key: a document issued meanwhile is returned, not issued twice)."""

    kind = "issue"
    Settings = IssueSettings
    default_title = N_("Issue the document")

    def check(self, ctx: DefinitionContext) -> None:
        s: IssueSettings = self.settings
        ctx.check_texts(s.intro, "intro")
        self.check_request(ctx, submission=True)
        # The citizen waits for this submission's own reply (not an outbox receipt number).
        ctx.reply_schema = ctx.contract.reply_schema(ctx.contract.operation(s.operation))
        if s.number not in ctx.reply_schema.get("properties", {}):
            raise DefinitionError(f"number: the reply of {s.operation} has no {s.number!r}; it has: "
                                  f"{', '.join(ctx.reply_schema.get('properties', {}))}")

    def reads(self) -> tuple[str, ...]:
        return ()  # the query or form before it already said what goes to the department

    def _kept(self, engine) -> Any:
        kept = (engine.data.replies or {}).get(self.id)
        return kept[1] if kept is not None and kept[0] == self.body(engine) else None

    def passes(self, engine) -> bool:
        return self._kept(engine) is not None

    def enter(self, engine) -> None:
        kept = self._kept(engine)
        if kept is not None:  # issued earlier in this session for the same question
            self._use(engine, kept)
            engine.next()
            return
        engine.notice(MSG["offer"])

    def action(self, engine, name: str, args: dict[str, Any]) -> None:
        if name in ("issue", "retry") and not engine.view.busy and self._kept(engine) is None:
            engine.view.busy = True
            engine.notice(MSG["issuing"])
            engine.do(Call(self.settings.operation, self.body(engine), self._key(engine)))
        elif name == "cancel":
            engine.cancel_request()
            engine.notice(MSG["offer"])
        elif name == "next" and self._kept(engine) is not None:
            engine.next()

    def _key(self, engine) -> str:
        """One key per session and question: the same body always goes with the same key."""
        body = self.body(engine)
        keys = engine.data.keys = engine.data.keys or {}
        kept = keys.get(self.id)
        if kept is None or kept[0] != body:
            kept = keys[self.id] = (body, str(uuid.uuid4()))
        return kept[1]

    def done(self, engine, outcome: Outcome) -> None:
        engine.view.busy = False
        if not outcome.ok:
            if outcome.fields:
                back_to_form(engine, self.index, outcome.fields)
            else:
                engine.notice(outcome.msgid, speak=True)
            return
        engine.data.replies[self.id] = (self.body(engine), outcome.value)
        self._use(engine, outcome.value)
        engine.next()

    def _use(self, engine, reply: dict) -> None:
        engine.data.reply = reply
        engine.data.receipt_no = str(reply.get(self.settings.number, ""))
