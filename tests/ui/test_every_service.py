"""Every service with a journey, walked through the real app as a citizen would: touches on the
screens built from its definition, the simulated reader and the demo citizen at the camera, the
reference backend, the virtual printer. A new service gets this test by being defined."""
import pytest

from kiosk.catalog import load_catalog
from tests.ui.journey import draw_signature, fill_refused_fields

pytestmark = pytest.mark.ui
SERVICES = [s.id for s in load_catalog() if s.plan is not None]


@pytest.mark.parametrize("service_id", SERVICES)
def test_happy_path(ui, service_id):
    app = ui.app
    engine, printer = app.journey, app.runtime.printer.virtual_printer
    jobs_before = len(printer.jobs)
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
        elif kind == "card":
            app.runtime.idcard.simulator.place("demo_citizen")
            ui.until(lambda: app.current_step != "card", what="the card to be read")
        elif kind == "form":
            ui.tap("form next")
            if engine.view.errors:  # what the defaults leave empty, the citizen enters
                fill_refused_fields(ui)
                ui.tap("form next")
        elif kind == "choose":
            ui.tap(next(w for w in ui.walk() if getattr(w, "test_name", "").startswith("option ") and not w.disabled))
            ui.tap("choose next")
        elif kind == "signature":
            draw_signature(ui)
            ui.tap("signature confirm")
            ui.until(lambda: app.current_step != "signature", timeout=20, what="the signature to be bound")
        elif kind == "review":
            ui.tap("review confirm")
        elif kind == "query":
            assert engine.data.reply is not None, ui.texts()
            ui.tap("next")
        elif kind == "print":
            ui.tap("print")
            ui.until(lambda: engine.view.print_state == "printed", timeout=40, what="printing")
            ui.tap("done")
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
    plan_kinds = {s.kind for s in app.context.service(service_id).plan.steps} - {"prefill", "submit"}
    assert plan_kinds <= set(seen) | {"face"}
    if "print" in plan_kinds:
        assert printer.wait_for_jobs(jobs_before + 1, 5)
