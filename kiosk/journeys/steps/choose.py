"""The choose step: the citizen picks one row (or several) of a list a department returns: an
appointment slot, an endorsement type, tax vouchers, a district of the address chain.

The list comes from a query operation (fetched afresh each time the step is entered: slots fill
up); the pick fills one request property of a later operation (``target``/``field``) and stays
available to templates as ``{picked.<step id>.<row property>}``. A chain (district, street,
community) is consecutive choose steps whose request binds the previous pick. With ``search``
the citizen narrows a long list by the pinyin initials of the rows' labels ("TH" finds 天河区).
With ``prefill`` (a source such as ``$records.address_units.district``) the step starts with the row
whose value it holds chosen, marked "From your records"; the citizen may choose another.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Callable

from pydantic import Field

from common.i18n import N_
from kiosk.journeys import template
from kiosk.journeys.definition import DefinitionContext, DefinitionError, is_source
from kiosk.journeys.effects import Call, Outcome
from kiosk.journeys.steps.backend import SENDS, Binding, _Request, back_to_form
from kiosk.journeys.steps.base import Step, StepSettings
from kiosk.texts import Texts

MSG = {
    "pick_one": N_("Please choose one."),
    "pick_some": N_("Please choose at least one."),
    "not_available": N_("This one can no longer be chosen. Please choose another."),
    "from_records": N_("Chosen from your records. Choose another if it is not right."),
}
NAME = r"^[a-z_][a-z0-9_]*$"
_HAN = re.compile(r"[\u3400-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z0-9]+")


class ChooseSettings(StepSettings):
    operation: str                          # a query; its reply holds the list
    request: dict[str, Binding] = {}
    items: str = Field(pattern=NAME)        # the reply property holding the rows
    target: str                             # the operation whose request property `field` the pick fills
    field: str = Field(pattern=NAME)
    value: str = Field(pattern=NAME)        # the row property stored in the form
    label: Texts | str                      # a template over `row` (one for every language, or per language)
    detail: Texts | str | None = None
    enabled: str | None = Field(default=None, pattern=NAME)  # a row property; false or 0: shown, not pickable
    multiple: bool = False
    search: bool = False
    intro: Texts | None = None
    empty: Texts | None = None
    prefill: str | None = Field(default=None, pattern=r"^\$")  # a source: the value chosen at the start


class Option:
    """One row as the screen shows it (``from_records``: chosen, and the value the records hold)."""

    __slots__ = ("value", "label", "detail", "enabled", "chosen", "from_records")

    def __init__(self, value: Any, label: str, detail: str, enabled: bool, chosen: bool,
                 from_records: bool = False) -> None:
        self.value, self.label, self.detail, self.enabled, self.chosen = value, label, detail, enabled, chosen
        self.from_records = from_records


class ChooseStep(Step):
    """A list from a department, one tile per row; Next once something is chosen."""

    kind = "choose"
    Settings = ChooseSettings
    default_title = N_("Choose")

    # -- load time -------------------------------------------------------------------------------
    def check(self, ctx: DefinitionContext) -> None:
        s: ChooseSettings = self.settings
        if s.title is None:
            raise DefinitionError("title: a choose step needs a title (the review lists the pick under it)")
        op = ctx.operation(s.operation)
        if op.submission:
            raise DefinitionError(f"operation: {op.id} is a submission; a choose step lists with a query")
        inputs = ctx.contract.request_schema(op)
        properties = inputs.get("properties", {})
        for name, value in s.request.items():
            if name not in properties:
                raise DefinitionError(f"request.{name}: not an input of {op.id}; it has: {', '.join(properties) or 'none'}")
            if is_source(value):
                ctx.check_source(value[1:], f"request.{name}")
        covered = set(s.request) | ctx.form_operations.get(op.id, set())
        missing = [name for name in inputs.get("required", []) if name not in covered]
        if missing:
            raise DefinitionError(f"request: {op.id} requires {', '.join(missing)}; bind them in request")
        reply = ctx.contract.reply_schema(op).get("properties", {})
        rows = reply.get(s.items, {})
        if rows.get("type") != "array" or rows.get("items", {}).get("type") != "object":
            raise DefinitionError(f"items: {s.items!r} is not a list of objects in the reply of {op.id}; "
                                  f"it has: {', '.join(reply) or 'nothing'}")
        row = rows["items"].get("properties", {})
        for key in ("value", "enabled"):
            name = getattr(s, key)
            if name is not None and name not in row:
                raise DefinitionError(f"{key}: rows of {op.id} have no {name!r}; they have: {', '.join(row)}")
        for key in ("label", "detail"):
            self._check_row_template(ctx, getattr(s, key), key, row)
        ctx.check_texts(s.intro, "intro")
        ctx.check_texts(s.empty, "empty")
        if s.prefill is not None:
            if s.multiple:
                raise DefinitionError("prefill: starts a single choice; this step takes several")
            ctx.check_source(s.prefill[1:], "prefill")
        target = ctx.operation(s.target, "target")
        prop = ctx.contract.request_schema(target).get("properties", {}).get(s.field)
        if prop is None:
            raise DefinitionError(f"field: {s.field!r} is not in the request of {target.id}")
        if s.multiple != (prop.get("type") == "array"):
            raise DefinitionError(f"multiple: {target.id}.{s.field} is "
                                  f"{'a list' if prop.get('type') == 'array' else 'one value'}; set multiple = "
                                  f"{'true' if prop.get('type') == 'array' else 'false'}")
        if self.id in ctx.picked:
            raise DefinitionError(f"id: another choose step is already called {self.id!r}")
        ctx.form_fields[s.field] = self
        ctx.form_operations.setdefault(target.id, set()).add(s.field)
        ctx.picked[self.id] = {"multiple": s.multiple, "row": row}

    @staticmethod
    def _check_row_template(ctx: DefinitionContext, text: Texts | str | None, key: str, row: dict) -> None:
        if text is None:
            return
        texts = {"": text} if isinstance(text, str) else {f".{k}": v for k, v in text.as_dict().items()}
        for suffix, one in texts.items():
            ctx.check_template(one, key + suffix, extra_roots=frozenset({"row"}))
            for path, _ in template.placeholders(one):
                root, _, rest = path.partition(".")
                if root == "row" and rest.split(".", 1)[0] not in row:
                    raise DefinitionError(f"{key}{suffix}: rows have no {rest!r}; they have: {', '.join(row)}")

    def reads(self) -> tuple[str, ...]:
        return (SENDS.get(self.settings.operation.split(".", 1)[0], ""),) if self.settings.request else ()

    # -- run time --------------------------------------------------------------------------------
    def rows(self, engine) -> list[dict] | None:
        """The rows fetched on entering (None while they are being fetched or could not be)."""
        return engine.data.replies.get(self.id)

    def enter(self, engine) -> None:
        engine.view.search = ""
        self._fetch(engine)

    def _fetch(self, engine) -> None:
        engine.data.replies.pop(self.id, None)
        engine.view.busy = True
        # The body as every query step makes it (bindings plus the same operation's form fields); not
        # a _Request subclass, whose load check would make the list the journey's $reply.
        engine.do(Call(self.settings.operation, _Request.body(self, engine)))

    def done(self, engine, outcome: Outcome) -> None:
        engine.view.busy = False
        if not outcome.ok and outcome.fields:  # an entry of an earlier form refused (a number not on record)
            back_to_form(engine, self.index, outcome.fields)
            return
        if not outcome.ok:
            engine.notice(outcome.msgid, speak=True)
            return
        rows = [r for r in (outcome.value or {}).get(self.settings.items, []) if isinstance(r, dict)]
        engine.data.replies[self.id] = rows
        # A pick that is gone or full since (a slot taken meanwhile) is dropped, and the citizen told.
        s = self.settings
        kept = [v for v in self._chosen(engine) if any(r.get(s.value) == v and self._enabled(r) for r in rows)]
        if kept != self._chosen(engine):
            engine.notice(MSG["not_available"], speak=True)
            self._store(engine, kept, rows)
        elif not rows and s.empty is not None:
            engine.notice("")
        elif not kept and self._prefill(engine, rows) is not None:
            self._store(engine, [self._prefill(engine, rows)], rows)
        if self._from_records(engine):
            engine.notice(MSG["from_records"])

    def _prefill(self, engine, rows: list[dict]) -> Any:
        """The pickable value ``prefill`` holds (None without one, or when no such row can be chosen)."""
        s = self.settings
        value = engine.resolve(s.prefill) if s.prefill else None
        found = value is not None and any(r.get(s.value) == value and self._enabled(r) for r in rows)
        return value if found else None

    def _from_records(self, engine) -> bool:
        """True while the pick is still the one ``prefill`` made."""
        chosen = self._chosen(engine)
        return bool(chosen) and chosen[0] == self._prefill(engine, self.rows(engine) or [])

    def action(self, engine, name: str, args: dict[str, Any]) -> None:
        s = self.settings
        if name == "pick":
            rows = self.rows(engine) or []
            row = next((r for r in rows if r.get(s.value) == args["value"]), None)
            if row is None or not self._enabled(row):
                return
            chosen = self._chosen(engine)
            if s.multiple:
                chosen = [v for v in chosen if v != row[s.value]] if row[s.value] in chosen else [*chosen, row[s.value]]
            else:
                chosen = [row[s.value]]
            self._store(engine, chosen, rows)
            engine.notice(MSG["from_records"] if self._from_records(engine) else "")
        elif name == "search":
            engine.view.search = str(args["letters"]).upper()[:8]
        elif name == "retry":
            self._fetch(engine)
        elif name == "cancel":
            engine.cancel_request()
            engine.back()
        elif name == "next":
            if self.rows(engine) is None:
                return
            if self._chosen(engine):
                engine.next()
            else:
                engine.notice(MSG["pick_some" if s.multiple else "pick_one"], speak=True)

    def options(self, engine, pick: Callable[[Any], str], codes: dict, searched: bool = True) -> list[Option]:
        """The rows to show (with ``searched``, only those matching the search letters), labelled in
        the citizen's language (``pick`` chooses from a definition's texts)."""
        s, scope = self.settings, engine.scope()
        chosen = self._chosen(engine)
        recorded = self._prefill(engine, self.rows(engine) or [])
        out = []
        for row in self.rows(engine) or []:
            label = template.render(_text(s.label, pick), {**scope, "row": row}, codes)
            if searched and engine.view.search and not matches(label, engine.view.search):
                continue
            detail = template.render(_text(s.detail, pick), {**scope, "row": row}, codes) if s.detail else ""
            value = row.get(s.value)
            out.append(Option(value, label, detail, self._enabled(row), value in chosen,
                              value in chosen and value == recorded))
        return out

    def _enabled(self, row: dict) -> bool:
        return self.settings.enabled is None or bool(row.get(self.settings.enabled))

    def _chosen(self, engine) -> list:
        value = engine.data.form.get(self.settings.field)
        if value is None:
            return []
        return list(value) if self.settings.multiple else [value]

    def _store(self, engine, chosen: list, rows: list[dict]) -> None:
        s = self.settings
        picked = [r for v in chosen for r in rows if r.get(s.value) == v]
        if not chosen:
            engine.data.form.pop(s.field, None)
            engine.data.picked.pop(self.id, None)
        elif s.multiple:
            engine.data.form[s.field] = list(chosen)
            engine.data.picked[self.id] = picked
        else:
            engine.data.form[s.field] = chosen[0]
            engine.data.picked[self.id] = picked[0]


def _text(text: Texts | str, pick: Callable[[Any], str]) -> str:
    return text if isinstance(text, str) else pick(text)


@lru_cache(maxsize=4096)
def search_keys(label: str) -> tuple[str, ...]:
    """What letters typed on the search keypad may start: the initials of the label's syllables and
    words ("天河区" -> "THQ", "Tianhe District" -> "TD") and its full spelling ("TIANHEQU")."""
    from pypinyin import Style, lazy_pinyin  # imported on first search only (slow to import)

    syllables: list[str] = []
    for part in re.split(r"([\u3400-\u9fff]+)", label):
        if _HAN.match(part):
            syllables += lazy_pinyin(part, style=Style.NORMAL)
        else:
            syllables += _LATIN_WORD.findall(part)
    syllables = [s.upper() for s in syllables if s]
    return "".join(s[0] for s in syllables), "".join(syllables)


def matches(label: str, letters: str) -> bool:
    """True when ``letters`` start the label's initials or its full spelling."""
    return any(key.startswith(letters) for key in search_keys(label))
