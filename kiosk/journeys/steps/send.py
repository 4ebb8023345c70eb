"""The send step: a submission the citizen waits for (a booking, a cancellation, a document the
department issues), sent directly to the department rather than through the outbox, because what
comes back decides what the citizen sees next: an appointment number or a verification code to
print, or "that time was just taken".

The idempotency key is made once per request body and reused when the citizen tries again after a
network failure or stops waiting, so a booking or document whose reply was lost is not made twice;
a changed body (another slot, other years) is another question with a new key. A field the
department refuses with a code listed in ``refusals`` sends the citizen to the step named there (a
choose step fetches its list afresh) with that text; other refused fields send them back to the
form that holds the field. A refusal can carry what it refers to (the booking the citizen already
holds): with ``reply`` the target query step shows that instead of asking again. A refused request
gets a new key next time (the department would answer the same key with the same refusal).

With ``confirm`` the step first asks ("Issue the record?", "Cancel this booking?"); with ``done``
as well it then says what was done and offers to go on or to finish (a cancellation stays done even
though its own reply replaced what it was asked about). Otherwise it goes on by itself once the
department has answered, like ``submit``.
"""
from __future__ import annotations

import uuid
from typing import Annotated, Any

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
    # The target query step's reply, from what the refusal carries: { its reply property = the
    # refusal's property }; a list property takes one object as its one row.
    reply: dict[str, Annotated[str, Field(pattern=NAME)]] = {}


class SendSettings(StepSettings):
    operation: str
    request: dict[str, Binding] = {}
    receipt: str | None = Field(default=None, pattern=NAME)  # the reply property that is the receipt number
    refusals: dict[str, Refusal] = {}                        # field error code -> where to go
    confirm: Texts | None = None                             # ask first (a template over the scope)
    confirm_label: Texts | None = None                       # the button that sends
    decline: Texts | None = None                             # with confirm: leave it undone and finish
    done: Texts | None = None                                # with confirm: said once it is done; the step stays


class SendStep(_Request, Step):
    """A submission sent at once or on the citizen's word; the department's reply becomes ``$reply``."""

    kind = "send"
    Settings = SendSettings
    default_title = N_("Send")
    interactive = False

    def __init__(self, index, step_id, settings, when) -> None:
        super().__init__(index, step_id, settings, when)
        self.interactive = settings.confirm is not None  # a question the citizen answers
        self._lists: dict[str, frozenset[str]] = {}  # refusal code -> the reply properties that are lists

    # -- load time -------------------------------------------------------------------------------
    def check(self, ctx: DefinitionContext) -> None:
        s: SendSettings = self.settings
        before = ctx.reply_schema
        self.check_request(ctx, submission=True)
        op = ctx.operation(s.operation)
        if (s.confirm is None) != (s.confirm_label is None):
            raise DefinitionError("confirm: give confirm and confirm_label together")
        if s.confirm is None and (s.done is not None or s.decline is not None):
            raise DefinitionError("done, decline: they answer a question; give confirm and confirm_label too")
        ctx.reply_schema = before  # the question is asked before it is sent
        ctx.check_texts(s.confirm, "confirm")
        ctx.reply_schema = ctx.contract.reply_schema(op)  # the department's own reply, not an outbox number
        if s.receipt is not None and s.receipt not in ctx.reply_schema.get("properties", {}):
            raise DefinitionError(f"receipt: the reply of {op.id} has no {s.receipt!r}; it has: "
                                  f"{', '.join(ctx.reply_schema.get('properties', {}))}")
        earlier = set(ctx.step_ids)
        for code, refusal in s.refusals.items():
            if refusal.step not in earlier:
                raise DefinitionError(f"refusals.{code}.step: no earlier step {refusal.step!r}; steps so far: "
                                      f"{', '.join(sorted(earlier))}")
            ctx.check_texts(refusal.message, f"refusals.{code}.message")
            if refusal.reply:
                self._lists[code] = _check_shown(ctx, op, refusal, f"refusals.{code}.reply")
        ctx.check_texts(s.done, "done")

    # -- run time --------------------------------------------------------------------------------
    def passes(self, engine) -> bool:
        return self._sent(engine) is not None

    def _sent(self, engine) -> dict | None:
        """The department's reply to this step's question, if it has answered it."""
        kept = engine.data.replies.get(self.id)
        if not kept or kept[1] is None:
            return None
        if self.settings.done is None and kept[0][0] != self.body(engine):
            return None  # the citizen went back and asked something else
        return kept[1]

    def enter(self, engine) -> None:
        sent = self._sent(engine)
        if sent is not None:  # back and forth: it was done, its reply stays the journey's
            self._use(engine, sent)
            if self.settings.done is None:
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
        elif name == "cancel" and engine.view.busy:  # stop waiting; the key stays for Try again
            engine.cancel_request()
            engine.notice("")
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
            self._use(engine, outcome.value)
            if s.done is None:
                engine.next()
            else:
                engine.notice("")
            return
        if outcome.refusal is not None:  # final for this key: asking again (after a change) is a new request
            engine.data.replies.pop(self.id, None)
        code = next((f.code for f in outcome.fields if f.code in s.refusals), None)
        if code is not None:
            listed = s.refusals[code]
            target = next(step for step in engine.plan.steps if step.id == listed.step)
            shown = self._shown(code, outcome.refusal or {})
            if shown is not None:
                target.show(engine, shown)  # what the department just said, not a second question
            else:
                engine.data.replies.pop(target.id, None)  # what it shows is out of date: fetched afresh
            engine.goto(target.index)
            engine.tell(listed.message)
        elif outcome.fields:
            back_to_form(engine, self.index, outcome.fields)
        else:
            engine.notice(outcome.msgid, speak=True)

    def _shown(self, code: str, carried: dict) -> dict | None:
        """The reply a refusal's target shows, from what the refusal carried (None: no ``reply``
        mapping, or the department left out what it maps)."""
        mapping = self.settings.refusals[code].reply
        if not mapping or not all(source in carried for source in mapping.values()):
            return None
        lists = self._lists.get(code, frozenset())
        return {name: [carried[source]] if name in lists else carried[source] for name, source in mapping.items()}

    def _use(self, engine, reply: dict) -> None:
        engine.data.reply = reply
        if self.settings.receipt is not None:
            engine.data.receipt_no = str(reply.get(self.settings.receipt, ""))


def _check_shown(ctx: DefinitionContext, op, refusal: Refusal, key: str) -> frozenset[str]:
    """Check a refusal's ``reply`` against the contract; returns the target properties that are lists
    (one carried object becomes their one row)."""
    target = ctx.queried.get(refusal.step)
    if target is None:
        raise DefinitionError(f"{key}: {refusal.step!r} is not a query step; only a query step shows a reply")
    shows = target.get("properties", {})
    carries = ctx.contract.refusal_schema(op).get("properties", {})
    lists = set()
    for name, source in refusal.reply.items():
        if name not in shows:
            raise DefinitionError(f"{key}.{name}: the reply of {refusal.step!r} has no {name!r}; it has: "
                                  f"{', '.join(shows)}")
        if source not in carries:
            raise DefinitionError(f"{key}.{name}: the refusals of {op.id} carry no {source!r}; they carry: "
                                  f"{', '.join(carries) or 'nothing'}")
        if shows[name] == carries[source]:
            continue
        if shows[name].get("type") == "array" and shows[name].get("items") == carries[source]:
            lists.add(name)
            continue
        raise DefinitionError(f"{key}.{name}: {source!r} of the refusal is not what {refusal.step!r} shows as {name!r}")
    missing = [name for name in target.get("required", []) if name not in refusal.reply]
    if missing:
        raise DefinitionError(f"{key}: the reply of {refusal.step!r} needs {', '.join(missing)} too")
    return frozenset(lists)
