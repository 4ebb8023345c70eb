"""The video consultation over any screen: consent, queue, the call itself, and how it ended.

A full-screen overlay (like the idle countdown) so the citizen comes back to the very step they
left. It only draws and reports touches: the call runs in its own process (``kiosk.call.client``),
whose events reach :meth:`CallOverlay.on_call_event` on the UI thread through the shell's bridge.
"""
from __future__ import annotations

import time
from typing import Callable

from kivy.clock import Clock
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.modalview import ModalView

from common.i18n import N_, Translator
from kiosk.call.client import CallClient
from kiosk.call.events import AGENT_HUNG_UP, AGENT_LEFT, HUNG_UP, NETWORK, OUTSIDE_HOURS, UNAVAILABLE, CallEvent
from kiosk.call.hours import AgentHours
from screens.face_preview import FacePreview

VIDEO_TICK_S = 1 / 20  # the agent's picture on screen; the call sends and decodes at its own pace
SPEECH_KEEPS_SESSION_S = 10.0  # the citizen talking to the agent counts as being here
ENDED_MESSAGES = {
    HUNG_UP: N_("The call has ended."),
    AGENT_HUNG_UP: N_("The agent has ended the call."),
    AGENT_LEFT: N_("The agent's connection was lost. Please try again."),
    NETWORK: N_("The connection was lost. Please try again, or call {phone}."),
    UNAVAILABLE: N_("The agents cannot be reached right now. Please call {phone}."),
    OUTSIDE_HOURS: N_("Agents are not available now. Please call {phone}."),
}
CLOSE_AFTER_S = 6.0  # the "call ended" message goes away by itself


class CallOverlay(ModalView):
    """Consent, queue, call and end states of one video call (``state`` drives the kv).

    Args:
        translator: the current language.
        hours, phone: ``[call]`` agents' hours and the hotline, for the outside-hours message.
        client: the call client (one per kiosk).
        guide_text: ``guide_text(service_id)``, the translated guide of a service the agent pushed.
        form_snapshot: what the citizen has entered, as labels to values ({} when nothing).
        keep_session: called while the citizen talks or the agent sends something (the session's touch).
        call_context: ``({service, step} names, [{id, name}] guides)`` for the agent, when calling.
        closed: called after the overlay is dismissed (the shell resumes what the call paused).
    """

    state = StringProperty("consent")  # consent | closed | connecting | queued | talking | ended
    message = StringProperty("")
    agent_text = StringProperty("")
    duration = StringProperty("00:00")
    can_share = BooleanProperty(False)
    camera_ok = BooleanProperty(True)
    position = NumericProperty(0)

    def __init__(self, translator: Translator, hours: AgentHours, phone: str, client: CallClient,
                 guide_text: Callable[[str], str], form_snapshot: Callable[[], dict],
                 keep_session: Callable[[], None], call_context: Callable[[], tuple[dict, list[dict]]],
                 closed: Callable[[], None], **kwargs) -> None:
        self.tr, self.hours, self.phone, self.client = translator, hours, phone, client
        self.guide_text, self.form_snapshot = guide_text, form_snapshot
        self.keep_session, self.call_context, self.closed = keep_session, call_context, closed
        self._video_event = self._close_event = None
        self._last_frame = 0
        super().__init__(**kwargs)
        self.agent_video = FacePreview(mirror=False, guide_color=(0, 0, 0, 0), test_name="agent video")
        self.own_video = FacePreview(guide_color=(0, 0, 0, 0), test_name="own video")
        self.ids.agent_box.add_widget(self.agent_video)
        self.ids.own_box.add_widget(self.own_video)
        translator.on_change(lambda _lang: self._refresh_message())
        self._message_id, self._message_args = "", {}

    # -- the citizen's touches -----------------------------------------------------------------
    def offer(self) -> None:
        """The help button's "talk to a service agent": consent, or when agents are away, the hours."""
        if self.client.active:
            return  # a call is on: the overlay is already there
        self._cancel_close()
        self.agent_text = ""
        if self.hours.is_open():
            self.state = "consent"
            self._say("")
        else:
            self.state = "closed"
            self._say(N_("Agents are available {weekday} on weekdays and {weekend} at weekends. "
                         "Outside these hours please call {phone}."),
                      weekday=self.hours.weekday or "—", weekend=self.hours.weekend or "—", phone=self.phone)
        if self.parent is None:
            self.open(animation=False)

    def agree(self) -> None:
        """The citizen agreed to be seen and heard: place the call."""
        if self.client.active:
            return
        self.state = "connecting"
        self._say(N_("Connecting you to a service agent…"))
        self.client.start(*self.call_context())

    def hang_up(self) -> None:
        """The red button, "leave the queue", or the session ending."""
        if self.client.active:
            self.client.hang_up()
        else:
            self.close()

    def share_form(self) -> None:
        """ "Show the agent my form": this one snapshot, now, and nothing else."""
        snapshot = self.form_snapshot()
        if snapshot:
            self.client.share_form(snapshot)
            self._say(N_("The agent can now see your form."))

    def close(self) -> None:
        self._cancel_close()
        self._stop_video()
        if self.parent is not None:
            self.dismiss(animation=False)
        self.state = "consent"
        self.closed()

    # -- the call's events (on the UI thread) -----------------------------------------------------
    def on_call_event(self, event: CallEvent) -> None:
        if event.kind == "queued":
            self.state, self.position = "queued", event.position
            self._say(N_("You are number {position} in the queue. Expected wait: about {minutes} min."),
                      position=event.position, minutes=max(1, round(event.wait_s / 60)))
        elif event.kind == "accepted":
            self._say(N_("An agent is taking your call…"))
        elif event.kind == "connected":
            self.state = "talking"
            self.can_share = bool(self.form_snapshot())
            self._say("")
            self._last_frame = 0
            self._video_event = Clock.schedule_interval(self._tick, VIDEO_TICK_S)
        elif event.kind in ("guide", "text"):
            self.agent_text = self.guide_text(event.service_id) if event.kind == "guide" else event.text
            self.keep_session()
        elif event.kind == "camera":
            self.camera_ok = event.camera_ok
            self._say("" if event.camera_ok else N_("The agent cannot see you at the moment; you can keep talking."))
        elif event.kind == "ended":
            self._stop_video()
            self.state = "ended"
            self._say(ENDED_MESSAGES.get(event.reason, ENDED_MESSAGES[NETWORK]), phone=self.phone)
            if self.parent is not None:
                self._close_event = Clock.schedule_once(lambda _dt: self.close(), CLOSE_AFTER_S)

    def _tick(self, _dt: float) -> None:
        latest = self.client.remote_video.latest()
        if latest is not None and latest[0] != self._last_frame:
            self._last_frame = latest[0]
            self.agent_video.update(latest[1])
        own = self.client.camera.latest()
        if own is not None:
            self.own_video.update(own[1])
        if self.client.started_at is not None:
            seconds = int(time.monotonic() - self.client.started_at)
            self.duration = f"{seconds // 60:02d}:{seconds % 60:02d}"
        if time.monotonic() - self.client.last_speech < SPEECH_KEEPS_SESSION_S:
            self.keep_session()

    # -- helpers ----------------------------------------------------------------------------------
    def _say(self, msgid: str, **args) -> None:
        self._message_id, self._message_args = msgid, args
        self._refresh_message()

    def _refresh_message(self) -> None:
        self.message = self.tr.gettext(self._message_id).format(**self._message_args) if self._message_id else ""

    def _stop_video(self) -> None:
        if self._video_event is not None:
            self._video_event.cancel()
            self._video_event = None
        self.agent_video.clear()  # neither the agent's nor the citizen's picture stays on screen
        self.own_video.clear()
        self.duration = "00:00"
        self.camera_ok = True

    def _cancel_close(self) -> None:
        if self._close_event is not None:
            self._close_event.cancel()
            self._close_event = None
