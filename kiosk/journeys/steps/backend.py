"""Steps that talk to a department: prefill from the citizen's records, a query, a submission.

A request body is the step's ``request`` bindings (``"$card.id_number"``, constants; a dotted name
such as ``"lessee.name"`` fills a member of an object) plus the fields of every form for the same
operation. At load the contract must accept the shape: each
bound name is a request property and every required property is covered.
"""
from __future__ import annotations

import re
from typing import Any

from pydantic import Field

from common.i18n import N_
from kiosk.journeys import template
from kiosk.backends.errors import CANNOT_DO_HERE
from kiosk.journeys.definition import PROFILE_OPERATION, DefinitionContext, DefinitionError, is_source
from kiosk.journeys.document import TableSpec
from kiosk.journeys.effects import Call, Enqueue, Outcome
from kiosk.journeys.steps.base import Step, StepSettings
from kiosk.texts import Texts

SENDS = {
    "tax": N_("Send your name and ID number to the tax service."),
    "exit_entry": N_("Send your name and ID number to the exit-entry administration."),
    "registration": N_("Send your name, ID number and the form to the registration office."),
    "hall": N_("Look up what the government already holds about you, so you need not type it."),
}
MSG = {
    "refused": N_("The department could not accept some of your entries. Please check them."),
    "not_stored": N_("Your application could not be stored on this terminal. Nothing was sent. Please try again later or go to the counter."),
    "not_stored_paid": N_("Your application could not be stored on this terminal. Nothing was sent. Your payment will be refunded automatically to the account you paid from. Please go to the counter."),
    "refused_refund": N_("The department did not accept your application. Your payment will be refunded automatically to the account you paid from. Please ask at the counter for the reason."),
}
DELIVERY = {"type": "string", "enum": ["delivered", "pending", "rejected"]}
Binding = str | int | bool


def back_to_form(engine, before: int, refused: tuple, explained: dict[str, Texts] | None = None) -> None:
    """Back to the form (before step ``before``) that holds the first refused field (``FieldError``s),
    with every refused field marked: by the definition's explanation of its code, else by the
    department's reason. When no form holds them the citizen stays, told the reason."""
    reasons = {f.field.split(".", 1)[0]: f for f in refused}
    forms = [s for s in engine.plan.steps[:before] if s.kind == "form" and set(reasons) & {f.name for f in s.settings.fields}]
    if not forms:  # nothing the citizen typed (the card's data): stay, with the department's reason
        engine.notice(refused[0].msgid, speak=True)
        return
    engine.goto(forms[0].index)
    engine.view.errors = {name: ((explained or {}).get(f.code) or f.msgid, {}) for name, f in reasons.items()}
    engine.notice(MSG["refused"], speak=True)


def handoff_bound(step) -> set[str]:
    """The request properties of ``step`` bound to the phone hand-off (``$handoff.*``), e.g. ``signing_id``."""
    return {name for name, value in step.settings.request.items()
            if isinstance(value, str) and value.startswith("$handoff.")}


def back_to_handoff(engine, step, refused: tuple) -> bool:
    """A refused property the request of ``step`` binds to the phone hand-off (the department says the
    confirmed document is not this one, or the confirmation is used up): back to the latest hand-off
    step to confirm again on the phone, told why. False when the refusal is about something else."""
    problem = next((f for f in refused if f.field in handoff_bound(step)), None)
    handoffs = [s for s in engine.plan.steps[:step.index] if s.kind == "handoff"]
    if problem is None or not handoffs:
        return False
    engine.data.handoff = None  # what was confirmed does not count for this request
    engine.goto(handoffs[-1].index)
    engine.notice(problem.msgid, speak=True)
    return True


class _Request:
    """Shared by the steps that call an operation: the body from bindings and forms."""

    settings: Any

    def check_request(self, ctx: DefinitionContext, submission: bool) -> None:
        op = ctx.operation(self.settings.operation)
        if op.submission != submission:
            raise DefinitionError(f"operation: {op.id} is {'a submission' if op.submission else 'a query'}; "
                                  f"use a {'submit' if op.submission else 'query'} step")
        schema = ctx.contract.request_schema(op)
        properties = schema.get("properties", {})
        for name, value in self.settings.request.items():
            top, _, member = name.partition(".")
            if top not in properties:
                raise DefinitionError(f"request.{name}: not in the request of {op.id}; it has: {', '.join(properties)}")
            members = properties[top].get("properties", {}) if member else {}
            if member and member not in members:
                raise DefinitionError(f"request.{name}: {top} of {op.id} has no {member!r}; it has: "
                                      f"{', '.join(members) or 'no members'}")
            if is_source(value):
                ctx.check_source(value[1:], f"request.{name}")
        covered = {n.split(".", 1)[0] for n in self.settings.request} | ctx.form_operations.get(op.id, set())
        missing = [name for name in schema.get("required", []) if name not in covered]
        if missing:
            raise DefinitionError(f"request: {op.id} requires {', '.join(missing)}; no form field, prefill or "
                                  "constant covers it")
        # A submission goes through the outbox: what comes back at once is the outbox's receipt number
        # (and, for a step that waits for the department, whether it was delivered).
        if submission:
            ctx.reply_schema = {"properties": {"receipt_no": {"type": "string"}}}
            if getattr(self.settings, "confirm", False):
                # delivered while the citizen waited: the department's answer too (e.g. a filing number)
                answer = ctx.contract.reply_schema(op).get("properties", {})
                ctx.reply_schema["properties"] = {**answer, "receipt_no": {"type": "string"}, "delivery": DELIVERY}
        else:
            ctx.reply_schema = ctx.contract.reply_schema(op)

    def body(self, engine) -> dict:
        op = engine.contract.operation(self.settings.operation)
        names = engine.contract.request_schema(op).get("properties", {})
        body: dict = {}
        for name, value in self.settings.request.items():
            top, _, member = name.partition(".")  # "lessee.name": a member of an object in the request
            if member:
                body.setdefault(top, {})[member] = engine.resolve(value)
            else:
                body[name] = engine.resolve(value)
        body.update({k: v for k, v in (engine.data.form or {}).items() if k in names and k not in body})
        return {k: v for k, v in body.items() if v is not None}

    def reads(self) -> tuple[str, ...]:
        return (SENDS.get(self.settings.operation.split(".", 1)[0], ""),)


class PrefillStep(Step):
    """The citizen's records from the hall service (``hall.query_profile``), so forms start filled
    in; a citizen without records, or a service that does not answer, simply types them."""

    kind = "prefill"
    default_title = N_("Your records")
    interactive = False

    def reads(self) -> tuple[str, ...]:
        return (SENDS["hall"],)

    def enter(self, engine) -> None:
        engine.view.busy = True
        card = engine.data.card
        engine.do(Call(PROFILE_OPERATION, {"id_number": card.id_number, "name": card.name}))

    def done(self, engine, outcome: Outcome) -> None:
        engine.data.records = outcome.value if outcome.ok else {}
        engine.next()


class QuerySettings(StepSettings):
    operation: str
    request: dict[str, Binding] = {}
    summary: Texts | None = None       # a template over the reply, e.g. totals
    table: TableSpec | None = None
    empty: Texts | None = None         # shown when the table has no rows
    receipt_prefix: str = Field(default="", pattern=r"^([A-Z]{1,4})?$")  # a kiosk-made receipt number
    # What to tell the citizen when the department refuses an entry, by its field error code
    # (e.g. taken): the citizen goes back to the form with the entry marked.
    refusals: dict[str, Texts] = {}
    pass_empty: bool = False           # nothing in the table: the step passes by itself (a lookup before a form)
    finish: Texts | None = None        # a button with this label ends the service here, on to the rating
                                       # (a citizen who only came to look: a business checking its invoice quota)


class QueryStep(_Request, Step):
    """A department read, shown as a table and/or a summary. It starts on entry; while it runs the
    screen offers Cancel; a failure shows the client's message with Try again and Back."""

    kind = "query"
    Settings = QuerySettings
    default_title = N_("Your results")

    def check(self, ctx: DefinitionContext) -> None:
        self.check_request(ctx, submission=False)
        s: QuerySettings = self.settings
        ctx.check_texts(s.summary, "summary")
        ctx.check_texts(s.finish, "finish")
        if s.table is not None:
            s.table.check(ctx, "table")
        elif s.pass_empty:
            raise DefinitionError("pass_empty: needs a table (its rows say whether there is anything to show)")
        for code, texts in s.refusals.items():
            if not re.fullmatch(r"[a-z_]+", code):
                raise DefinitionError(f"refusals.{code}: a field error code of the contract (a-z and _)")
            ctx.check_texts(texts, f"refusals.{code}")
        ctx.queried[self.id] = ctx.reply_schema

    def passes(self, engine) -> bool:
        kept = engine.data.replies.get(self.id)
        return self.settings.pass_empty and kept is not None and not self._rows(engine, kept[1])

    def show(self, engine, reply: dict) -> None:
        """Show ``reply`` as this step's answer the next time it is entered, instead of asking (a later
        step's refusal carried it, e.g. the booking the citizen already holds)."""
        engine.data.replies[self.id] = (self.body(engine), reply)

    def _rows(self, engine, reply: dict) -> list:
        return template.lookup(engine.scope(reply=reply), self.settings.table.rows) or []

    def enter(self, engine) -> None:
        body = self.body(engine)
        kept = engine.data.replies.get(self.id)
        if kept is not None and kept[0] == body:  # back from a later step: the same question
            engine.data.reply = kept[1]
            if self.passes(engine):
                engine.next()
            return
        engine.data.reply = None
        engine.view.busy = True
        engine.do(Call(self.settings.operation, body))

    def action(self, engine, name: str, args: dict[str, Any]) -> None:
        if name == "cancel":
            engine.cancel_request()
            engine.back()
        elif name == "retry":
            self.enter(engine)
        elif name == "next" and engine.data.reply is not None:
            engine.next()
        elif name == "finish" and self.settings.finish is not None and engine.data.reply is not None:
            engine.jump("rate")

    def done(self, engine, outcome: Outcome) -> None:
        engine.view.busy = False
        if not outcome.ok and outcome.fields:
            back_to_form(engine, self.index, outcome.fields, self.settings.refusals)
            return
        if not outcome.ok:
            engine.notice(outcome.msgid, speak=True)
            return
        engine.data.reply = outcome.value
        engine.data.replies[self.id] = (self.body(engine), outcome.value)
        if self.settings.receipt_prefix:
            engine.data.receipt_no = engine.local_receipt_no(self.settings.receipt_prefix)
        if self.passes(engine):
            engine.next()


class SubmitSettings(StepSettings):
    operation: str
    request: dict[str, Binding] = {}
    confirm: bool = False   # wait ([outbox] confirm_wait_s) for the department: $reply.delivery says what became of it


class SubmitStep(_Request, Step):
    """A submission stored durably in the outbox (delivered when the department can take it); the
    outbox numbers the receipt. A field the contract refuses sends the citizen back to the form.

    After a ``pay`` step the paid order goes with it (one stored submission per paid order); if it
    cannot be stored, or the department refuses it while the citizen waits (``confirm``), the
    citizen is told the payment will be refunded (the payment ledger's settler does it)."""

    kind = "submit"
    Settings = SubmitSettings
    default_title = N_("Submit")
    interactive = False

    def check(self, ctx: DefinitionContext) -> None:
        self.check_request(ctx, submission=True)

    def enter(self, engine) -> None:
        engine.view.busy = True
        order = engine.data.payment
        paid = order.order_id if order is not None and order.status == "paid" else None
        engine.do(Enqueue(self.settings.operation, self.body(engine), payment_order_id=paid,
                          confirm=self.settings.confirm))

    def done(self, engine, outcome: Outcome) -> None:
        engine.view.busy = False
        paid = engine.data.payment is not None and engine.data.payment.status == "paid"
        if outcome.ok:
            receipt_no, delivery, answer, refused = (outcome.value, "", {}, ()) if isinstance(outcome.value, str) \
                else outcome.value
            engine.data.reply = answer | {"receipt_no": receipt_no} | ({"delivery": delivery} if delivery else {})
            engine.data.receipt_no = receipt_no
            if delivery == "rejected" and refused and not paid:  # e.g. the end of a term before its start
                if not back_to_handoff(engine, self, refused):
                    back_to_form(engine, self.index, refused)
                return
            if delivery == "rejected":
                engine.notice(MSG["refused_refund"] if paid else CANNOT_DO_HERE, speak=True)
                return
            engine.next()
        elif outcome.fields:
            if not back_to_handoff(engine, self, outcome.fields):
                back_to_form(engine, self.index, outcome.fields)
        elif paid:
            engine.notice(MSG["not_stored_paid"], speak=True)
        else:
            engine.notice(outcome.msgid or MSG["not_stored"], speak=True)
