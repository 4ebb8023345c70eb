"""Input widgets of form fields, one per ``widget`` of a field definition. No keyboard where it
can be avoided: typing on a public screen is slow for many and not private."""
from __future__ import annotations

import datetime
from typing import Any, Callable

from kivy.factory import Factory
from kivy.metrics import dp
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout

from screens.keyboard import PinyinKeyboard, warm_up

Setter = Callable[[str, Any], None]


class FieldBox(BoxLayout):
    """A field: its label, the input, and what is wrong with it (kv: ``FieldBox`` in steps.kv)."""

    label = StringProperty("")
    error = StringProperty("")
    shown = StringProperty("")      # the value as the citizen reads it
    from_records = BooleanProperty(False)

    def __init__(self, name: str, set_value: Setter, **kwargs) -> None:
        self.name = name
        self.set_value = set_value
        super().__init__(**kwargs)

    def show(self, value: Any, bounds: tuple[Any, Any] = (None, None)) -> None:
        """Show ``value`` (the field's current value in the form)."""
        self.shown = "" if value is None else str(value)


class StepperField(FieldBox):
    """An integer with big - and + buttons, within the contract's and the definition's range."""

    def __init__(self, name: str, set_value: Setter, **kwargs) -> None:
        super().__init__(name, set_value, **kwargs)
        self._value, self._bounds = None, (None, None)
        row = BoxLayout(size_hint_y=None, height=dp(120), spacing=self.spacing)
        display = Factory.ValueLabel(text=self.shown, test_name=f"{name} value")
        self.bind(shown=lambda _w, text: setattr(display, "text", text))
        row.add_widget(_step_button("-", f"{name} minus", lambda: self._step(-1)))
        row.add_widget(display)
        row.add_widget(_step_button("+", f"{name} plus", lambda: self._step(+1)))
        self.ids.input.add_widget(row)

    def show(self, value: Any, bounds: tuple[Any, Any] = (None, None)) -> None:
        self._value, self._bounds = value, bounds
        super().show(value)

    def _step(self, delta: int) -> None:
        low, high = self._bounds
        value = (self._value if self._value is not None else (low or 0)) + delta
        if (low is None or value >= low) and (high is None or value <= high):
            self.set_value(self.name, value)


class ChoiceField(FieldBox):
    """Tiles, one per allowed value; the chosen one filled."""

    def __init__(self, name: str, set_value: Setter, options: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(name, set_value, **kwargs)
        self._options = options
        self._grid = GridLayout(cols=2, spacing=self.spacing, size_hint_y=None)
        self._grid.bind(minimum_height=self._grid.setter("height"))
        self.ids.input.add_widget(self._grid)

    def show(self, value: Any, bounds: tuple[Any, Any] = (None, None)) -> None:
        super().show(value)
        self._grid.clear_widgets()
        for code, text in self._options:
            cls = Factory.KioskButton if code == value else Factory.QuietButton
            tile = cls(text=text, test_name=f"{self.name} {code}")
            tile.bind(on_release=lambda _b, c=code: self.set_value(self.name, c))
            self._grid.add_widget(tile)


class KeypadField(FieldBox):
    """Digits on a large keypad (a phone number, a permit number). ``prefix``: letters the value
    always starts with (the ``C`` of a permit number), shown and kept, not typed."""

    KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "X", "0", "⌫")

    def __init__(self, name: str, set_value: Setter, prefix: str = "", **kwargs) -> None:
        super().__init__(name, set_value, **kwargs)
        self._text = ""
        self.prefix = prefix
        display = Factory.ValueLabel(text="", test_name=f"{name} value")
        self.ids.input.add_widget(display)
        self.bind(shown=lambda _w, text: setattr(display, "text", text or prefix))
        display.text = prefix
        pad = GridLayout(cols=3, spacing=self.spacing, size_hint_y=None)
        pad.bind(minimum_height=pad.setter("height"))
        for key in self.KEYS:
            shown = "←" if key == "⌫" else key  # the kiosk's font has no ⌫ (it showed as a box)
            pad.add_widget(_step_button(shown, f"{name} key {key}", lambda k=key: self._press(k)))
        self.ids.input.add_widget(pad)

    def show(self, value: Any, bounds: tuple[Any, Any] = (None, None)) -> None:
        text = "" if value is None else str(value)
        self._text = text[len(self.prefix):] if text.startswith(self.prefix) else text
        super().show(value)

    def _press(self, key: str) -> None:
        text = self._text[:-1] if key == "⌫" else (self._text + key)[:32]
        self.set_value(self.name, self.prefix + text if text else "")


class DateField(FieldBox):
    """A date moved by days and months (no calendar to read, no keyboard)."""

    def __init__(self, name: str, set_value: Setter, **kwargs) -> None:
        super().__init__(name, set_value, **kwargs)
        display = Factory.ValueLabel(text="", test_name=f"{name} value")
        self.ids.input.add_widget(display)
        self.bind(shown=lambda _w, text: setattr(display, "text", text))
        row = BoxLayout(size_hint_y=None, height=dp(112), spacing=self.spacing)
        for label, days, months in (("-30", 0, -1), ("-1", -1, 0), ("+1", 1, 0), ("+30", 0, 1)):
            row.add_widget(_step_button(label, f"{name} {label}", lambda d=days, m=months: self._move(d, m)))
        self.ids.input.add_widget(row)
        self._value = ""

    def show(self, value: Any, bounds: tuple[Any, Any] = (None, None)) -> None:
        self._value = value or ""
        super().show(value)

    def _move(self, days: int, months: int) -> None:
        try:
            day = datetime.date.fromisoformat(self._value)
        except ValueError:
            day = datetime.date.today()
        if months:
            month = day.month - 1 + months
            year, month = day.year + month // 12, month % 12 + 1
            day = day.replace(year=year, month=month, day=min(day.day, 28))
        self.set_value(self.name, (day + datetime.timedelta(days=days)).isoformat())


class TextField(FieldBox):
    """Free text, only where nothing else can do (a name of a business, an employer). Touching it
    opens the on-screen keyboard (pinyin, capitals, digits): the kiosk has no other."""

    def __init__(self, name: str, set_value: Setter, **kwargs) -> None:
        super().__init__(name, set_value, **kwargs)
        self._input = Factory.TextBox(test_name=f"{name} input")
        self._input.bind(text=lambda _w, text: self.set_value(self.name, text) if text != self.shown else None)
        self._input.bind(on_release=lambda *_: self._open_keyboard())
        self.ids.input.add_widget(self._input)
        self.keyboard: PinyinKeyboard | None = None
        warm_up()  # a form with a text field: the dictionary loads while the citizen reads it

    def _open_keyboard(self) -> None:
        if self.keyboard is None:
            self.keyboard = PinyinKeyboard(self.label, self.shown, self._typed)
            self.keyboard.bind(on_dismiss=self._closed)
            self.keyboard.open(animation=False)

    def _typed(self, text: str) -> None:
        self._input.text = text

    def _closed(self, *_args) -> None:
        self.keyboard = None

    def close_keyboard(self) -> None:
        """Close the keyboard (the session ended, the page changed)."""
        if self.keyboard is not None:
            self.keyboard.dismiss(animation=False)

    def show(self, value: Any, bounds: tuple[Any, Any] = (None, None)) -> None:
        super().show(value)
        if self._input.text != self.shown:
            self._input.text = self.shown


WIDGETS = {"stepper": StepperField, "choice": ChoiceField, "keypad": KeypadField, "date": DateField,
           "text": TextField}


def _step_button(text: str, test_name: str, on_release: Callable[[], None]):
    widget = Factory.QuietButton(text=text, test_name=test_name, font_size="40sp")
    widget.bind(on_release=lambda *_: on_release())
    return widget
