"""Gallery scenes of the residence registration (来穗人员居住登记): the address chain with its
pinyin search, a follow-up form, values from the records marked, the moving-in date rule, the
review, the signature pad with a signature drawn on it, and the receipt step. And the rental
filing (房屋租赁备案) with two people at the kiosk: the tenant's card step, the landlord's card
refused there, the review with both parties, both signatures, the receipt.

The journey moves on by itself between the scenes: :func:`walker` is a readiness check that also
does what the demo citizen would (pick the first row, fill the follow-ups) until the step it waits
for shows, since several department answers lie between two pictures.
"""
from __future__ import annotations

import datetime
import math
from typing import Callable

SERVICE = "residence_registration"
ENTRIES = {"housing": "rented", "owner_name": "林晓敏", "owner_phone": "13812345678", "reason": "work",
           "employer": "广州市天河区云帆信息科技有限公司"}


def walker(app, target: str, entries: dict | None = None) -> Callable[[], bool]:
    """True once the step ``target`` (a step id or kind) shows; until then it takes the journey one
    step on, entering ``entries`` (default: the residence's) into the forms."""
    journey = app.journey
    entries = ENTRIES if entries is None else entries

    def ready() -> bool:
        step = journey.step
        if step is None or journey.view.busy or app.current_step == "face":
            return False
        if target in (step.id, step.kind):
            return app.manager.current == step.kind
        if step.kind == "choose" and step.rows(journey):
            journey.action("pick", value=step.rows(journey)[0][step.settings.value])
            journey.action("next")
        elif step.kind == "form":
            for spec in step.settings.fields:
                if spec.name in entries:
                    journey.action("set", name=spec.name, value=entries[spec.name])
            journey.action("next")
        elif step.kind == "review":
            journey.action("next")
        return False
    return ready


def _signed_pad(app, strokes: int = 3) -> None:
    """Draw a signature on the pad as a finger would have (a few wavy strokes)."""
    pad = next(s for s in app.journey_screens if s.name == "signature").ids.pad
    pad.clear()
    points, t = [], 0
    for s in range(strokes):
        for i in range(18):
            points.append([120 + s * (840 // strokes) + i * 14, int(200 + 90 * math.sin(i / 2 + s)), t, 0 if i == 17 else 1])
            t += 20
    pad.points = points
    pad._redraw()


def _keyboard(app):
    """The on-screen keyboard, if one is open."""
    from screens.keyboard import PinyinKeyboard

    return next((w for w in app.root_window.children if isinstance(w, PinyinKeyboard)), None)


def _type_on_keyboard(app, field: str, letters: str) -> None:
    """Touch a text field and type pinyin letters on its keyboard (candidates show once the
    dictionary has loaded)."""
    form = next(s for s in app.journey_screens if s.name == "form")
    box = next(w for w in form.walk(restrict=True) if getattr(w, "test_name", "") == f"{field} input")
    box.dispatch("on_release")
    for letter in letters:
        _keyboard(app).press(letter)


def residence_scenes(app, fresh: Callable[[], None]) -> list[tuple[str, Callable[[], None], Callable[[], bool]]]:
    """The scenes, to follow the gallery's own (``fresh`` ends the session before)."""
    session, journey, reader = app.context.session, app.journey, app.runtime.idcard.simulator
    at_rows = lambda: app.current_step == "choose" and not journey.view.busy  # noqa: E731

    def start() -> None:
        fresh()
        session.start()
        session.choose(SERVICE)
        journey.begin(SERVICE)
        journey.action("agree")
        reader.place("demo_citizen")

    def search() -> None:
        journey.action("search", letters="TH")

    def future_date() -> None:
        tomorrow = journey.today() + datetime.timedelta(days=1)
        journey.action("set", name="move_in_date", value=tomorrow.isoformat())
        journey.action("next")

    return [
        ("17-residence-district", start, at_rows),
        ("18-residence-district-search", search, at_rows),
        ("19-residence-housing", lambda: None, walker(app, "housing")),
        ("20-residence-owner", lambda: None, walker(app, "owner")),
        ("20b-residence-keyboard", lambda: _type_on_keyboard(app, "owner_name", "lin"),
         lambda: bool(_keyboard(app) and _keyboard(app).shown)),
        ("21-residence-contact", lambda: _keyboard(app).dismiss(animation=False), walker(app, "contact")),
        ("22-residence-moved-in", lambda: None, walker(app, "moved_in")),
        ("23-residence-date-rule", future_date, lambda: bool(journey.view.errors)),
        ("24-residence-review", lambda: journey.action("set", name="move_in_date", value=journey.today().isoformat()),
         walker(app, "review")),
        ("25-residence-signature", lambda: journey.action("next"),
         lambda: app.manager.current == "signature" and (_signed_pad(app) or True)),
        ("25b-residence-signed-review", lambda: journey.action(
            "sign", strokes=next(s for s in app.journey_screens if s.name == "signature").ids.pad.strokes()),
         lambda: app.current_step == "review" and app.manager.current == "review" and journey.step.id == "signed"),
        ("26-residence-submitted", lambda: journey.action("next"), lambda: app.current_step == "print"),
    ]


def rental_scenes(app, fresh: Callable[[], None]) -> list[tuple[str | None, Callable[[], None], Callable[[], bool]]]:
    """The rental filing's scenes: the landlord walks to the tenant's card step, then the tenant."""
    from kiosk.journeys.steps.identity import MSG

    session, journey, reader = app.context.session, app.journey, app.runtime.idcard.simulator
    signature_screen = lambda: next(s for s in app.journey_screens if s.name == "signature")  # noqa: E731
    lifted = lambda: app.context.bus.last_status("idcard").conditions.get("card") != "present"  # noqa: E731
    entries = {"use": "residential", "area_m2": "68", "monthly_rent": "4200"}

    def start() -> None:
        fresh()
        session.start()
        session.choose("rental_filing")
        journey.begin("rental_filing")
        journey.action("agree")
        reader.place("demo_citizen")
        entries["end_date"] = journey.today().replace(year=journey.today().year + 1).isoformat()

    def signing(step_id: str, strokes: int) -> Callable[[], bool]:
        def ready() -> bool:
            if journey.step is None or journey.step.id != step_id or app.manager.current != "signature":
                return False
            _signed_pad(app, strokes)  # each signs their own
            return True
        return ready

    def sign() -> None:
        journey.action("sign", strokes=signature_screen().ids.pad.strokes())

    return [
        ("27-rental-tenant-card", start, walker(app, "lessee_card", entries)),
        (None, reader.remove, lifted),
        ("28-rental-same-card", lambda: reader.place("demo_citizen"),
         lambda: journey.view.notice == MSG["same_person"]),
        (None, reader.remove, lifted),
        ("29-rental-review", lambda: reader.place("demo_second_citizen"),
         lambda: app.current_step == "review" and app.manager.current == "review"),
        ("30-rental-landlord-signs", lambda: journey.action("next"), signing("lessor_signs", 3)),
        ("31-rental-tenant-signs", sign, signing("lessee_signs", 4)),
        ("31b-rental-signed-review", sign,
         lambda: app.current_step == "review" and app.manager.current == "review" and journey.step.id == "signed"),
        ("32-rental-receipt", lambda: journey.action("next"), lambda: app.current_step == "print"),
    ]
