"""The choose screen: one tile per row of the department's list (the chosen ones filled, the
ones that cannot be chosen greyed), a letter keypad to narrow a long list, and Next."""
from __future__ import annotations

from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.gridlayout import GridLayout

from common.i18n import N_
from kiosk.journeys.document import resolved_codes
from screens.steps.base import StepScreen, button

FROM_RECORDS = N_("From your records")
LETTERS = "ABCDEFGHJKLMNOPQRSTWXYZ"  # no I, U, V: no pinyin syllable starts with them


class ChooseScreen(StepScreen):
    """A list from the department; the letters keypad shows only when the step searches."""

    intro = StringProperty("")
    empty = StringProperty("")
    searching = BooleanProperty(False)
    letters = StringProperty("")
    failed = BooleanProperty(False)

    def __init__(self, translator, **kwargs) -> None:
        super().__init__(translator, **kwargs)
        self._keypad_built = False

    def refresh(self) -> None:
        step, engine = self.step, self.engine
        s = step.settings
        self.intro = self.pick(s.intro)
        self.searching = s.search
        self.letters = engine.view.search
        if s.search and not self._keypad_built:
            self._build_keypad()
        rows = step.rows(engine)
        self.failed = rows is None and not engine.view.busy
        options = step.options(engine, self.pick, resolved_codes(engine.plan.codes, self.translator.pick))
        self.empty = self.pick(s.empty) if rows == [] else ""
        grid = self.ids.options
        grid.clear_widgets()
        # The pick the records made heads the list, in view however long the list is (scrolling to
        # it would depend on the list having been laid out first).
        options.sort(key=lambda option: not option.from_records)
        if options and options[0].from_records:
            grid.parent.scroll_y = 1
        for option in options:
            lines = [option.label, option.detail, self.translator.gettext(FROM_RECORDS) if option.from_records else ""]
            text = "\n".join(line for line in lines if line)
            grid.add_widget(button(text, f"option {option.value}", lambda v=option.value: self.act("pick", value=v),
                                   primary=option.chosen, disabled=not option.enabled))

    def _build_keypad(self) -> None:
        pad: GridLayout = self.ids.keypad
        for letter in LETTERS:
            pad.add_widget(button(letter, f"letter {letter}", lambda k=letter: self._type(k)))
        pad.add_widget(button("←", "letter back", lambda: self._type("")))  # the kiosk font has no ⌫
        self._keypad_built = True

    def _type(self, letter: str) -> None:
        self.act("search", letters=self.letters + letter if letter else self.letters[:-1])

    def clear(self) -> None:
        super().clear()
        self.ids.options.clear_widgets()
        self.intro = self.empty = self.letters = ""
        self.failed = False
