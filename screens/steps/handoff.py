"""The phone hand-off screen: the QR code, what to do on the phone, and a countdown to the
hand-off's end; Try again after a refusal or when the time ran out. The countdown is redrawn on
Kivy's clock; the waiting itself (the status requests) is the step's, through effects."""
from __future__ import annotations

from kivy.clock import Clock
from kivy.properties import StringProperty

from common.i18n import N_
from screens.steps.base import StepScreen

TIME_LEFT = N_("Time left: {minutes}:{seconds}")


class HandoffScreen(StepScreen):
    """Shows the hand-off of the current ``handoff`` step (its state is ``engine.data.handoff``)."""

    instructions = StringProperty("")
    qr = StringProperty("")       # the QR code's content, only while the hand-off can be used
    state = StringProperty("")    # starting, waiting, confirmed, refused, expired, failed
    time_left = StringProperty("")

    def __init__(self, translator, **kwargs) -> None:
        super().__init__(translator, **kwargs)
        self._ticker = None

    def refresh(self) -> None:
        lines = self.pick(self.step.settings.instructions).splitlines()
        self.instructions = "\n".join(f"{n}. {line}" for n, line in enumerate(filter(None, lines), 1))
        handoff = self.engine.data.handoff
        self.state = handoff.state if handoff is not None else ""
        self.qr = handoff.values.get("qr_content", "") if self.state == "waiting" else ""
        self._tick()

    def on_enter(self, *_args) -> None:
        self._ticker = Clock.schedule_interval(lambda _dt: self._tick(), 0.5)

    def on_leave(self, *_args) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None

    def _tick(self) -> None:
        handoff = self.engine.data.handoff if self.engine is not None else None
        if handoff is None or handoff.state != "waiting" or handoff.deadline is None:
            self.time_left = ""
            return
        left = max(0, int((handoff.deadline - self.engine.now()).total_seconds()))
        self.time_left = self.translator.gettext(TIME_LEFT).format(minutes=left // 60, seconds=f"{left % 60:02d}")

    def clear(self) -> None:
        super().clear()
        self.instructions = self.qr = self.state = self.time_left = ""
