"""The journey's own input: for tax records, the range of years."""
from __future__ import annotations

from kivy.properties import NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from screens.journey_base import JourneyScreen


class YearStepper(BoxLayout):
    """A year with big - and + buttons (no keyboard: typing on a public screen is slow for many)."""

    label = StringProperty("")
    value = NumericProperty(0)
    __events__ = ("on_minus", "on_plus")

    def on_minus(self) -> None:
        """Dispatched when - is touched."""

    def on_plus(self) -> None:
        """Dispatched when + is touched."""


class FormScreen(JourneyScreen):
    """Choose the first and last year; the default is last year to this year."""

    year_from = NumericProperty(0)
    year_to = NumericProperty(0)
    year_min = NumericProperty(0)
    year_max = NumericProperty(0)

    def refresh(self) -> None:
        low, high = self.journey.year_range
        if (self.year_min, self.year_max) != (low, high) or not self.year_from:
            self.year_min, self.year_max = low, high
            self.year_from, self.year_to = max(low, high - 1), high
