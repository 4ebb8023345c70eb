"""What to tell the citizen about the card reader (English msgids; the app translates them).

The driver publishes reason words (``card_unreadable`` payloads, status reasons); the shell shows
:func:`unreadable_message` for a ``card_unreadable`` event and :data:`READER_UNAVAILABLE` while
the ``idcard`` status is not ready.
"""
from __future__ import annotations

from common.i18n import N_


PLACE_AGAIN = N_("The card could not be read. Please lift it and place it flat on the reader again.")
NOT_VERIFIED = N_("The information on this card could not be verified. Please ask the staff for help.")
NOT_ACCEPTED = N_("This type of card cannot be read here. Please use a resident ID card, a residence "
                  "permit or a permanent residence ID card.")
READER_UNAVAILABLE = N_("The card reader is not available right now. Please ask the staff for help.")

_BY_REASON = {
    # the card was not read cleanly: another try usually works
    "checksum": PLACE_AGAIN, "no_answer": PLACE_AGAIN, "read_failed": PLACE_AGAIN,
    "malformed_reply": PLACE_AGAIN, "card_authentication": PLACE_AGAIN, "verification_failed": PLACE_AGAIN,
    # the card was read but its data fails a rule: another try will not help
    "invalid_number": NOT_VERIFIED, "birth_date_mismatch": NOT_VERIFIED, "gender_mismatch": NOT_VERIFIED,
    "bad_field": NOT_VERIFIED, "bad_layout": NOT_VERIFIED,
    "unknown_card_type": NOT_ACCEPTED,
}


def unreadable_message(reason: str) -> str:
    """The msgid for a ``card_unreadable`` reason (unknown reasons ask the citizen to try again)."""
    return _BY_REASON.get(reason, PLACE_AGAIN)
