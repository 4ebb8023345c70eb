"""The phone hand-off: a step the citizen completes on their own phone, in an official app.

A ``start`` query opens the hand-off at the department (its id, the QR content, how long it is
valid); the screen shows the QR code, what to do on the phone and a countdown; the kiosk polls the
``status`` query (a pause and a request at a time, through effects) until the department says the
citizen confirmed, refused, or the time ran out. Confirmed: the journey goes on, and later steps
read the hand-off as ``$handoff.handoff_id``. Refused or out of time: Try again (a new code) or Back.

Any department can offer it: the two operations only have to keep the hand-off's shape (checked
when the catalog loads). The hand-off is bound to what was asked for: if the start request would
change (the citizen went back and changed the form), a confirmed hand-off no longer counts.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from pydantic import Field

from common.i18n import N_
from kiosk.journeys.definition import DefinitionContext, DefinitionError, is_source
from kiosk.journeys.effects import After, Call, Outcome
from kiosk.journeys.steps.backend import SENDS, Binding, handoff_bound
from kiosk.journeys.steps.base import Step, StepSettings
from kiosk.signing import document_digest
from kiosk.texts import Texts

# What the contract's hand-off operations must answer (property: JSON type).
START_REPLY = {"handoff_id": "string", "qr_content": "string", "expires_in_s": "integer"}
STATUSES = {"pending", "confirmed", "refused", "expired"}
MSG = {
    "waiting": N_("Scan the code with your phone and follow the app. This screen goes on by itself when you are done."),
    "interrupted": N_("The connection to the department is interrupted. The kiosk keeps trying until the time runs out."),
    "refused": N_("It was not confirmed on the phone. Nothing was signed. Touch Try again for a new code, or Back."),
    "expired": N_("The time ran out before it was confirmed on the phone. Nothing was signed. Touch Try again for a new code."),
}


class HandoffSettings(StepSettings):
    start: str                                   # the query that opens a hand-off
    start_request: dict[str, Binding] = {}
    status: str                                  # the query polled until it is decided
    status_request: dict[str, Binding] = {}      # e.g. { handoff_id = "$handoff.handoff_id" }
    digest: str | None = None                    # a start request property that gets the SHA-256 of what is signed
    instructions: Texts                          # what to do on the phone, one line per action
    poll_s: int = Field(default=2, ge=1, le=30)  # seconds between two status requests


@dataclass
class Handoff:
    """One hand-off of the session (in ``SessionData.handoff``, wiped with it).

    ``values`` is what later steps read as ``$handoff.*``: the start reply and the last status.
    """

    asked: str                                   # digest of the start request: what was asked for
    state: str = "starting"                      # starting, waiting, confirmed, refused, expired, failed
    values: dict = field(default_factory=dict)
    deadline: datetime.datetime | None = None
    polling: bool = False                        # a status request (not a pause) is running

    def wipe(self) -> None:
        self.values.clear()
        self.asked, self.deadline = "", None


class HandoffStep(Step):
    """Show a QR code, wait for the citizen to confirm on the phone, with a countdown and a way back."""

    kind = "handoff"
    Settings = HandoffSettings
    default_title = N_("Confirm on your phone")

    # -- load time -------------------------------------------------------------------------------
    def check(self, ctx: DefinitionContext) -> None:
        s: HandoffSettings = self.settings
        start = self._check_query(ctx, s.start, s.start_request, "start")
        replied = ctx.contract.reply_schema(start).get("properties", {})
        for name, kind in START_REPLY.items():
            if replied.get(name, {}).get("type") != kind:
                raise DefinitionError(f"start: {start.id} must answer {name} ({kind}) to be a hand-off")
        if s.digest is not None:
            prop = ctx.contract.request_schema(start).get("properties", {}).get(s.digest)
            if prop is None or prop.get("type") != "string":
                raise DefinitionError(f"digest: {s.digest!r} is not a text property of the request of {start.id}")
        status = ctx.operation(s.status, "status")
        statuses = set(ctx.contract.reply_schema(status).get("properties", {}).get("status", {}).get("enum", []))
        if not STATUSES <= statuses:
            raise DefinitionError(f"status: {status.id} must answer status with {', '.join(sorted(STATUSES))}")
        ctx.handoff_schema = {"properties": {**replied, "status": {"type": "string"}}}
        self._check_query(ctx, s.status, s.status_request, "status")
        ctx.check_texts(s.instructions, "instructions")

    def _check_query(self, ctx: DefinitionContext, op_id: str, request: dict, key: str):
        op = ctx.operation(op_id, key)
        if op.submission:
            raise DefinitionError(f"{key}: {op.id} is a submission; a hand-off starts and polls with queries")
        properties = ctx.contract.request_schema(op).get("properties", {})
        for name, value in request.items():
            if name not in properties:
                raise DefinitionError(f"{key}_request.{name}: not in the request of {op.id}; it has: "
                                      f"{', '.join(properties)}")
            if is_source(value):
                ctx.check_source(value[1:], f"{key}_request.{name}")
        covered = set(request) | ctx.form_operations.get(op.id, set())
        if key == "start" and self.settings.digest:
            covered.add(self.settings.digest)
        missing = [n for n in ctx.contract.request_schema(op).get("required", []) if n not in covered]
        if missing:
            raise DefinitionError(f"{key}_request: {op.id} requires {', '.join(missing)}; no form field, "
                                  "binding or constant covers it")
        return op

    def reads(self) -> tuple[str, ...]:
        return (SENDS.get(self.settings.start.split(".", 1)[0], ""),)

    # -- run time --------------------------------------------------------------------------------
    def passes(self, engine) -> bool:
        handoff = engine.data.handoff
        return handoff is not None and handoff.state == "confirmed" \
            and handoff.asked == document_digest(self._start_body(engine))

    def enter(self, engine) -> None:
        if self.passes(engine):  # confirmed for exactly this, earlier in the session
            engine.next()
            return
        self._start(engine)

    def action(self, engine, name: str, args: dict[str, Any]) -> None:
        handoff = engine.data.handoff
        if name == "retry" and handoff is not None and handoff.state in ("refused", "expired", "failed"):
            self._start(engine)

    def done(self, engine, outcome: Outcome) -> None:
        handoff = engine.data.handoff
        if handoff.state == "starting":
            self._started(engine, handoff, outcome)
        elif not handoff.polling:  # the pause is over
            if self._out_of_time(engine, handoff):
                return
            handoff.polling = True
            engine.do(Call(self.settings.status, self._body(engine, self.settings.status, self.settings.status_request)))
        else:
            handoff.polling = False
            if outcome.ok:
                handoff.values["status"] = outcome.value["status"]
                engine.notice(MSG["waiting"])
                if self._decided(engine, handoff, outcome.value["status"]):
                    return
            else:  # a lost poll is not the citizen's refusal: keep asking until the time runs out
                engine.notice(MSG["interrupted"])
            if not self._out_of_time(engine, handoff):
                engine.do(After(self.settings.poll_s))

    # -- the states ------------------------------------------------------------------------------
    def _start(self, engine) -> None:
        body = self._start_body(engine)
        engine.data.handoff = Handoff(asked=document_digest(body))
        engine.view.busy, engine.view.waiting = True, False
        engine.notice("")
        engine.do(Call(self.settings.start, body))

    def _started(self, engine, handoff: Handoff, outcome: Outcome) -> None:
        engine.view.busy = False
        if not outcome.ok:
            handoff.state = "failed"
            engine.notice(outcome.msgid, speak=True)
            return
        handoff.values = dict(outcome.value)
        handoff.deadline = engine.now() + datetime.timedelta(seconds=outcome.value["expires_in_s"])
        handoff.state = "waiting"
        engine.view.waiting = True
        engine.notice(MSG["waiting"], speak=True)
        engine.do(After(self.settings.poll_s))

    def _decided(self, engine, handoff: Handoff, status: str) -> bool:
        if status == "pending":
            return False
        engine.view.waiting = False
        handoff.state = status
        if status == "confirmed":
            engine.next()
        else:
            engine.notice(MSG[status], speak=True)
        return True

    def _out_of_time(self, engine, handoff: Handoff) -> bool:
        """The kiosk's own deadline: a department that never answers "expired" does not hold the citizen."""
        if engine.now() < handoff.deadline:
            return False
        return self._decided(engine, handoff, "expired")

    # -- requests --------------------------------------------------------------------------------
    def _start_body(self, engine) -> dict:
        body = self._body(engine, self.settings.start, self.settings.start_request)
        if self.settings.digest:
            body[self.settings.digest] = document_digest(self._document(engine))
        return body

    def _document(self, engine) -> dict:
        """What the citizen confirms: the request of the submission after this step without what names
        the hand-off itself (so the department recomputes the digest from what it receives); the form
        when no submission follows."""
        submit = next((s for s in engine.plan.steps[self.index + 1:] if s.kind == "submit"), None)
        if submit is None:
            return engine.data.form or {}
        return {k: v for k, v in submit.body(engine).items() if k not in handoff_bound(submit)}

    @staticmethod
    def _body(engine, op_id: str, bindings: dict) -> dict:
        names = engine.contract.request_schema(engine.contract.operation(op_id)).get("properties", {})
        body = {name: engine.resolve(value) for name, value in bindings.items()}
        body.update({k: v for k, v in (engine.data.form or {}).items() if k in names and k not in body})
        return {k: v for k, v in body.items() if v is not None}

