"""Steps that establish who the citizen is: consent, the ID card, the face check."""
from __future__ import annotations

from typing import Any

from common.i18n import N_
from kiosk.journeys.effects import CancelFace, StartFace
from kiosk.journeys.steps.base import Step, StepSettings
from kiosk.texts import Texts

MSG = {
    "consent": N_("Please read how your information is used, then choose Agree or Cancel."),
    "place_card": N_("Please place your ID card on the reader."),
    "card_unreadable": N_("The card could not be read. Please lift it and place it flat on the reader again."),
    "no_photo": N_("This terminal cannot check your face against this card. Please take a queue ticket for the counter."),
    "look_at_camera": N_("Please look at the camera and follow the instructions."),
    "face_retry": N_("We could not confirm it is you. Please try again: {attempts} attempts left."),
    "face_failed": N_("We could not confirm it is you. A member of staff at the counter can help you."),
}
READS_CARD = N_("Read your ID card: name, ID number and the card photo.")
READS_FACE = N_("Take pictures of your face with the camera and compare them with the card photo, here on this "
                "terminal. It also checks that a real person is present (you will be asked to blink or turn your head).")


class ConsentSettings(StepSettings):
    purpose: Texts  # why the service needs to know who the citizen is, in one sentence


class ConsentStep(Step):
    """What is read and why (listed from the steps present), agree or cancel (cancel reads nothing)."""

    kind = "consent"
    Settings = ConsentSettings
    default_title = N_("Your consent")

    def enter(self, engine) -> None:
        engine.notice(MSG["consent"], speak=True)

    def action(self, engine, name: str, args: dict[str, Any]) -> None:
        if name == "agree":
            engine.next()
        elif name == "cancel":
            engine.home()


class CardStep(Step):
    """Place the ID card: expiry and number checks (the reader checks the number); moves on by itself."""

    kind = "card"
    default_title = N_("ID card")
    identifies = True

    def reads(self) -> tuple[str, ...]:
        return (READS_CARD,)

    def passes(self, engine) -> bool:
        return engine.data.card is not None

    def enter(self, engine) -> None:
        if engine.data.card is not None:  # placed earlier (on the attract screen, or while reading the consent)
            engine.next()
            return
        engine.notice(engine.refused_card or MSG["place_card"], speak=True)

    def card_placed(self, engine, card: Any, photo: Any) -> None:
        engine.data.card, engine.data.photo = card, photo
        engine.next()

    def card_unreadable(self, engine, msgid: str | None) -> None:
        engine.notice(msgid or MSG["card_unreadable"], speak=True)


class FaceStep(Step):
    """The live face against the card photo, with liveness; after the configured attempts (or
    without a card photo) the ticket route. Only the verdict is kept, never an image."""

    kind = "face"
    default_title = N_("Face check")
    identifies = True

    def reads(self) -> tuple[str, ...]:
        return (READS_FACE,)

    def passes(self, engine) -> bool:
        return engine.data.face is not None

    def enter(self, engine) -> None:
        if engine.data.face is not None:  # verified earlier in this session
            engine.next()
            return
        if engine.data.photo is None:
            engine.notice(MSG["no_photo"], speak=True)
            engine.jump("ticket")
            engine.notice(MSG["no_photo"], speak=False)
            return
        engine.view.attempts_left = engine.face_attempts
        engine.notice(MSG["look_at_camera"], speak=True)
        engine.do(StartFace(engine.data.photo))

    def leave(self, engine) -> None:
        engine.runner.run(0, CancelFace())

    def decided(self, engine, decision: str, attempts_left: int) -> None:
        if decision == "accept":
            engine.data.face = "verified"  # the verdict only: no image or encoding is kept
            engine.data.photo = None       # the card photo is not needed any more
            engine.next()
        elif decision == "retry":
            engine.view.attempts_left = attempts_left
            engine.notice(MSG["face_retry"], speak=True, attempts=attempts_left)
        else:
            engine.data.photo = None
            engine.jump("ticket")
            engine.notice(MSG["face_failed"], speak=True)
