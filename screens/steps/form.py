"""The form and review screens: input fields built from the step's field definitions."""
from __future__ import annotations

from typing import Any

from kivy.metrics import dp
from kivy.properties import StringProperty

from kiosk.journeys.document import resolved_codes
from kiosk.texts import Texts
from screens.steps.base import StepScreen, button
from screens.steps.fields import WIDGETS, FieldBox, TextField
from screens.steps.signature import SignatureView


class FormScreen(StepScreen):
    """One page of fields; Next checks them against the contract (the engine does)."""

    intro = StringProperty("")

    def __init__(self, translator, **kwargs) -> None:
        super().__init__(translator, **kwargs)
        self._built_for = None
        self._fields: dict[str, FieldBox] = {}

    def refresh(self) -> None:
        step, _ = self.step, self.translator.gettext
        if self._built_for is not step:
            self._build(step)
        self.intro = self.pick(step.settings.intro)
        form, errors = self.engine.data.form, self.engine.view.errors
        for spec in step.settings.fields:
            box = self._fields[spec.name]
            box.label = self.pick(spec.label)
            bounds = step.bounds(self.engine, spec) if spec.widget == "stepper" else (None, None)
            box.show(form.get(spec.name), bounds)
            msgid, args = errors.get(spec.name, ("", {}))
            if "other" in args:
                args = {"other": self.pick(step.field(args["other"]).label)}
            if "explain" in args:  # the definition says the rule in its own words
                box.error = self.pick(spec.explain[args["explain"]])
            else:  # a message id of the kiosk, or the definition's own explanation (three languages)
                box.error = self.pick(msgid) if isinstance(msgid, Texts) else _(msgid).format(**args) if msgid else ""
            box.from_records = _from_records(self.engine, spec, form.get(spec.name))

    def _build(self, step) -> None:
        box = self.ids.fields
        box.clear_widgets()
        self._fields = {}
        for spec in step.settings.fields:
            kwargs: dict[str, Any] = {}
            if spec.widget == "choice":
                kwargs["options"] = [(code, self.pick(label)) for code, label in spec.options.items()]
            elif spec.widget == "keypad" and spec.prefix:
                kwargs["prefix"] = spec.prefix
            field = WIDGETS[spec.widget](spec.name, self._set, **kwargs)
            self._fields[spec.name] = field
            box.add_widget(field)
        self._built_for = step

    def _set(self, name: str, value: Any) -> None:
        self.act("set", name=name, value=value)

    def on_leave(self, *_args) -> None:
        self._close_keyboards()  # the card was lifted or time ran out while the citizen typed

    def _close_keyboards(self) -> None:
        for field in self._fields.values():
            if isinstance(field, TextField):
                field.close_keyboard()

    def clear(self) -> None:
        super().clear()
        self._close_keyboards()
        self.ids.fields.clear_widgets()
        self._fields, self._built_for, self.intro = {}, None, ""


def _from_records(engine, spec, value) -> bool:
    """True while a field still holds the value prefilled from the citizen's records."""
    default = spec.default
    return isinstance(default, str) and default.startswith("$records.") and value not in (None, "") \
        and value == engine.resolve(default)


class ReviewScreen(StepScreen):
    """Everything entered, read-only, each with Change; Confirm goes on."""

    def refresh(self) -> None:
        box, _ = self.ids.entries, self.translator.gettext
        box.clear_widgets()
        from kivy.factory import Factory

        for drawing in self.step.drawings(self.engine, self.pick):  # what was signed, signatures first: in view
            box.add_widget(Factory.ReviewSignature(text=drawing.caption))
            box.add_widget(SignatureView(drawing, size_hint_y=None, height=dp(180)))
        codes = resolved_codes(self.engine.plan.codes, self.translator.pick)
        for entry in self.step.entries(self.engine, self.pick, codes):
            row = Factory.ReviewRow()  # a kv dynamic class: its properties exist only once built
            row.label, row.value = entry.label, entry.shown
            if entry.step is not None:  # who the parties are is not changed here
                row.add_widget(button(_("Change"), f"change {entry.name}",
                                      lambda i=entry.step: self.act("change", step=i)))
            box.add_widget(row)

    def clear(self) -> None:
        super().clear()
        self.ids.entries.clear_widgets()
