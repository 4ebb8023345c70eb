"""Steps that establish who the citizen is: consent, the ID card, the face check."""
from __future__ import annotations

from typing import Any

from common.i18n import N_
from kiosk.journeys.definition import DefinitionContext, DefinitionError
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
    "camera_out": N_("The camera is not working, so this terminal cannot check your face now. Please take a queue "
                     "ticket for the counter."),
    "place_party_card": N_("{party}: please place YOUR ID card on the reader."),
    "same_person": N_("This is the card that was placed before. {party}: please place YOUR OWN ID card."),
    "party_look": N_("{party}: please look at the camera and follow the instructions."),
}
VERIFIED, REJECTED = "verified", "rejected"  # a face verdict (never an image)
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


class PartySettings(StepSettings):
    # Who acts: a party of [journey.parties] (e.g. "lessee", a second person at the kiosk in the
    # same session); omitted: the citizen who started.
    party: str | None = None


class _PartyStep(Step):
    """A step done by one party: its settings name it and the definition declares it."""

    Settings = PartySettings

    @property
    def party(self) -> str | None:
        return self.settings.party

    def label(self, engine) -> Any:
        """The party's name as the screens show it (a ``Texts``), or None for the citizen."""
        return engine.plan.parties.get(self.party) if self.party is not None else None


class CardStep(_PartyStep):
    """Place the ID card: expiry and number checks (the reader checks the number); moves on by itself.

    A card step of a second party (``party = "lessee"``) refuses the card of anyone identified
    before in the session, so one person cannot act as both parties."""

    kind = "card"
    default_title = N_("ID card")
    identifies = True

    def check(self, ctx: DefinitionContext) -> None:
        ctx.check_party(self.party)
        if self.party in ctx.carded:
            raise DefinitionError(f"party: a card step for {self.party or 'the citizen'!r} came before")
        ctx.carded.add(self.party)

    def reads(self) -> tuple[str, ...]:
        return (READS_CARD,)

    def passes(self, engine) -> bool:
        return engine.identity(self.party).card is not None

    def enter(self, engine) -> None:
        if engine.identity(self.party).card is not None:  # placed earlier (the attract screen, the consent)
            engine.next()
            return
        waiting = engine.take_waiting_card()  # laid on the reader before this step (a tenant who came early)
        if waiting is not None:
            self.card_placed(engine, *waiting)
            return
        if self.party is not None:
            engine.notice(engine.refused_card or MSG["place_party_card"], speak=True, party=self.label(engine))
            return
        engine.notice(engine.refused_card or MSG["place_card"], speak=True)

    def card_placed(self, engine, card: Any, photo: Any) -> None:
        if self.party is not None and card.id_number in engine.identified_numbers():
            engine.notice(MSG["same_person"], speak=True, party=self.label(engine))
            return
        who = engine.identity(self.party)
        who.card, who.photo = card, photo
        engine.next()

    def card_unreadable(self, engine, msgid: str | None) -> None:
        engine.notice(msgid or MSG["card_unreadable"], speak=True)


class FaceStep(_PartyStep):
    """The live face against the card photo, with liveness; after the configured attempts (or
    without a card photo) the ticket route. Only the verdict is kept, never an image."""

    kind = "face"
    default_title = N_("Face check")
    identifies = True

    def check(self, ctx: DefinitionContext) -> None:
        ctx.check_party(self.party)
        if self.party is not None and self.party not in ctx.carded:
            raise DefinitionError(f"party: no card step for {self.party or 'the citizen'!r} before this face check")
        ctx.faced.add(self.party)

    def reads(self) -> tuple[str, ...]:
        return (READS_FACE,)

    def passes(self, engine) -> bool:
        return engine.identity(self.party).face == VERIFIED

    def enter(self, engine) -> None:
        who = engine.identity(self.party)
        if who.face == VERIFIED:  # verified earlier in this session
            engine.next()
            return
        if who.photo is None:
            # Failed before in this session (the card photo was dropped then): say that, not that
            # this terminal cannot check this card.
            msgid = MSG["face_failed"] if who.face == REJECTED else MSG["no_photo"]
            engine.notice(msgid, speak=True)
            engine.jump("ticket")
            engine.notice(msgid, speak=False)
            return
        engine.view.attempts_left = engine.face_attempts
        if self.party is not None:
            engine.notice(MSG["party_look"], speak=True, party=self.label(engine))
        else:
            engine.notice(MSG["look_at_camera"], speak=True)
        engine.do(StartFace(who.photo))

    def leave(self, engine) -> None:
        engine.runner.run(0, CancelFace())

    def decided(self, engine, decision: str, attempts_left: int) -> None:
        who = engine.identity(self.party)
        if decision == "accept":
            who.face = VERIFIED  # the verdict only: no image or encoding is kept
            who.photo = None       # the card photo is not needed any more
            engine.next()
        elif decision == "retry":
            engine.view.attempts_left = attempts_left
            engine.notice(MSG["face_retry"], speak=True, attempts=attempts_left)
        else:
            who.photo = None
            if decision == "reject":  # a new attempt in this session goes to the counter too
                who.face = REJECTED
            engine.jump("ticket")
            engine.notice(MSG["camera_out" if decision == "camera_out" else "face_failed"], speak=True)
