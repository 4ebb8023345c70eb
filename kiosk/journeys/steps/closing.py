"""The end of every journey: the 好差评 rating and "please take your ID card"."""
from __future__ import annotations

from typing import Any

from common.i18n import N_
from kiosk.journeys import rating
from kiosk.journeys.effects import Enqueue
from kiosk.journeys.steps.base import Step

RATING_OPERATION = "hall.submit_rating"
MSG = {
    "rate": N_("Please rate this service."),
    "reason_needed": N_("Please tell us what went wrong."),
    "take_card": N_("Please take your ID card. Thank you."),
}


class RateStep(Step):
    """Five levels, nothing pre-selected; the negative ones need a reason. The rating goes to the
    hall service through the outbox (written in a worker thread), so it survives a network outage."""

    kind = "rate"
    default_title = N_("Rating")

    def enter(self, engine) -> None:
        engine.view.rating_level = None
        engine.notice(MSG["rate"], speak=True)

    def action(self, engine, name: str, args: dict[str, Any]) -> None:
        if name == "choose":
            engine.view.rating_level = args["level"]
            if args["level"] in rating.NEGATIVE:
                engine.notice(MSG["reason_needed"])
        elif name == "send":
            level, reason = args.get("level"), args.get("reason")
            if level is not None:
                try:
                    rating.validate(level, reason)
                except rating.RatingError:
                    engine.notice(MSG["reason_needed"])
                    return
                body = {"service_id": engine.plan.service_id,
                        "receipt_no": engine.data.receipt_no or engine.local_receipt_no("R"),
                        "terminal_id": engine.terminal_id, "rating": level}
                if reason:
                    body["reasons"] = [reason]
                engine.do(Enqueue(RATING_OPERATION, body))
                engine.data.rating = level
            engine.jump("farewell")


class FarewellStep(Step):
    """Please take your ID card: lifting it (or Finish) ends the session and wipes everything."""

    kind = "farewell"
    default_title = N_("Finish")

    def enter(self, engine) -> None:
        engine.notice(MSG["take_card"], speak=True)

    def action(self, engine, name: str, args: dict[str, Any]) -> None:
        if name == "finish":
            engine.session.end("finished")
