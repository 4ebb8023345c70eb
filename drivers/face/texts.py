"""Every citizen-facing text of the face check, as English msgids for the shell to translate.

The logic modules speak in machine words (``Hint.word``, ``ChallengeStep.action``,
``Decision.reason``); this module maps them to what the citizen reads and hears.
"""
from __future__ import annotations

from common.i18n import N_


# Hint.word -> text ("ok" has none: the challenge prompt shows instead).
HINTS = {
    "no_face": N_("Please stand in front of the camera"),
    "many_faces": N_("Only one person please"),
    "too_small": N_("Please move closer"),
    "not_frontal": N_("Please look at the screen"),
    "blurry": N_("Please hold still"),
}

# ChallengeStep.action -> prompt. Left and right are the citizen's own.
PROMPTS = {
    "blink": N_("Please blink"),
    "turn_left": N_("Please turn your head to the left"),
    "turn_right": N_("Please turn your head to the right"),
    "open_mouth": N_("Please open your mouth"),
}

# After the last action: the decision comes with the next frame in the reference pose.
LOOK_BACK = HINTS["not_frontal"]
# Decision "retry": the worker has started the next attempt.
RETRY = N_("Let's try once more")
# Decision "reject" (or a WorkerError): face verification is over; the other route is offered.
OTHER_ROUTE = N_("Your face could not be verified here. Please take a queue ticket and a member of staff will help you")
