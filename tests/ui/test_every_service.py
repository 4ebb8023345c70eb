"""Every service with a journey, walked through the real app as a citizen would: touches on the
screens built from its definition, the simulated reader and the demo citizen at the camera, the
reference backend, the virtual printer. A new service gets this test by being defined."""
import pytest

from backend_sim import data
from kiosk.catalog import load_catalog
from tests.ui.conftest import lift_card
from tests.ui.journey import draw_signature, fill_refused_fields

pytestmark = pytest.mark.ui
SERVICES = [s.id for s in load_catalog() if s.plan is not None]


@pytest.mark.parametrize("service_id", SERVICES)
def test_happy_path(ui, service_id):
    app = ui.app
    engine, printer, a4 = app.journey, app.runtime.printer.virtual_printer, app.runtime.a4printer.virtual_printer
    jobs_before, a4_before = len(printer.jobs), len(a4.jobs)
    ui.tap("call to action")
    ui.tap(f"service {service_id}")
    ui.tap("start service")
    seen = []
    for _ in range(40):
        ui.until(lambda: not engine.view.busy and app.current_step != "face", timeout=90,
                 what=f"the {app.current_step} step to be ready")
        kind = app.current_step
        seen.append(kind)
        assert "progress" not in kind and app.manager.current == kind
        if kind == "consent":
            ui.tap("consent agree")
        elif kind == "card" and engine.step.party is not None:  # a second person: their own card
            lift_card(app, ui)
            app.runtime.idcard.simulator.place("demo_second_citizen")
            ui.until(lambda: app.current_step != "card", what="the second party's card to be read")
        elif kind == "card":
            app.runtime.idcard.simulator.place("demo_citizen")
            ui.until(lambda: app.current_step != "card", what="the card to be read")
        elif kind == "form":
            for spec in engine.step.settings.fields:  # what no record can fill, the citizen types
                for key in data.own_papers(engine.data.card.id_number).get(spec.name, "")[len(spec.prefix):]:
                    ui.tap(f"{spec.name} key {key}")
            ui.tap("form next")
            if engine.view.errors:  # what the defaults leave empty, the citizen enters
                fill_refused_fields(ui)
                ui.tap("form next")
        elif kind == "choose":
            ui.until(lambda: engine.step.rows(engine), timeout=30, what="the list to choose from")
            usable = [o for o in engine.step.options(engine, lambda t: t.zh_CN, {}) if o.enabled]
            assert usable, f"nothing to choose at {engine.step.id}: {ui.texts()}"
            ui.tap(f"option {usable[0].value}")
            ui.tap("choose next")
        elif kind == "send":  # one that asks first (issue the record, cancel a booking held): yes
            ui.tap("send confirm")
            ui.until(lambda: app.current_step != "send" or engine.step.passes(engine), timeout=30, what="sending")
            if app.current_step == "send":  # it says what it did: continue
                ui.tap("send confirm")
        elif kind == "pay":
            ui.until(lambda: engine.view.pay_state == "waiting", timeout=30, what="the payment code")
            app._on_keyboard(None, 36, None, "$")  # demo key: the citizen pays with the phone
            ui.until(lambda: app.current_step != "pay", timeout=30, what="the payment to be confirmed")
        elif kind == "signature":
            signing = engine.step  # the next may be another party's signature, on the same screen
            draw_signature(ui, strokes=3 + seen.count("signature"))  # each signer's own
            ui.tap("signature confirm")
            ui.until(lambda: engine.step is not signing, timeout=20, what="the signature to be bound")
        elif kind == "review":
            ui.tap("review confirm")
        elif kind == "query":
            assert engine.data.reply is not None, ui.texts()
            ui.tap("next")
        elif kind == "print":
            ui.tap("print")
            ui.until(lambda: engine.view.print_state == "printed", timeout=40, what="printing")
            ui.tap("done")
        elif kind == "handoff":  # the citizen confirms on the phone (the reference backend's simulated app)
            ui.until(lambda: engine.data.handoff.state == "waiting", timeout=20, what="the QR code")
            app.runtime.backends.sim.handoff("confirm")
            ui.until(lambda: app.current_step != "handoff", timeout=20, what="the phone's confirmation")
        elif kind == "rate":
            ui.tap("level very_satisfied")
            ui.tap("send rating")
        elif kind == "farewell":
            app.runtime.idcard.simulator.remove()
            ui.until(lambda: app.current_step == "attract", what="the card to be taken")
            break
        else:
            raise AssertionError(f"the walk does not know how to pass a {kind} step: {ui.texts()}")
    assert seen[-1] == "farewell" and app.context.session.data.is_empty()
    # Steps that pass by themselves (a lookup, a submission, a lookup that found nothing to show) or
    # run only on a condition need not be seen.
    plan_kinds = {s.kind for s in app.context.service(service_id).plan.steps
                  if s.interactive and s.when is None and not getattr(s.settings, "pass_empty", False)}
    assert plan_kinds <= set(seen) | {"face"}
    if "print" in plan_kinds:  # on the printer the definition names: official documents on A4
        on_a4 = any(s.kind == "print" and s.settings.printer == "a4" for s in app.context.service(service_id).plan.steps)
        assert a4.wait_for_jobs(a4_before + 1, 5) if on_a4 else printer.wait_for_jobs(jobs_before + 1, 5)
