"""Form pages and the review: the citizen's input, typed and checked by the contract.

A form names the contract operation its fields belong to; each field is a property of that
operation's request, and its type, enum, pattern and range come from the contract (one schema,
not two). The widget says how the citizen enters it: ``stepper`` (an integer with - and +),
``choice`` (tiles, one per enum value), ``keypad`` (digits), ``date`` and ``text``.
"""
from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any, Callable, Literal

from pydantic import Field

from common.i18n import N_
from kiosk.journeys import template
from kiosk.journeys.definition import DefinitionContext, DefinitionError, is_source
from kiosk.journeys.document import LabelledValue, SignatureSpec, signature_drawings
from kiosk.journeys.steps.base import Spec, Step, StepSettings
from kiosk.texts import Texts

RELATIVE_YEAR = re.compile(r"^this_year(-[0-9]{1,2})?$")
RELATIVE_DAY = re.compile(r"^today([-+][0-9]{1,5})?$")
MSG = {
    "check_fields": N_("Please check the items marked below."),
    "invalid": N_("Please check this entry."),
    "required": N_("Please fill this in."),
    "too_low": N_("Please choose a later value."),
    "too_high": N_("Please choose an earlier value."),
    "not_after": N_("This must not be after {other}."),
    "after": N_("This must be after {other}."),
}
# The JSON Schema type (and format) each widget can enter.
WIDGET_TYPES = {"stepper": ("integer", None), "choice": (None, None), "keypad": ("string", None),
                "date": ("string", "date"), "text": ("string", None)}


class FieldSpec(Spec):
    """One input field of a form."""

    name: str                                   # the request property it fills
    widget: Literal["stepper", "choice", "keypad", "date", "text"]
    label: Texts
    hint: Texts | None = None
    default: str | int | None = None            # a constant, a "$source", or "this_year-N" for a stepper
    min: int | str | None = None                # stepper: narrower than the contract, e.g. "this_year-4"
    max: int | str | None = None
    not_after: str | None = None                # another field of this form that this one must not exceed
    after: str | None = None                    # another field of this form that this one must exceed (a term's end)
    options: dict[str, Texts] = {}              # choice: a label per contract enum value, in display order
    prefix: str = Field(default="", pattern=r"^[A-Z]{0,3}$")  # keypad: letters the value starts with, not typed
    required: bool = False                      # required on this page though the contract makes it optional
                                                # (a follow-up the department needs in this case)
    explain: dict[Literal["too_low", "too_high", "after"], Texts] = {}  # the rule, said in place of the generic message


class FormSettings(StepSettings):
    operation: str
    intro: Texts | None = None
    fields: list[FieldSpec] = Field(min_length=1, max_length=8)


class FormStep(Step):
    """One page of input fields."""

    kind = "form"
    Settings = FormSettings
    default_title = N_("Your details")

    def check(self, ctx: DefinitionContext) -> None:
        s: FormSettings = self.settings
        op = ctx.operation(s.operation)
        schema = ctx.contract.request_schema(op).get("properties", {})
        names = [f.name for f in s.fields]
        for i, f in enumerate(s.fields):
            key = f"fields.{i}"
            if f.name not in schema:
                raise DefinitionError(f"{key}.name: {f.name!r} is not in the request of {op.id} "
                                      f"(api/{op.department}.yaml); it has: {', '.join(schema)}")
            prop = schema[f.name]
            want_type, want_format = WIDGET_TYPES[f.widget]
            if f.widget == "choice":
                enum = prop.get("enum")
                if not enum:
                    raise DefinitionError(f"{key}.widget: 'choice' needs an enum in the contract; {f.name} has none")
                if set(f.options) != {str(v) for v in enum}:
                    raise DefinitionError(f"{key}.options: label exactly the contract's values {enum}")
            elif prop.get("type") != want_type or (want_format and prop.get("format") != want_format):
                raise DefinitionError(f"{key}.widget: {f.widget!r} enters {want_type}"
                                      f"{' (' + want_format + ')' if want_format else ''}, but {f.name} is "
                                      f"{prop.get('type')}{' (' + prop['format'] + ')' if 'format' in prop else ''}")
            for bound in ("min", "max"):
                value = getattr(f, bound)
                if f.widget == "date" and value is not None and not (isinstance(value, str) and RELATIVE_DAY.match(value)):
                    raise DefinitionError(f"{key}.{bound}: a date field's bound is 'today', 'today-N' or 'today+N' (days)")
                if f.widget != "date" and isinstance(value, str) and not RELATIVE_YEAR.match(value):
                    raise DefinitionError(f"{key}.{bound}: a number or 'this_year' / 'this_year-N'")
            for i_text, text in f.explain.items():
                ctx.check_texts(text, f"{key}.explain.{i_text}")
            if is_source(f.default):
                ctx.check_source(f.default[1:], f"{key}.default")
            elif isinstance(f.default, str) and f.widget == "stepper" and not RELATIVE_YEAR.match(f.default):
                raise DefinitionError(f"{key}.default: a number, a $source or 'this_year-N'")
            if f.prefix and f.widget != "keypad":
                raise DefinitionError(f"{key}.prefix: only a keypad field has a prefix")
            for rule in ("not_after", "after"):
                other = getattr(f, rule)
                if other is not None and other not in names:
                    raise DefinitionError(f"{key}.{rule}: {other!r} is not a field of this form")
            ctx.check_texts(f.label, f"{key}.label")
        for f in s.fields:
            ctx.form_fields[f.name] = f
        ctx.form_operations.setdefault(op.id, set()).update(names)

    # -- run time --------------------------------------------------------------------------------
    def field(self, name: str) -> FieldSpec:
        return next(f for f in self.settings.fields if f.name == name)

    def bounds(self, engine, spec: FieldSpec) -> tuple[int | None, int | None]:
        """A stepper's smallest and largest value: the contract's range narrowed by the definition's."""
        prop = self._schema(engine, spec)
        low, high = prop.get("minimum"), prop.get("maximum")
        mine_low, mine_high = _year(spec.min, engine), _year(spec.max, engine)
        if mine_low is not None:
            low = mine_low if low is None else max(low, mine_low)
        if mine_high is not None:
            high = mine_high if high is None else min(high, mine_high)
        return low, high

    def enter(self, engine) -> None:
        form = engine.data.form
        for spec in self.settings.fields:
            if spec.name not in form and spec.default is not None:
                value = engine.resolve(spec.default) if is_source(spec.default) else _year(spec.default, engine)
                if value not in (None, ""):
                    form[spec.name] = value
        if self.settings.intro is None:
            engine.notice("")

    def action(self, engine, name: str, args: dict[str, Any]) -> None:
        if name == "set":
            engine.data.form[args["name"]] = args["value"]
            engine.view.errors.pop(args["name"], None)
        elif name == "next":
            errors = self.errors(engine)
            engine.view.errors = errors
            if errors:
                engine.notice(MSG["check_fields"], speak=True)
            else:
                engine.next()

    def errors(self, engine) -> dict[str, tuple[str, dict]]:
        """``{field: (msgid, args)}`` for every field whose value the contract or the definition refuses."""
        form, found = engine.data.form, {}
        op = engine.contract.operation(self.settings.operation)
        required = set(engine.contract.request_schema(op).get("required", []))
        for spec in self.settings.fields:
            value = form.get(spec.name)
            if value in (None, ""):
                form.pop(spec.name, None)  # an optional field left empty is not sent
                if spec.name in required or spec.required:
                    found[spec.name] = (MSG["required"], {})
                continue
            if spec.widget in ("stepper", "date"):
                low, high = self.bounds(engine, spec) if spec.widget == "stepper" else _days(spec, engine)
                if low is not None and value < low:
                    found[spec.name] = _too(spec, "too_low")
                elif high is not None and value > high:
                    found[spec.name] = _too(spec, "too_high")
            if spec.name not in found and engine.contract.value_errors(op, spec.name, value):
                found[spec.name] = (MSG["invalid"], {})
            if spec.not_after and spec.name not in found:
                other = form.get(spec.not_after)
                if other is not None and value > other:
                    found[spec.name] = (MSG["not_after"], {"other": spec.not_after})  # the screen shows its label
            if spec.after and spec.name not in found:
                other = form.get(spec.after)
                if other is not None and value <= other:
                    found[spec.name] = _too(spec, "after") if "after" in spec.explain \
                        else (MSG["after"], {"other": spec.after})
        return found

    def _schema(self, engine, spec: FieldSpec) -> dict:
        op = engine.contract.operation(self.settings.operation)
        return engine.contract.request_schema(op).get("properties", {}).get(spec.name, {})


def _too(spec: FieldSpec, which: str) -> tuple[str, dict]:
    """The message for a value out of bounds: the definition's explanation of the rule, or the generic one."""
    return ("", {"explain": which}) if which in spec.explain else (MSG[which], {})


def _days(spec: FieldSpec, engine) -> tuple[str | None, str | None]:
    """A date field's bounds as ISO dates (``today-3`` is three days before today)."""
    def day(value: str | None) -> str | None:
        if value is None:
            return None
        offset = int(value[len("today"):] or 0)
        return (engine.today() + datetime.timedelta(days=offset)).isoformat()
    return day(spec.min), day(spec.max)


def _year(value: Any, engine) -> Any:
    """``"this_year-N"`` as a number (other values as they are)."""
    if isinstance(value, str) and RELATIVE_YEAR.match(value):
        return engine.today().year - int(value[len("this_year-"):] or 0) if "-" in value else engine.today().year
    return value


class ReviewSettings(StepSettings):
    # Lines shown first, without "change": what the citizen did not type, e.g. who the parties are
    # (``{label = {...}, value = "{party.lessee.name} {party.lessee.id_number|mask_id}"}``).
    shows: list[LabelledValue] = []
    # Signatures drawn under the entries, each under its caption (a review after signing shows
    # what was signed with the signatures themselves); one not given yet is left out.
    signatures: list[SignatureSpec] = []


class ReviewStep(Step):
    """Everything entered, read-only, each with "change"; the citizen confirms."""

    kind = "review"
    Settings = ReviewSettings
    default_title = N_("Check and confirm")

    def check(self, ctx: DefinitionContext) -> None:
        for i, line in enumerate(self.settings.shows):
            ctx.check_texts(line.label, f"shows.{i}.label")
            ctx.check_template(line.value, f"shows.{i}.value")
        for i, signed in enumerate(self.settings.signatures):
            ctx.check_source(signed.value, f"signatures.{i}.value")
            ctx.check_texts(signed.caption, f"signatures.{i}.caption")

    def drawings(self, engine, pick: Callable[[Texts], str]) -> tuple:
        """The signatures given so far as drawings (``drivers.printer.receipt.Drawing``), captioned."""
        return signature_drawings([(s.value, pick(s.caption)) for s in self.settings.signatures], engine.scope())

    def action(self, engine, name: str, args: dict[str, Any]) -> None:
        if name == "change":
            engine.goto(args["step"])
        elif name == "next":
            engine.next()

    def entries(self, engine, pick: Callable[[Texts], str], codes: dict) -> list[Entry]:
        """Every value entered or chosen so far, in step order, as the citizen reads it."""
        from kiosk.journeys.steps.choose import ChooseStep  # the choose step builds on forms' module

        scope = engine.scope()
        out = [Entry(None, f"shows{i}", pick(line.label), template.render(line.value, scope, codes))
               for i, line in enumerate(self.settings.shows)]
        for step in engine.plan.steps[:self.index]:
            if not engine._applies(step):
                continue
            if isinstance(step, FormStep):
                for spec in step.settings.fields:
                    value = engine.data.form.get(spec.name)
                    shown = pick(spec.options[value]) if value in spec.options else ("" if value is None else str(value))
                    out.append(Entry(step.index, spec.name, pick(spec.label), shown))
            elif isinstance(step, ChooseStep):
                chosen = [o.label for o in step.options(engine, pick, codes, searched=False) if o.chosen]
                out.append(Entry(step.index, step.settings.field, pick(step.settings.title), "; ".join(chosen)))
        return out


@dataclass(frozen=True)
class Entry:
    """One line of the review: the step to go back to (None: not changed here), the field, its
    label and its value as shown."""

    step: int | None
    name: str
    label: str
    shown: str
