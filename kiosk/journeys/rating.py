"""好差评: the five rating levels of GB/T 39734-2020, nothing pre-selected."""
from __future__ import annotations

from common.i18n import N_

# (level id, msgid), best first, as the national evaluation system lists them.
LEVELS = [
    ("very_satisfied", N_("Very satisfied")),
    ("satisfied", N_("Satisfied")),
    ("basically_satisfied", N_("Basically satisfied")),
    ("dissatisfied", N_("Dissatisfied")),
    ("very_dissatisfied", N_("Very dissatisfied")),
]
NEGATIVE = {"dissatisfied", "very_dissatisfied"}
# Published on the event bus once a rating is stored for delivery; payload: (service id, level id),
# never who rated or the receipt number (the metrics count it by service and grade).
RATING_STORED = "rating_stored"
# Reasons a citizen can pick without typing (typing on a public screen is slow and not private).
# The keys are the hall service's contract values (api/hall.yaml, Rating.reasons).
REASONS = [
    ("slow", N_("It took too long")),
    ("hard_to_use", N_("The terminal was hard to use")),
    ("unclear_guidance", N_("The guide was not clear")),
    ("device_fault", N_("A device did not work")),
    ("result_wrong", N_("The result was wrong or missing")),
    ("other", N_("Something else")),
]


class RatingError(ValueError):
    """The rating is incomplete (a negative level without a reason, or an unknown value)."""


def validate(level: str, reason: str | None) -> None:
    """Raise :class:`RatingError` unless ``level`` is known and negative levels carry a reason."""
    if level not in dict(LEVELS):
        raise RatingError(f"unknown rating level {level!r}")
    if level in NEGATIVE and reason not in dict(REASONS):
        raise RatingError("a negative rating needs one of the listed reasons")
