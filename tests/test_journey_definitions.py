"""Journey definitions: every broken definition stops loading with one line naming the file, the
step and the key; and every definition in assets/services/ runs through the engine against the
reference backend (a service gets this test by being defined)."""
from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from backend_sim import data, launch
from drivers.idcard.card import parse_card
from drivers.idcard.simcards import load_fixture
from kiosk.backends import Backends
from kiosk.backends.contract import load_contract
from kiosk.catalog import SERVICES_DIR, CatalogError, load_catalog
from backend_sim.examples import EXAMPLE_TERMINAL
from kiosk.journeys.effects import (
    After, Call, CancelFace, CheckOrder, CreateOrder, Enqueue, IssueTicket, Outcome, Print, Sign, Speak, StartFace,
)
from kiosk.journeys.engine import JourneyEngine
from kiosk.journeys.steps.form import FormStep
from kiosk.session import CitizenSession, Step
from tests.backend_support import transports
from tests.signature_support import drawn_signature, entry_for

TAX = SERVICES_DIR / "tax_records.toml"


def broken(tmp_path: Path, old: str, new: str) -> str:
    """Load a catalog whose tax records file has ``old`` replaced by ``new``; return the error."""
    text = TAX.read_text(encoding="utf-8")
    assert old in text, old
    (tmp_path / "tax_records.toml").write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(CatalogError) as caught:
        load_catalog(tmp_path)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(str(tmp_path / "tax_records.toml"))
    return message


def test_the_repository_catalog_loads():
    services = load_catalog()
    assert any(s.plan is not None for s in services)


def test_unknown_key_in_a_step(tmp_path):
    message = broken(tmp_path, 'kind = "form"\n', 'kind = "form"\ncolour = "red"\n')
    assert "journey step 4 (form): colour: unknown key" in message


def test_form_field_not_in_the_contract(tmp_path):
    message = broken(tmp_path, 'name = "year_from"', 'name = "start_year"')
    assert "journey step 4 (form): fields.0.name: 'start_year' is not in the request of tax.query_income_records" \
        in message


def test_unknown_step_kind(tmp_path):
    message = broken(tmp_path, 'kind = "rate"', 'kind = "rating"')
    assert "journey step 8 (rating): kind: unknown step kind 'rating'" in message and "rate" in message


def test_prefill_from_data_the_card_lacks(tmp_path):
    message = broken(tmp_path, 'name = "$card.name"', 'name = "$card.phone"')
    assert "journey step 5 (query): request.name: the ID card has no 'phone'" in message


def test_required_property_uncovered(tmp_path):
    message = broken(tmp_path, 'request = { id_number = "$card.id_number", name = "$card.name" }',
                     'request = { id_number = "$card.id_number" }')
    assert "journey step 5 (query): request: tax.query_income_records requires name" in message


def test_card_data_used_before_the_card_is_read(tmp_path):
    message = broken(tmp_path, 'kind = "card"\n', 'kind = "rate"\n')
    assert "journey step 5 (query): request.id_number: 'card.id_number' is used before any card step reads the card" in message


def test_widget_must_match_the_contract_type(tmp_path):
    message = broken(tmp_path, 'widget = "stepper"', 'widget = "keypad"')
    assert "fields.0.widget: 'keypad' enters string, but year_from is integer" in message


def test_template_with_an_unknown_filter(tmp_path):
    message = broken(tmp_path, '{reply.totals.tax_withheld|yuan}', '{reply.totals.tax_withheld|upper}')
    assert "journey step 7 (print): document.totals.0.value: unknown filter 'upper'" in message


def test_template_with_an_unknown_code_table(tmp_path):
    message = broken(tmp_path, '|code:income_item}" },\n  { label = { zh_CN = "收入',
                     '|code:income_items}" },\n  { label = { zh_CN = "收入')
    assert "no code table 'income_items'" in message


def test_a_query_cannot_call_a_submission(tmp_path):
    message = broken(tmp_path, 'id = "records"\noperation = "tax.query_income_records"',
                     'id = "records"\noperation = "tax.issue_payment_certificate"')
    assert "operation: tax.issue_payment_certificate is a submission; use a submit step" in message


def test_a_journey_ends_with_farewell(tmp_path):
    message = broken(tmp_path, '[[journey.steps]]\nkind = "farewell"\n', '')
    assert "the last step must be 'farewell'" in message


def test_a_face_step_needs_the_camera(tmp_path):
    message = broken(tmp_path, 'devices = ["idcard", "camera"]', 'devices = ["idcard"]')
    assert "devices: the journey needs camera, idcard" in message


def test_the_python_kiosk_refuses_to_start_on_a_broken_definition(tmp_path):
    import subprocess
    import sys

    services = tmp_path / "services"
    services.mkdir()
    (services / "tax_records.toml").write_text(TAX.read_text(encoding="utf-8").replace('kind = "rate"', 'kind = "x"'),
                                               encoding="utf-8")
    from kiosk.catalog import CatalogError as _  # noqa: F401  (the module the kiosk reports through)
    run = subprocess.run([sys.executable, "-c", "import sys; from kiosk.catalog import load_catalog, CatalogError\n"
                          f"try:\n    load_catalog(__import__('pathlib').Path({str(services)!r}))\n"
                          "except CatalogError as e:\n    print(e); sys.exit(78)"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 78 and run.stdout.count("\n") == 1 and "unknown step kind 'x'" in run.stdout


# -- every definition through the engine, against the reference backend --------------------------

class WalkingRunner:
    """Carries out effects synchronously against the reference backend (no devices): a walk of a
    definition as a citizen who agrees, is verified, accepts the defaults and prints."""

    def __init__(self, backends: Backends, sim=None) -> None:
        self.backends = backends
        self.sim = sim  # the reference backend's simulated phone confirms hand-offs
        self.pending: list[tuple[int, object]] = []
        self.calls: list[str] = []

    def run(self, token, effect):
        if not isinstance(effect, (Speak, CancelFace)):
            self.pending.append((token, effect))

    def printer_ready(self, printer="receipt"):
        return True

    def render(self, document, scope, codes):
        from kiosk.journeys.document import render_document
        from drivers.printer.receipt import Origin

        return render_document(document, scope, codes, lambda t: t["zh_CN"], Origin.now("厅", "T"), "补打")

    def ticket_document(self, ticket, queue):
        return ticket

    def session_ended(self):
        pass

    def answer(self, effect) -> Outcome:
        if isinstance(effect, Call):
            self.calls.append(effect.operation)
            return Outcome(True, self.backends.call(effect.operation, effect.body))
        if isinstance(effect, Enqueue):
            self.calls.append(effect.operation)
            self.backends.call(effect.operation, effect.body)
            return Outcome(True, "LOCAL-0001")
        if isinstance(effect, Print):
            assert effect.receipt.title  # rendered without error
            return Outcome(True)
        if isinstance(effect, IssueTicket):
            return Outcome(True, self.backends.hall.ticket(effect.queue))
        if isinstance(effect, After):  # a pause between two status requests: over at once
            return Outcome(True)
        if isinstance(effect, CreateOrder):  # the citizen pays at once with the phone
            order = self.backends.payment.create_order(effect.fee_id, effect.amount, "T-1")
            self.backends.sim.pay(order.order_id)
            return Outcome(True, order)
        if isinstance(effect, CheckOrder):
            return Outcome(True, self.backends.payment.order(effect.order_id))
        if isinstance(effect, Sign):  # the examples' terminal: the reference backend knows its key
            return Outcome(True, EXAMPLE_TERMINAL.envelope(effect.form, effect.strokes, effect.face_check,
                                                           datetime.datetime.now().astimezone().replace(microsecond=0),
                                                           effect.signer))
        raise AssertionError(f"unexpected {effect!r}")


@pytest.fixture(scope="module")
def sim_backends(tmp_path_factory):
    with launch(tmp_path_factory.mktemp("sim")) as sim:
        backends = Backends(transports(sim.base_url), sim=sim)
        yield backends, sim
        backends.close()


def demo_card(party: str | None = None):
    """The demo citizen's card; a second party (``party = "lessee"``) places another citizen's."""
    fixture = load_fixture("demo_citizen" if party is None else "demo_second_citizen")
    return parse_card(fixture.text, fixture.photo)


@pytest.mark.parametrize("service", [s for s in load_catalog() if s.plan is not None], ids=lambda s: s.id)
def test_every_definition_walks_to_the_farewell_against_the_reference_backend(service, sim_backends):
    session, runner = CitizenSession(60, 20), WalkingRunner(*sim_backends)
    engine = JourneyEngine(session, {service.id: service.plan}, runner, load_contract(), face_attempts=3,
                           terminal_id="T-1", today=datetime.date.today)
    session.start()
    session.choose(service.id)
    engine.begin(service.id)
    seen, phoned = [], set()
    for _ in range(60):
        kind = engine.kind
        seen.append(kind)
        handoff = engine.data.handoff if kind == "handoff" else None
        if handoff is not None and handoff.state == "waiting" and handoff.values["handoff_id"] not in phoned:
            runner.sim.handoff("confirm", handoff.values["handoff_id"])  # the citizen signs on the phone
            phoned.add(handoff.values["handoff_id"])
        if runner.pending:
            token, effect = runner.pending.pop(0)
            if isinstance(effect, StartFace):
                engine.face_decided(token, "accept")
            else:
                engine.effect_done(token, runner.answer(effect))
        elif kind == "consent":
            engine.action("agree")
        elif kind == "card":
            engine.card_placed(demo_card(engine.step.party), photo=b"photo")
        elif kind == "form":
            for name, value in data.own_papers(engine.data.card.id_number).items():
                if name in {f.name for f in engine.step.settings.fields}:
                    engine.action("set", name=name, value=value)
            # what the defaults leave empty, the citizen enters (the reference backend's example values)
            for name in FormStep.errors(engine.step, engine):
                engine.action("set", name=name, value=entry_for(engine.step.settings.operation, name))
            assert not FormStep.errors(engine.step, engine), f"{service.id}: the defaults do not pass"
            engine.action("next")
        elif kind == "signature":
            engine.action("sign", strokes=drawn_signature(strokes=2 + seen.count("signature")))  # each signer's own
        elif kind == "choose":
            usable = [row for row in engine.step.options(engine, lambda t: t.zh_CN, {}) if row.enabled]
            assert usable, f"{service.id}: the reference backend offers nothing to choose at {engine.step.id}"
            engine.action("pick", value=usable[0].value)
            engine.action("next")
        elif kind == "send":  # one that asks first: yes (then Continue, if it says what it did)
            engine.action("next" if engine.step.passes(engine) else "send")
        elif kind == "print":
            engine.action("print")
            if not runner.pending:
                engine.action("next")
        elif kind == "rate":
            engine.action("send", level="satisfied")
        elif kind == "farewell":
            engine.action("finish")
            break
        else:
            engine.action("next")
        assert not engine.view.notice.startswith("Something went wrong"), engine.view.notice
    assert session.step is Step.ATTRACT and seen[-1] == "farewell"
    every_kind = {s.kind for s in service.plan.steps if s.when is None}  # a conditional step has its own tests
    assert every_kind <= set(seen), f"steps never reached: {every_kind - set(seen)}"


def test_a_print_step_names_a_printer_the_kiosk_has(tmp_path):
    services = tmp_path / "services"
    services.mkdir()
    source = (SERVICES_DIR / "tax_records.toml").read_text(encoding="utf-8")
    assert 'printer = "a4"' in source
    (services / "tax_records.toml").write_text(source.replace('printer = "a4"', 'printer = "laser"'), encoding="utf-8")
    with pytest.raises(CatalogError) as refused:
        load_catalog(services)
    assert "tax_records.toml" in str(refused.value) and "printer" in str(refused.value)
