"""The base of every step kind: settings, load-time checks, and the hooks the engine calls."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from kiosk.texts import Texts

if TYPE_CHECKING:
    from kiosk.journeys.definition import Condition, DefinitionContext
    from kiosk.journeys.effects import Outcome
    from kiosk.journeys.engine import JourneyEngine


class Spec(BaseModel):
    """A strict part of a step's settings (unknown keys refused, "5" is not 5)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class StepSettings(Spec):
    """Settings shared by every kind; a kind's own settings subclass this (unknown keys refused)."""

    title: Texts | None = None  # the step's name in the progress line (default: the kind's own)


class Step:
    """One step of a journey. Plain Python: it reads and changes the engine's state and emits
    effects through the engine; it never does I/O or touches Kivy.

    Class attributes:
        kind: the name used in definitions and the name of its screen.
        Settings: the pydantic model of its settings.
        default_title: message id of its name in the progress line.
        interactive: the citizen acts on it (Back lands on it); non-interactive steps (a lookup,
            a submission) pass by themselves.
        identifies: it is part of identifying the citizen (card, face): lifting the card there
            returns to the card step.
    """

    kind: ClassVar[str] = ""
    Settings: ClassVar[type[StepSettings]] = StepSettings
    default_title: ClassVar[str] = ""
    interactive: ClassVar[bool] = True
    identifies: ClassVar[bool] = False

    def __init__(self, index: int, step_id: str, settings: StepSettings, when: "Condition | None") -> None:
        self.index = index
        self.id = step_id
        self.settings = settings
        self.when = when

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.id!r})"

    # -- load time -------------------------------------------------------------------------------
    def check(self, ctx: "DefinitionContext") -> None:
        """Raise ``DefinitionError`` for anything wrong with this step in its journey."""

    def reads(self) -> tuple[str, ...]:
        """Message ids of what this step reads or sends, for the consent notice."""
        return ()

    # -- run time --------------------------------------------------------------------------------
    def passes(self, engine: "JourneyEngine") -> bool:
        """True when the step is already done and would pass at once (Back skips it)."""
        return False

    def enter(self, engine: "JourneyEngine") -> None:
        """The step became current (also after Back)."""

    def leave(self, engine: "JourneyEngine") -> None:
        """The step stops being current (next, back, home, session end)."""

    def action(self, engine: "JourneyEngine", name: str, args: dict[str, Any]) -> None:
        """A screen reports a touch. The default knows ``next``."""
        if name == "next":
            engine.next()

    def done(self, engine: "JourneyEngine", outcome: "Outcome") -> None:
        """The result of an effect this step started (only the current request's)."""
