"""Journey definitions: the ``[journey]`` table of a service file, loaded strictly and checked
against the OpenAPI contract, into a :class:`JourneyPlan` the engine runs.

A definition is an ordered list of steps, each a ``kind`` from the step library
(:mod:`kiosk.journeys.steps`) with that kind's settings. Values flow between steps through
*sources*: ``"$card.id_number"`` (the ID card), ``"$records.phone"`` (the citizen's records, after
a ``prefill`` step), ``"$form.year_from"`` (a field of an earlier form), ``"$picked.slot.start"`` (the row picked
at the choose step ``slot``), ``"$reply.receipt_no"``
(the last backend reply), ``"$payment.order_id"`` (the order a ``pay`` step got paid), ``"$receipt_no"``,
``"$terminal_id"``, ``"$today.year"``, ``"$party.lessee.id_number"`` (the card of a second person
identified in the same session, after a card step with ``party = "lessee"``). Every source,
field, template and operation is checked when the catalog loads; a broken definition stops the
kiosk with one line naming the file, the step and the key.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kiosk.backends.contract import Contract, ContractError, Operation
from kiosk.journeys import template
from kiosk.texts import Texts

if TYPE_CHECKING:
    from kiosk.journeys.steps.base import Step

Queue = Literal["tax", "exit_entry", "registration", "general"]
# What the ID card step provides to later steps (drivers.idcard.card.Card attributes).
CARD_FIELDS = frozenset({
    "name", "id_number", "gender", "gender_name", "nation", "nation_name", "birth_date", "address",
    "authority", "valid_from", "valid_to", "new_address", "english_name", "nationality", "pass_number",
})
PROFILE_OPERATION = "hall.query_profile"
ORDER_OPERATION = "payment.query_order"
SCALAR_SOURCES = frozenset({"receipt_no", "terminal_id", "service"})
TODAY_FIELDS = frozenset({"year", "month", "day", "iso"})


class DefinitionError(ValueError):
    """A journey definition is broken. ``str(e)`` is one line: step, key, what is wrong."""


class Condition(BaseModel):
    """Run a step only when an earlier form field has one of these values, or (``found``) only when
    an earlier query step's reply holds a non-empty list (``found = "existing.appointments"``)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
    field: str | None = None
    equals: str | int | None = None
    is_in: tuple[str | int, ...] = Field(default=(), alias="in", strict=False)  # a TOML array is a list
    filled: bool | None = None  # true: the field holds a value (an optional field was filled in)
    found: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_]+\.[a-z_][a-z0-9_]*$")  # "STEP_ID.LIST"

    @model_validator(mode="after")
    def _one_kind(self) -> "Condition":
        if (self.field is None) == (self.found is None):
            raise ValueError("give either field (with equals or in) or found")
        return self

    def holds(self, form: dict, replies: dict | None = None) -> bool:
        if self.found is not None:
            step_id, _, name = self.found.partition(".")
            kept = (replies or {}).get(step_id)
            return bool(kept and isinstance(kept, tuple) and kept[1].get(name))
        value = form.get(self.field)
        if self.filled is not None:
            return (value not in (None, "", [])) == self.filled
        if self.is_in:
            return value in self.is_in
        return value == self.equals


class JourneyDefinition(BaseModel):
    """The ``[journey]`` table of a service file (each step is checked by its kind's own model)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
    queue: Queue                                          # the counter queue of the ticket route
    codes: dict[str, dict[str, Texts]] = {}               # code tables for the |code:NAME filter
    parties: dict[str, Texts] = {}                        # other people identified in the session: name -> label
    steps: list[dict[str, Any]] = Field(min_length=1)


@dataclass
class JourneyPlan:
    """A checked definition, ready to run: the steps in order and the ticket route's step."""

    service_id: str
    queue: str
    steps: list["Step"]
    fallback: "Step"
    codes: dict[str, dict[str, Texts]] = field(default_factory=dict)
    parties: dict[str, Texts] = field(default_factory=dict)

    def index_of(self, kind: str) -> int | None:
        """The first step of ``kind``, or None."""
        return next((i for i, s in enumerate(self.steps) if s.kind == kind), None)


@dataclass
class DefinitionContext:
    """What a step may refer to, as the loader walks the steps in order (used by ``Step.check``)."""

    contract: Contract
    service_id: str
    codes: dict[str, dict[str, Texts]]
    kinds: list[str] = field(default_factory=list)            # kinds of the steps so far
    form_fields: dict[str, Any] = field(default_factory=dict)  # name -> FieldSpec
    form_operations: dict[str, set[str]] = field(default_factory=dict)  # operation -> field names
    reply_schema: dict = field(default_factory=dict)           # of the last query or submit
    handoff_schema: dict = field(default_factory=dict)         # of the last phone hand-off
    picked: dict[str, dict] = field(default_factory=dict)      # choose step id -> {multiple, row schema}
    queried: dict[str, dict] = field(default_factory=dict)     # query step id -> its reply schema (for `found`)
    step_ids: list[str] = field(default_factory=list)          # ids of the steps so far
    parties: dict[str, Texts] = field(default_factory=dict)    # the declared parties: name -> label
    carded: set = field(default_factory=set)                   # parties whose card step came (None: the citizen)
    faced: set = field(default_factory=set)                    # parties whose face step came (None: the citizen)

    def check_party(self, party: str | None, key: str = "party") -> None:
        """Check ``party`` is declared in ``[journey.parties]`` (None, the citizen, always is)."""
        if party is not None and party not in self.parties:
            raise DefinitionError(f"{key}: no party {party!r} in [journey.parties]; declared: "
                                  f"{', '.join(self.parties) or 'none'}")

    def operation(self, op_id: str, key: str = "operation") -> Operation:
        try:
            return self.contract.operation(op_id)
        except ContractError:
            known = ", ".join(sorted(op.id for op in self.contract.operations()))
            raise DefinitionError(f"{key}: no operation {op_id!r} in the contract (api/*.yaml); known: {known}") \
                from None

    def check_source(self, source: str, key: str, extra_roots: frozenset[str] = frozenset()) -> None:
        """Check a ``$``-source (without the ``$``) refers to something an earlier step provides."""
        root, _, rest = source.partition(".")
        first = rest.split(".", 1)[0]
        if root in extra_roots:
            return
        if root == "card":
            if "card" not in self.kinds:
                raise DefinitionError(f"{key}: {source!r} is used before any card step reads the card")
            if first not in CARD_FIELDS:
                raise DefinitionError(f"{key}: the ID card has no {first!r}; it has: {', '.join(sorted(CARD_FIELDS))}")
        elif root == "party":
            if first not in self.carded:
                raise DefinitionError(f"{key}: {source!r} is used before a card step with party = {first!r} "
                                      "identifies that person")
            field_name = rest.split(".")[1:2]
            if not field_name or field_name[0] not in CARD_FIELDS:
                raise DefinitionError(f"{key}: the ID card has no {'.'.join(field_name) or 'field named'!r}; it has: "
                                      f"{', '.join(sorted(CARD_FIELDS))}")
        elif root == "records":
            if "prefill" not in self.kinds:
                raise DefinitionError(f"{key}: {source!r} is used before a prefill step fetches the citizen's records")
            known = self.contract.reply_schema(self.contract.operation(PROFILE_OPERATION)).get("properties", {})
            if first not in known:
                raise DefinitionError(f"{key}: the citizen's records have no {first!r}; they have: {', '.join(known)}")
        elif root == "form":
            if first not in self.form_fields:
                raise DefinitionError(f"{key}: no earlier form field {first!r}; fields so far: "
                                      f"{', '.join(self.form_fields) or 'none'}")
        elif root == "reply":
            known = self.reply_schema.get("properties", {})
            if not known:
                raise DefinitionError(f"{key}: {source!r} is used before any query or submit step")
            if first and first not in known:
                raise DefinitionError(f"{key}: the reply has no {first!r}; it has: {', '.join(known)}")
        elif root == "handoff":
            known = self.handoff_schema.get("properties", {})
            if not known:
                raise DefinitionError(f"{key}: {source!r} is used before any handoff step")
            if first not in known:
                raise DefinitionError(f"{key}: the hand-off has no {first!r}; it has: {', '.join(known)}")
        elif root == "picked":
            if first not in self.picked:
                raise DefinitionError(f"{key}: no earlier choose step {first!r}; choose steps so far: "
                                      f"{', '.join(self.picked) or 'none'}")
            prop = rest.split(".")[1:2]
            chosen = self.picked[first]
            if prop and not chosen["multiple"] and prop[0] not in chosen["row"]:
                raise DefinitionError(f"{key}: the rows of {first!r} have no {prop[0]!r}; they have: "
                                      f"{', '.join(chosen['row'])}")
        elif root == "payment":
            if "pay" not in self.kinds:
                raise DefinitionError(f"{key}: {source!r} is used before any pay step")
            known = self.contract.reply_schema(self.contract.operation(ORDER_OPERATION)).get("properties", {})
            if first not in known:
                raise DefinitionError(f"{key}: a payment has no {first!r}; it has: {', '.join(known)}")
        elif root == "today":
            if first not in TODAY_FIELDS:
                raise DefinitionError(f"{key}: today has no {first!r}; it has: {', '.join(sorted(TODAY_FIELDS))}")
        elif not (root in SCALAR_SOURCES and not rest):
            raise DefinitionError(f"{key}: unknown source {source!r}; sources start with card, party, records, "
                                  f"form, reply, picked, handoff, payment, today, or are one of {', '.join(sorted(SCALAR_SOURCES))}")

    def check_found(self, found: str, key: str) -> None:
        """Check ``STEP_ID.LIST`` names a list in the reply of an earlier query step."""
        step_id, _, name = found.partition(".")
        if step_id not in self.queried:
            raise DefinitionError(f"{key}: no earlier query step {step_id!r}; query steps so far: "
                                  f"{', '.join(self.queried) or 'none'}")
        prop = self.queried[step_id].get("properties", {}).get(name, {})
        if prop.get("type") != "array":
            raise DefinitionError(f"{key}: the reply of {step_id!r} has no list {name!r}")

    def check_template(self, text: str, key: str, extra_roots: frozenset[str] = frozenset()) -> None:
        """Check every placeholder of a template and its ``|code:NAME`` tables."""
        try:
            found = template.placeholders(text)
        except template.TemplateError as e:
            raise DefinitionError(f"{key}: {e}") from None
        for path, filters in found:
            self.check_source(path, key, extra_roots)
            for f in filters:
                name, _, arg = f.partition(":")
                if name == "code" and arg not in self.codes:
                    raise DefinitionError(f"{key}: no code table {arg!r} in [journey.codes]")

    def check_texts(self, texts: Texts | None, key: str, extra_roots: frozenset[str] = frozenset()) -> None:
        if texts is not None:
            for lang, text in texts.as_dict().items():
                self.check_template(text, f"{key}.{lang}", extra_roots)


def is_source(value: Any) -> bool:
    """True for ``"$card.id_number"``-style references (anything else in a binding is a constant)."""
    return isinstance(value, str) and value.startswith("$")


def _one_line(e: ValidationError) -> str:
    parts = []
    for err in e.errors():
        loc = ".".join(str(p) for p in err["loc"])
        msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
        parts.append(f"{loc}: {msg}")
    return "; ".join(parts)


def compile_journey(service_id: str, raw: dict, contract: Contract) -> JourneyPlan:
    """Validate ``raw`` (the ``[journey]`` table) and build its plan.

    Raises:
        DefinitionError: one line naming the step (number and kind) and the key.
    """
    from kiosk.journeys.steps import KINDS, TicketStep

    try:
        definition = JourneyDefinition.model_validate(raw)
    except ValidationError as e:
        raise DefinitionError(f"journey: {_one_line(e)}") from None
    ctx = DefinitionContext(contract, service_id, definition.codes, parties=dict(definition.parties))
    steps = []
    for number, entry in enumerate(definition.steps, start=1):
        kind = entry.get("kind")
        where = f"journey step {number} ({kind or '?'})"
        if kind not in KINDS:
            raise DefinitionError(f"{where}: kind: unknown step kind {kind!r}; known: {', '.join(sorted(KINDS))}")
        cls = KINDS[kind]
        settings = {k: v for k, v in entry.items() if k not in ("kind", "id", "when")}
        try:
            when = Condition.model_validate(entry["when"]) if "when" in entry else None
            step_settings = cls.Settings.model_validate(settings)
        except ValidationError as e:
            raise DefinitionError(f"{where}: {_one_line(e)}") from None
        step = cls(len(steps), str(entry.get("id", f"{kind}{number}")), step_settings, when)
        try:
            if when is not None and when.field is not None:
                ctx.check_source(f"form.{when.field}", "when.field")
            elif when is not None:
                ctx.check_found(when.found, "when.found")
            step.check(ctx)
        except DefinitionError as e:
            raise DefinitionError(f"{where}: {e}") from None
        ctx.kinds.append(kind)
        ctx.step_ids.append(step.id)
        steps.append(step)
    if steps[-1].kind != "farewell":
        raise DefinitionError(f"journey step {len(steps)} ({steps[-1].kind}): the last step must be 'farewell' "
                              "(please take your ID card)")
    fallback = TicketStep(len(steps), "ticket", TicketStep.Settings(), None)
    return JourneyPlan(service_id, definition.queue, steps, fallback, dict(definition.codes), dict(definition.parties))
