"""The citizen's handwritten signature on the screen, bound to what is signed.

The pad records strokes as a time series (x, y, t, pen down/up) in its own frame; an empty or
trivially short signature is refused; Clear starts again. On Confirm the runner binds the strokes
to the request the submit step will send (everything but the envelope), the terminal, the face
check's outcome and the time, and signs the digest with the terminal's key
(:mod:`kiosk.signing`). The envelope goes into the form under ``field`` and travels with the
submission. A signature is never reused: entering the step (again) drops any earlier one.

With ``party`` a second person signs (e.g. the lessee): their envelope carries their own face
check's outcome. Every envelope names its signer's role (``signer``: the party, else ``applicant``,
or the definition's own, e.g. ``lessor``), bound by the digest, so a department can tell the
lessee's signature from the lessor's. Every signature of one submission binds the same request: the request without
any of its envelopes, so the order in which the parties sign does not matter.
"""
from __future__ import annotations

import math
from typing import Any

from common.i18n import N_
from kiosk.journeys.definition import DefinitionContext, DefinitionError
from kiosk.journeys.effects import Outcome, Sign
from kiosk.journeys.steps.base import Step, StepSettings
from kiosk.texts import Texts

MIN_POINTS = 12            # pen-down points: fewer is a tap or a dot, not a signature
MIN_PATH_SHARE = 0.4       # the pen travelled at least this share of the pad's width
MAX_POINTS = 4000          # the contract's limit (the screen thins the points it records)
MSG = {
    "sign": N_("Please sign your name in the box with your finger."),
    "party_sign": N_("{party}: please sign your name in the box with your finger."),
    "empty": N_("The box is empty. Please sign your name in the box."),
    "too_short": N_("This is too short to be a signature. Please clear the box and sign your full name."),
    "too_long": N_("This signature has too many strokes for the box. Please clear it and sign again."),
    "failed": N_("Your signature could not be recorded on this terminal. Please try again or go to the counter."),
}
READS_SIGNATURE = N_("Record your handwritten signature and bind it to this application with the terminal's key.")


class SignatureSettings(StepSettings):
    operation: str                 # the submission whose request is signed
    field: str = "signature"       # the request property that carries the envelope
    statement: Texts               # what the citizen confirms by signing, in one or two sentences
    party: str | None = None       # who signs: a party of [journey.parties]; omitted: the citizen
    signer: str | None = None      # the signer's role in the envelope (the contract's enum); default: party or applicant


def refusal(strokes: Any) -> str:
    """The message id that refuses ``strokes`` (``{width, height, points}``), or "" when it is a signature."""
    if not isinstance(strokes, dict):
        return MSG["empty"]
    points, width = strokes.get("points") or [], strokes.get("width") or 0
    down = [p for p in points if p[3] == 1]
    if not down:
        return MSG["empty"]
    if len(points) > MAX_POINTS:
        return MSG["too_long"]
    travelled = sum(math.dist(a[:2], b[:2]) for a, b in zip(points, points[1:]) if a[3] == 1)
    if len(down) < MIN_POINTS or width <= 0 or travelled < MIN_PATH_SHARE * width:
        return MSG["too_short"]
    return ""


class SignatureStep(Step):
    """Sign on the pad: Clear, Confirm; refused when empty or too short; bound and signed by the runner."""

    kind = "signature"
    Settings = SignatureSettings
    default_title = N_("Your signature")

    def reads(self) -> tuple[str, ...]:
        return (READS_SIGNATURE,)

    def check(self, ctx: DefinitionContext) -> None:
        s: SignatureSettings = self.settings
        op = ctx.operation(s.operation)
        if not op.submission:
            raise DefinitionError(f"operation: {op.id} is a query; a signature binds a submission")
        prop = ctx.contract.request_schema(op).get("properties", {}).get(s.field)
        if prop is None or "strokes" not in prop.get("properties", {}):
            raise DefinitionError(f"field: {s.field!r} is not a signature envelope in the request of {op.id}")
        ctx.check_party(s.party)
        roles = prop["properties"].get("signer", {}).get("enum", [])
        if self.signer not in roles:
            raise DefinitionError(f"signer: {self.signer!r} is not a signer role of the envelope {s.field!r} of {op.id}; "
                                  f"set signer to one of: {', '.join(roles)}")
        if s.party not in ctx.faced:
            raise DefinitionError("a signature binds the signer's face check: put a face step"
                                  f"{'' if s.party is None else f' with party = {s.party!r}'} before it")
        ctx.check_texts(s.statement, "statement")
        ctx.form_fields[s.field] = self  # "$form.signature": the envelope, e.g. drawn on the receipt
        ctx.form_operations.setdefault(op.id, set()).add(s.field)

    def enter(self, engine) -> None:
        engine.data.form.pop(self.settings.field, None)  # never reuse a signature, not even this citizen's
        self._ask(engine, speak=True)

    def _ask(self, engine, speak: bool = False) -> None:
        if self.party is not None:
            engine.notice(MSG["party_sign"], speak=speak, party=self.label(engine))
        else:
            engine.notice(MSG["sign"], speak=speak)

    def action(self, engine, name: str, args: dict[str, Any]) -> None:
        if name == "clear":
            engine.data.form.pop(self.settings.field, None)
            self._ask(engine)
        elif name == "sign" and not engine.view.busy:
            strokes = args.get("strokes")
            problem = refusal(strokes)
            if problem:
                engine.notice(problem, speak=True)
                return
            engine.view.busy = True
            engine.do(Sign(self.signed_request(engine), strokes, engine.identity(self.settings.party).face or "",
                           self.signer))

    @property
    def party(self) -> str | None:
        return self.settings.party

    @property
    def signer(self) -> str:
        """The role the envelope names: the definition's ``signer``, else the party, else ``applicant``."""
        return self.settings.signer or self.settings.party or "applicant"

    def label(self, engine) -> Texts | None:
        """Who signs, as the screen shows it (None: the citizen)."""
        return engine.plan.parties.get(self.party) if self.party is not None else None

    def signed_request(self, engine) -> dict:
        """The request the submit step will send for this operation, without any signature envelope."""
        op = self.settings.operation
        submit = next(s for s in engine.plan.steps[self.index + 1:] if s.kind == "submit" and s.settings.operation == op)
        envelopes = {s.settings.field for s in engine.plan.steps if s.kind == "signature" and s.settings.operation == op}
        return {k: v for k, v in submit.body(engine).items() if k not in envelopes}

    def done(self, engine, outcome: Outcome) -> None:
        engine.view.busy = False
        if not outcome.ok:
            engine.notice(outcome.msgid or MSG["failed"], speak=True)
            return
        engine.data.form[self.settings.field] = outcome.value
        engine.next()
