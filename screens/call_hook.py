"""Wires the video consultation into the shell: the help button's entry, the camera hand-over to
and from the face check, the agent's view of where the citizen is, and the end of a session.

Kept out of ``screens/app.py`` so the App only gains a few lines: ``KioskApp.start_call`` (what the
help button calls), one line in ``build`` and one in ``_forget_citizen``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from kiosk.session import Step
from screens.call import CallOverlay

if TYPE_CHECKING:
    from screens.app import KioskApp


class CallFeature:
    """The call overlay and client of one shell (built in ``KioskApp.build``)."""

    def __init__(self, app: "KioskApp") -> None:
        self.app = app
        ctx, line = app.context, app.runtime.call
        self.line = line
        self.client = line.client(app.runtime.camera, lambda event: app.bridge.call(self.overlay.on_call_event, event))
        self.overlay = CallOverlay(ctx.translator, line.hours, line.phone, self.client,
                                   guide_text=self._guide_text, form_snapshot=self._form_snapshot,
                                   keep_session=ctx.session.touch, call_context=self._call_context,
                                   closed=self._closed)
        ctx.session.on_step(self._step_changed)
        app.journey.on_change(lambda: self._step_changed(None))  # steps inside a journey

    def start(self) -> None:
        """Offer a call over the current screen (consent, or the agents' hours when they are away)."""
        if not self.line.enabled or self.app.context.session.step in (Step.ATTRACT, Step.UNAVAILABLE):
            return
        self.app.face_check.suspend()  # the camera goes to the call; the check restarts afterwards
        self.overlay.offer()

    def session_ended(self) -> None:
        """The session is over (idle countdown, finish): hang up and close at once."""
        if self.client.active:
            self.client.hang_up()
        if self.overlay.parent is not None:
            self.overlay.close()

    def _closed(self) -> None:
        self.app.face_check.resume()

    def _step_changed(self, _step: Step | None) -> None:
        if self.client.active:
            context, _services = self._call_context()
            self.client.update_context(context["service"], context["step"])

    def _call_context(self) -> tuple[dict, list[dict]]:
        """Names only, in the hall's language (Simplified Chinese) for the agent."""
        ctx = self.app.context
        service_id = ctx.session.data.service_id
        service = ctx.service(service_id).name.zh_CN if service_id else ""
        return ({"service": service, "step": self.app.current_step},
                [{"id": s.id, "name": s.name.zh_CN} for s in ctx.catalog])

    def _guide_text(self, service_id: str) -> str:
        ctx = self.app.context
        service = next((s for s in ctx.catalog if s.id == service_id), None)
        if service is None:
            return ""
        pick = ctx.translator.pick
        return f"{pick(service.name.as_dict())}\n{pick(service.guide.steps.as_dict())}"

    def _form_snapshot(self) -> dict:
        form = self.app.context.session.data.form
        return {str(k): str(v) for k, v in form.items()} if isinstance(form, dict) else {}
