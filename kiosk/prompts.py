"""The prompt library: every message the kiosk speaks, keyed by a stable name.

The name is also the file name of a hall's own recording: ``assets/voice/<lang>/<name>.wav`` (or
``.ogg``), e.g. ``assets/voice/zh_CN/place_card.wav``, is played instead of synthesis when it exists
(see ``assets/voice/README.md``). A message id that is not in the library is still spoken (by
synthesis); its recording name is ``msg-`` and the first 12 hex digits of the SHA-1 of the message
id (:func:`recording_name`), so any prompt can be recorded.

Every step that asks the citizen to act has a prompt here; ``tests/test_voice_phonemes.py``
synthesises each one in every language and checks what espeak-ng would say.
"""
from __future__ import annotations

import hashlib

from common.i18n import N_
from drivers.face import texts as face_texts

PROMPTS: dict[str, str] = {
    # attract and home
    "attract": N_("Touch the screen or place your ID card on the reader to start"),
    "home": N_("Please choose a service on the screen."),
    "guide": N_("Please read the guide. Touch Start when you are ready."),
    "help": N_("Staff at this hall can help you. Their phone number is on the screen."),
    # the journey's steps (kiosk.journeys)
    "consent": N_("Please read how your information is used, then choose Agree or Cancel."),
    "place_card": N_("Please place your ID card on the reader."),
    "card_unreadable": N_("The card could not be read. Please lift it and place it flat on the reader again."),
    "card_expired": N_("This ID card has expired. Please use a valid card, or go to the counter."),
    "card_replace": N_("Please lift the card and place it again."),
    "card_removed": N_("Your card was lifted before the check was finished. Please place it again."),
    "no_photo": N_("This terminal cannot check your face against this card. Please take a queue ticket for the counter."),
    "look_at_camera": N_("Please look at the camera and follow the instructions."),
    "face_retry": N_("We could not confirm it is you. Please try again: {attempts} attempts left."),
    "face_failed": N_("We could not confirm it is you. A member of staff at the counter can help you."),
    "choose_years": N_("Choose the years you want to see."),
    "bad_years": N_("Please choose a start year that is not after the end year."),
    "records_shown": N_("Here are your records. You can print them."),
    "printer_unavailable": N_("The printer cannot print right now. Please note the receipt number or scan the code."),
    "print_failed": N_("Printing did not finish. Please note the receipt number or scan the code."),
    "printed": N_("Printed. Please take your paper."),
    "printed_a4": N_("Printed. Please take your document from the A4 printer."),
    "payment": N_("Please scan the payment code on the screen with your phone."),
    "rate": N_("Please rate this service."),
    "reason_needed": N_("Please tell us what went wrong."),
    "ticket_failed": N_("A queue ticket could not be issued. Please go to the information desk."),
    "take_card": N_("Please take your ID card. Thank you."),
    "take_card_reminder": N_("Please take your ID card from the reader."),  # on attract, after the session
    # the face check (drivers.face.texts): each liveness action, the hints, the outcome
    **{f"face_{action}": msgid for action, msgid in face_texts.PROMPTS.items()},
    **{f"face_hint_{word}": msgid for word, msgid in face_texts.HINTS.items()},
    "face_once_more": face_texts.RETRY,
    "face_other_route": face_texts.OTHER_ROUTE,
}
_NAMES = {msgid: name for name, msgid in PROMPTS.items()}


def recording_name(msgid: str) -> str:
    """The file name (without extension) of a hall's recording of ``msgid``."""
    return _NAMES.get(msgid) or "msg-" + hashlib.sha1(msgid.encode("utf-8")).hexdigest()[:12]


def challenge_prompt(action: str) -> str:
    """The message id asking for a liveness action (``ChallengeStep.action``, e.g. ``"blink"``)."""
    return face_texts.PROMPTS[action]
