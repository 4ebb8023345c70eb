"""好差评: five levels, nothing pre-selected; the two negative ones ask for a reason."""
from __future__ import annotations

from kivy.factory import Factory
from kivy.properties import BooleanProperty, StringProperty

from kiosk.journeys import rating
from screens.steps.base import StepScreen


class RateScreen(StepScreen):
    """The citizen's rating of the service just done."""

    level = StringProperty("")
    reason = StringProperty("")
    needs_reason = BooleanProperty(False)

    def on_pre_enter(self, *args) -> None:
        self.level = self.reason = ""  # nothing pre-selected, ever
        super().on_pre_enter(*args)

    def refresh(self) -> None:
        self.can_go_back = False
        self.needs_reason = self.level in rating.NEGATIVE
        self._fill(self.ids.levels, rating.LEVELS, self.level, "level", self._choose_level)
        self._fill(self.ids.reasons, rating.REASONS, self.reason, "reason", self._choose_reason)

    def _fill(self, box, options, chosen, prefix, on_choose) -> None:
        box.clear_widgets()
        for key, msgid in options:
            cls = Factory.KioskButton if key == chosen else Factory.QuietButton
            button = cls(text=self.translator.gettext(msgid), test_name=f"{prefix} {key}")
            button.bind(on_release=lambda _b, k=key: on_choose(k))
            box.add_widget(button)

    def _choose_level(self, level: str) -> None:
        self.level, self.reason = level, ""
        self.act("choose", level=level)

    def _choose_reason(self, reason: str) -> None:
        self.reason = reason
        self.refresh()

    def send(self, skip: bool = False) -> None:
        self.act("send", level=None if skip else self.level, reason=None if skip else (self.reason or None))
