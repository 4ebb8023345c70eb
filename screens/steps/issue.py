"""The screen of the ``issue`` step: what the department will issue, Issue, progress with Cancel,
and on a failure the reason with Try again."""
from __future__ import annotations

from kivy.properties import StringProperty

from screens.steps.base import StepScreen


class IssueScreen(StepScreen):
    """Ask the department to issue the document; the engine moves on to printing once it has."""

    intro = StringProperty("")

    def refresh(self) -> None:
        self.intro = self.pick(self.step.settings.intro)

    def clear(self) -> None:
        super().clear()
        self.intro = ""
