"""The face step: live preview with the challenge prompt, driven by the face worker's results.

:class:`FaceCheck` runs one check on the UI thread's clock: each tick it hands the newest camera
frame to the preview and to the worker process (never waiting for either), and turns the worker's
results into prompts on screen and, at the end, one decision for the journey. The face work
itself happens in the worker process, so the UI keeps drawing smoothly.
"""
from __future__ import annotations

import logging
import threading
from typing import Any, Callable

from kivy.clock import Clock
from kivy.properties import NumericProperty, StringProperty

from common.device_status import DeviceState
from drivers.camera.source import CameraBusy
from drivers.face.messages import ChallengeStep, Decision, Hint, WorkerError
from drivers.face.texts import HINTS, LOOK_BACK, PROMPTS, RETRY
from common.i18n import Translator
from screens.face_preview import FacePreview
from screens.steps.base import StepScreen

log = logging.getLogger(__name__)
CAMERA_OWNER = "face_check"  # the camera is shared with the video call (drivers.camera.source)
CAMERA_OUT = (DeviceState.NO_DEVICE, DeviceState.OFFLINE, DeviceState.HARDWARE_ERROR)


class FaceScreen(StepScreen):
    """Shows the preview, the current action to perform, what to fix (``hint``) and how far the check is.

    ``check_progress`` (0-1) moves on as the worker finds the face and sees each action; it starts over
    with a new attempt.
    """

    prompt = StringProperty("")
    hint = StringProperty("")
    check_progress = NumericProperty(0.0)

    def __init__(self, translator: Translator, **kwargs) -> None:
        super().__init__(translator, **kwargs)
        self.preview = FacePreview()
        self.ids.preview_box.add_widget(self.preview)

    def clear(self) -> None:
        super().clear()
        self.prompt = self.hint = ""
        self.check_progress = 0.0
        self.preview.clear()


class FaceCheck:
    """One face check at a time, between the camera, the worker and the face screen.

    Args:
        verifier: the running ``FaceVerifier``.
        camera: the ``FrameSource``; started for a check and stopped after it (a camera capturing
            all night costs CPU for nothing). In demo mode its ``source`` obeys the challenge.
        screen: the :class:`FaceScreen`.
        translator: the current language.
        decide: ``decide(token, decision, attempts_left)``, the journey's ``face_decided``.
        voice: speaks each challenge as it is asked (``kiosk.voice.Voice``); none: silent.
    """

    def __init__(self, verifier: Any, camera: Any, screen: FaceScreen, translator: Translator,
                 decide: Callable[[int, str, int], None], voice: Any = None) -> None:
        self.verifier, self.camera, self.screen = verifier, camera, screen
        self.translator = translator
        self.decide = decide
        self.voice = voice if voice is not None else _Silent()
        self._token: int | None = None
        self._event = None
        self._last_frame = 0
        self._prompt_id = ""
        self._hint_id = ""
        self._suspended: tuple[int, Any] | None = None
        self._photo: Any = None

    @property
    def running(self) -> bool:
        return self._token is not None

    def begin(self, token: int, card_photo_rgb: Any) -> None:
        """Start checking the live face against ``card_photo_rgb`` (an RGB numpy array)."""
        self.cancel()
        self._suspended = None
        try:
            self.camera.acquire(CAMERA_OWNER, timeout=1.0)  # a release may be finishing
        except CameraBusy:  # a video call holds it: fail safe, the journey offers its other ways
            log.warning("face check not started: the camera is in use")
            self.decide(token, "error", 0)
            return
        self._token = token
        self._last_frame = 0
        self._show("", "")
        self.screen.check_progress = 0.0
        self.verifier.begin(card_photo_rgb)
        # No faster than the camera delivers: a tick without a new frame would only poll.
        self._event = Clock.schedule_interval(self._tick, 1 / getattr(self.camera, "fps", 30))
        self._photo = card_photo_rgb

    def suspend(self) -> None:
        """Stop a running check and free the camera (a video call needs it); :meth:`resume` restarts it."""
        if self._token is not None:
            suspended = (self._token, self._photo)
            self.cancel()
            self._suspended = suspended

    def resume(self) -> None:
        """Restart the check :meth:`suspend` stopped, from its first action (nothing if none or cancelled since)."""
        if self._suspended is not None:
            token, photo = self._suspended
            self.begin(token, photo)

    def cancel(self) -> None:
        """Stop the current check (session end, card lifted); drop every frame and the result."""
        if self._event is not None:
            self._event.cancel()
            self._event = None
        self._suspended = None
        if self._token is not None:
            self._token = self._photo = None
            self.verifier.cancel()
            self._perform(None)
            self.screen.preview.clear()
            # Releasing joins the capture thread: do it off the UI thread.
            threading.Thread(target=self.camera.release, args=(CAMERA_OWNER,), name="camera-stop", daemon=True).start()

    def refresh_language(self) -> None:
        """Re-translate the prompt and hint after a language switch."""
        self._show(self._prompt_id, self._hint_id)

    def _show(self, prompt_id: str, hint_id: str) -> None:
        self._prompt_id, self._hint_id = prompt_id, hint_id
        gettext = self.translator.gettext
        self.screen.prompt = gettext(prompt_id) if prompt_id else ""
        self.screen.hint = gettext(hint_id) if hint_id else ""
        self.screen.preview.prompt = ""  # the screen shows the prompt in its own, larger label

    def _perform(self, action: str | None) -> None:
        # Demo mode: the simulated citizen does what is asked (a real camera has no such method).
        perform = getattr(getattr(self.camera, "source", None), "perform", None)
        if perform is not None:
            perform(action)

    def _tick(self, _dt: float) -> None:
        status = self.camera.status
        if status.state in CAMERA_OUT and self._token is not None:
            # A camera that reports itself gone (unplugged, failed) sends no more frames: the citizen
            # would look at a still preview through every attempt's timeout. The counter route now.
            log.warning("face check stopped: the camera is %s (%s)", status.state.value, status.reason)
            token = self._token
            self.cancel()
            self.decide(token, "camera_out", 0)
            return
        latest = self.camera.latest_stamped()
        if latest is not None and latest[0] != self._last_frame:  # only new frames are drawn and sent
            self._last_frame = latest[0]
            self.screen.preview.update(latest[1])
            self.verifier.submit(*latest)
        for result in self.verifier.poll():
            self._handle(result)

    def _handle(self, result: Any) -> None:
        token = self._token
        if token is None:
            return
        if isinstance(result, Hint):
            self._show(self._prompt_id, HINTS.get(result.word, ""))
        elif isinstance(result, ChallengeStep):
            # Face found (first prompt), then each action seen; the last share is the decision.
            self.screen.check_progress = (result.index + 1 + result.done) / (result.total + 2)
            if not result.done:
                self._perform(result.action)
                self._show(PROMPTS[result.action], "")
                self.voice.say_challenge(result.action)
            elif result.index == result.total - 1:
                self._perform(None)
                self._show(LOOK_BACK, "")
                self.voice.say(LOOK_BACK)
        elif isinstance(result, Decision):
            if result.decision == "retry":
                self._perform(None)
                self.screen.check_progress = 0.0
                self._show(RETRY, "")
                self.decide(token, "retry", result.attempts_left)
            else:
                self.screen.check_progress = 1.0
                self.cancel()
                self.decide(token, result.decision, 0)
        elif isinstance(result, WorkerError):
            log.error("face worker reported %s", result.kind)
            self.cancel()
            self.decide(token, "error", 0)


class _Silent:
    """No voice (a face check without one, e.g. in a technician's camera test)."""

    def say(self, msgid: str, **args) -> None:
        """Say nothing."""

    def say_challenge(self, action: str) -> None:
        """Say nothing."""
