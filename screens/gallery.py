"""Render every screen at 1080x1920 into one PNG each, for the docs and for review.

    python -m screens.gallery OUTDIR [--lang zh_CN|zh_HK|en] [--large-text] [--labels]

Runs the real app on the repository defaults (simulated devices, the reference backend) with its
files in a temporary folder, and walks the demo citizen through the tax records journey (then the
exit-entry appointment and application progress journeys, and a video call to an agent), taking
a picture of each screen once it shows what it should. Where there is no display, run it through
``scripts/with_display.sh`` (``make gallery`` does). ``--labels`` also writes ``NAME.labels.json``
with every visible label's text, box and colour, for ``python -m screens.contrast OUTDIR``.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Callable

from kiosk.config import load_settings
from kiosk.scratch import scratch_site
from common.i18n import LANGUAGES
from kiosk.journeys.steps.identity import MSG as FACE_MSG
from screens.gallery_call import call_scenes
from screens.gallery_registration import rental_scenes, residence_scenes

SCENE_TIMEOUT_S = 60


def scenes(app) -> list[tuple[str | None, Callable[[], None], Callable[[], bool]]]:
    """(file name, what to do, when the screen is ready) in the order a citizen meets them; a step
    without a file name is not pictured."""
    session, journey = app.context.session, app.journey
    reader, printer = app.runtime.idcard.simulator, app.runtime.printer.virtual_printer
    a4 = app.runtime.a4printer.virtual_printer  # the official documents' printer
    at = lambda step: lambda: app.current_step == step  # noqa: E731

    def fresh() -> None:
        reader.remove()
        app._show_countdown(None)  # the countdown scene opens the overlay directly
        session.end("gallery")

    def no_paper() -> None:
        a4.set_paper("out")

    def certificate() -> None:
        fresh()
        a4.set_paper("ok")
        session.start()
        session.choose("tax_certificate")
        journey.begin("tax_certificate")
        journey.action("agree")
        reader.place("demo_citizen")

    def pick_vouchers() -> None:
        for row in journey.step.rows(journey)[:3]:
            journey.action("pick", value=row["voucher_no"])
        journey.action("next")

    def invoices() -> None:
        fresh()
        printer.set_paper("ok")
        a4.set_paper("ok")
        session.start()
        session.choose("invoice_claim")
        journey.begin("invoice_claim")
        journey.action("agree")
        reader.place("demo_citizen")

    def pick_business() -> None:
        journey.action("pick", value=next(r for r in journey.step.rows(journey) if r["eligible"])["taxpayer_id"])
        journey.action("next")

    def ticket_route() -> None:
        fresh()
        session.start()
        session.choose("tax_records")
        journey.begin("tax_records")
        journey.jump("ticket")
        journey.notice(FACE_MSG["camera_out"], speak=False)  # the longest of the notices that lead here

    def begin(service_id: str) -> None:
        language, large = app.context.translator.language, app.large_text
        fresh()  # a session end restores the default look: keep this scene's
        session.start()
        app.set_language(language)
        app.set_large_text(large)
        session.choose(service_id)
        journey.begin(service_id)
        journey.action("agree")
        reader.place("demo_citizen")

    def on(step_id: str) -> Callable[[], bool]:
        return lambda: journey.step is not None and journey.step.id == step_id and not journey.view.busy

    def pick_first(index: int = 0) -> None:
        usable = [o for o in journey.step.options(journey, lambda t: t.zh_CN, {}) if o.enabled]
        journey.action("pick", value=usable[index].value)
        journey.action("next")

    def pick_later_day() -> None:
        """The second day offered: the first may be today, with only its last time left, which
        can pass while the gallery renders (the refused double booking needs another time that day)."""
        pick_first(1)

    def booked_elsewhere() -> None:
        """The citizen books another time on the phone while at the review, then confirms here."""
        from kiosk.backends import new_idempotency_key

        card, form = journey.data.card, journey.data.form
        date = form["date"]
        slot = next(s for s in app.runtime.backends.call("exit_entry.list_appointment_slots", {
            "business": form["business"], "office_id": form["office_id"], "date_from": date, "date_to": date})["slots"]
            if s["remaining"] and s["slot_id"] != form["slot_id"])
        app.runtime.backends.call("exit_entry.book_appointment", {
            "id_number": card.id_number, "name": card.name, "phone": form["phone"], "business": form["business"],
            "slot_id": slot["slot_id"]}, idempotency_key=new_idempotency_key())
        journey.action("next")

    def endorsement() -> None:
        fresh()
        session.start()
        session.choose("hk_macau_endorsement")
        journey.begin("hk_macau_endorsement")
        journey.action("agree")
        reader.place("demo_citizen")

    def permit_typed() -> None:
        from backend_sim.data import permit  # the demo citizen's permit number, as the citizen types it

        journey.action("set", name="permit_number", value=permit(journey.data.card.id_number)[0])
        journey.action("next")

    def pick_first_offer() -> None:
        journey.action("pick", value=journey.step.rows(journey)[0]["offer_id"])
        journey.action("next")

    def business() -> None:  # individual business registration, up to its first form
        language, large = app.context.translator.language, app.large_text
        fresh()
        app.set_language(language)  # the session's end restored the default look
        app.set_large_text(large)
        session.start()
        session.choose("business_registration")
        journey.begin("business_registration")
        journey.action("agree")
        # The face check is pictured in 06-face; here it counts as passed, so a slow machine's
        # face check does not decide whether the later scenes render.
        session.data.face = "verified"
        reader.place("demo_citizen")

    def step_is(step_id: str, when: Callable[[], bool] = lambda: True) -> Callable[[], bool]:
        return lambda: journey.step is not None and journey.step.id == step_id and not journey.view.busy and when()

    def taken_name() -> None:
        journey.action("pick", value="6210")
        journey.action("next")
        journey.action("set", name="trade_name", value="鸿运")  # registered already: explained on the form
        journey.action("next")

    def to_review() -> None:
        journey.action("set", name="trade_name", value="晓峰")
        journey.action("next")

    def waiting_for_phone() -> bool:
        handoff = journey.data.handoff
        return app.current_step == "handoff" and handoff is not None and handoff.state == "waiting"

    phoned: list[str] = []

    def signed_on_phone() -> bool:
        """The new code shows: the simulated phone confirms it once; ready when the receipt is offered."""
        if waiting_for_phone() and journey.data.handoff.values["handoff_id"] not in phoned:
            phoned.append(journey.data.handoff.values["handoff_id"])
            app.runtime.backends.sim.handoff("confirm", phoned[-1])
        return app.current_step == "print"

    # Not pictured: the card lifted, and seen lifted by the reader, before a scene places it again
    # (lifted and placed at once, the reader would not see a new card).
    lifted = (None, reader.remove,
              lambda: app.context.bus.last_status("idcard").conditions.get("card") != "present")
    return [
        ("01-attract", fresh, at("attract")),
        ("02-home", session.start, at("home")),
        ("03-guide", lambda: session.choose("tax_records"), at("guide")),
        ("04-consent", lambda: journey.begin("tax_records"), at("consent")),
        ("05-card", lambda: journey.action("agree"), at("card")),
        ("06-face", lambda: reader.place("demo_citizen"),
         lambda: app.current_step == "face" and app.face_screen.prompt != ""),
        ("07-years", lambda: None, at("form")),
        ("08-records", lambda: journey.action("next"),
         lambda: app.current_step == "query" and journey.data.reply is not None),
        ("08b-issue", lambda: journey.action("next"), lambda: app.current_step == "send" and not journey.view.busy),
        ("09-print", lambda: journey.action("send"), at("print")),
        ("10-no-paper", no_paper, lambda: app.context.bus.last_status("a4printer").state.value == "user_error"),
        ("11-no-paper-receipt", lambda: journey.action("print"), lambda: journey.view.print_state == "unavailable"),
        ("12-rating", lambda: (a4.set_paper("ok"), journey.action("next")), at("rate")),
        ("13-farewell", lambda: journey.action("send", level="satisfied"), at("farewell")),
        ("14-ticket", ticket_route, at("ticket")),
        ("15-countdown", lambda: (fresh(), session.start(), app._show_countdown(12)), at("home")),
        ("16-unavailable", lambda: (app._show_countdown(None), session.fail()), at("unavailable")),
        # The tax payment certificate: tax and year, the vouchers, issue, the code on screen without paper.
        ("17-certificate-year", certificate, at("form")),
        ("18-certificate-vouchers", lambda: journey.action("next"),
         lambda: app.current_step == "choose" and journey.step.rows(journey) is not None),
        ("19-certificate-issue", pick_vouchers, lambda: app.current_step == "send"),
        ("20-certificate-no-paper", lambda: (a4.set_paper("out"), journey.action("send")),
         lambda: app.current_step == "print" and app.context.bus.last_status("a4printer").state.value == "user_error"),
        # The card is lifted here (the journey goes on): placed again at once, the reader would not see a new card.
        ("21-certificate-code", lambda: (reader.remove(), journey.action("print")),
         lambda: journey.view.print_state == "unavailable"
         and app.context.bus.last_status("idcard").conditions.get("card") != "present"),
        # Invoices for individual businesses: the business, the tax app's check on the phone, the services.
        ("22-invoice-business", invoices,
         lambda: app.current_step == "choose" and journey.step.rows(journey) is not None),
        ("23-invoice-phone", pick_business,
         lambda: app.current_step == "handoff" and journey.data.handoff is not None
         and journey.data.handoff.state == "waiting"),
        ("24-invoice-services", lambda: app.runtime.backends.sim.handoff("confirm"),
         lambda: app.current_step == "query" and journey.data.reply is not None),
        # The exit-entry appointment: document, hall, day, time, phone, review, slip; then the held booking,
        # and a second booking refused with the one held shown.
        lifted,
        ("17-appointment-document", lambda: begin("exit_entry_appointment"), on("document")),
        ("18-appointment-hall", lambda: journey.action("next"), on("hall")),
        ("19-appointment-day", pick_first, on("day")),
        ("20-appointment-time", pick_later_day, on("slot")),
        ("21-appointment-contact", pick_first, on("contact")),
        ("22-appointment-review", lambda: journey.action("next"), at("review")),
        ("23-appointment-slip", lambda: journey.action("next"), at("print")),
        lifted,
        ("24-appointment-held", lambda: begin("exit_entry_appointment"), on("existing")),
        ("25-appointment-cancel", lambda: journey.action("next"), on("cancel")),
        ("26-appointment-cancelled", lambda: journey.action("send"),
         lambda: on("cancel")() and journey.step.passes(journey)),
        # Booked again, but another time was booked on the phone meanwhile: refused, that booking shown.
        (None, lambda: journey.action("next"), on("document")),
        (None, lambda: journey.action("next"), on("hall")),
        (None, pick_first, on("day")),
        (None, pick_later_day, on("slot")),
        (None, pick_first, on("contact")),
        (None, lambda: journey.action("next"), at("review")),
        ("26b-appointment-refused-held", booked_elsewhere, lambda: on("existing")() and journey.view.told is not None),
        # Application progress: a 受理编号 or nothing, then the stages.
        lifted,
        ("27-progress-number", lambda: begin("application_progress"), on("number")),
        ("28-progress-stages", lambda: journey.action("next"),
         lambda: on("progress")() and journey.data.reply is not None),
        lifted,
        ("17-endorsement-permit", lambda: (app._show_countdown(None), endorsement()), at("form")),
        ("18-endorsement-choose", permit_typed,
         lambda: app.current_step == "choose" and bool(journey.step.rows(journey))),
        ("19-endorsement-review", pick_first_offer, at("review")),
        ("20-endorsement-pay", lambda: journey.action("next"), lambda: journey.view.pay_state == "waiting"),
        ("21-endorsement-pay-cancelled", lambda: journey.action("cancel_payment"),
         lambda: journey.view.pay_state == "cancelled"),
        ("22-endorsement-new-code", lambda: journey.action("new_code"), lambda: journey.view.pay_state == "waiting"),
        ("23-endorsement-acknowledgement", app._demo_pay, at("print")),
        ("24-endorsement-payment-slip", lambda: journey.action("next"),
         lambda: app.current_step == "print" and journey.step.settings.document.kind == "payment_slip"),
        lifted,
        *residence_scenes(app, fresh),
        lifted,
        *rental_scenes(app, fresh),
        lifted,
        ("17-business-operator", business, step_is("operator")),
        ("18-business-scope", lambda: (journey.action("next"), journey.action("next")),
         step_is("scope", lambda: journey.step.rows(journey) is not None)),
        ("19-business-scope-search", lambda: journey.action("search", letters="R"), step_is("scope")),
        ("20-business-name-taken", taken_name, step_is("name", lambda: bool(journey.view.errors))),
        ("21-business-name-free", to_review, step_is("name_check", lambda: journey.data.reply is not None)),
        ("22-business-review", lambda: (journey.action("next"), journey.action("next")), at("review")),
        ("23-business-sign", lambda: journey.action("next"), waiting_for_phone),
        ("24-business-sign-expired", lambda: app.runtime.backends.sim.handoff("expire"),
         lambda: journey.data.handoff.state == "expired"),
        ("25-business-print", lambda: journey.action("retry"), signed_on_phone),
        *call_scenes(app, fresh),
    ]


def main(argv: list[str] | None = None, scene_list: Callable = scenes) -> int:
    parser = argparse.ArgumentParser(prog="python -m screens.gallery", description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--lang", choices=list(LANGUAGES), default="zh_CN")
    parser.add_argument("--large-text", action="store_true")
    parser.add_argument("--labels", action="store_true", help="write NAME.labels.json for the contrast check")
    args = parser.parse_args(argv)
    args.outdir.mkdir(parents=True, exist_ok=True)

    work = Path(tempfile.mkdtemp(prefix="gallery-"))
    # The call scenes picture agents at work, whatever the time the gallery runs at (with the
    # default hours it failed after 22:00); "outside hours" sets its own.
    site = scratch_site(work, more={"call": {"weekday_hours": "00:00-24:00", "weekend_hours": "00:00-24:00"}})
    settings = load_settings(site)
    from screens.kivy_setup import configure_kivy, register_fonts

    configure_kivy(settings.ui.width, settings.ui.height, fullscreen=False, show_cursor=False)
    register_fonts()
    from kivy.clock import Clock
    from kivy.core.window import Window

    from drivers.idcard.sim import SimulatedReader
    from kiosk.context import KioskContext
    from kiosk.runtime import Runtime
    from screens.app import KioskApp

    context = KioskContext.create(settings)
    runtime = Runtime.build(settings, context.bus, idcard_simulator=SimulatedReader(realistic_delays=False))
    app = KioskApp(context, runtime)
    written: list[Path] = []
    failures: list[str] = []

    def shoot(name: str) -> None:
        shot = Window.screenshot(name=str(args.outdir / f"{name}.png"))  # Kivy appends 0001
        target = args.outdir / f"{name}.png"
        os.replace(shot, target)
        written.append(target)
        if args.labels:
            from screens.label_map import visible_labels

            (args.outdir / f"{name}.labels.json").write_text(
                json.dumps(visible_labels(), ensure_ascii=False, indent=1), encoding="utf-8")

    def stop() -> None:
        # An exception here would go to the app's recovery, and the gallery would run on for ever.
        try:
            app.stop()
        except Exception:  # noqa: BLE001
            failures.append(f"the app did not stop cleanly:\n{traceback.format_exc()}")
            from kivy.base import stopTouchApp

            stopTouchApp()

    def run(_dt) -> None:
        pending = list(scene_list(app))

        def next_scene() -> None:
            if not pending:
                stop()
                return
            name, action, ready = pending.pop(0)
            app.set_language(args.lang)  # a session end restores the default look
            app.set_large_text(args.large_text)
            try:
                action()
                app.set_language(args.lang)  # the action may have ended a session, which restores the default look
                app.set_large_text(args.large_text)
            except Exception:  # noqa: BLE001  (the app's recovery would swallow it and the gallery would wait forever)
                failures.append(f"{name or 'the card lifted'} failed:\n{traceback.format_exc()}")
                stop()
                return
            deadline = time.monotonic() + SCENE_TIMEOUT_S

            def wait(_dt) -> bool:
                try:
                    is_ready = ready()
                except Exception:  # noqa: BLE001  (as above: raised here, it would end this wait for good)
                    failures.append(f"{name or 'the card lifted'}: its readiness check failed:\n{traceback.format_exc()}")
                    stop()
                    return False
                if is_ready:
                    # one more frame to lay out, one to draw
                    Clock.schedule_once(lambda _dt: Clock.schedule_once(
                        lambda _dt: (shoot(name) if name else None, next_scene()), 0), 0)
                    return False
                if time.monotonic() > deadline:
                    failures.append(f"{name or 'the card lifted'} did not become ready within {SCENE_TIMEOUT_S} s")
                    stop()  # the later scenes build on this one (a card, a session): stop here
                    return False
                return True

            Clock.schedule_interval(wait, 0)

        next_scene()

    def start_scenes(*_args) -> None:  # returns nothing, so KioskApp.on_start runs too
        Clock.schedule_once(run, 0)

    app.bind(on_start=start_scenes)
    app.run()
    for path in written:
        print(path)
    for failure in failures:
        print(f"gallery: {failure}", file=sys.stderr)
    return 1 if failures or not written else 0


if __name__ == "__main__":
    sys.exit(main())
