"""The step kinds a form-type service is made of, each exercised on a definition written here
(residence registration as data): prefill, form pages with every widget, conditions, review,
submission through the outbox (and a refusal that returns to the form), printing."""
import datetime

import pytest

from kiosk.backends.contract import load_contract
from kiosk.backends.errors import FieldError
from kiosk.journeys.definition import DefinitionError, compile_journey
from backend_sim.examples import EXAMPLE_TERMINAL
from kiosk.journeys.effects import Call, Enqueue, Outcome, Print, Sign, StartFace
from kiosk.journeys.engine import JourneyEngine
from kiosk.session import CitizenSession
from tests.signature_support import drawn_signature
from tests.test_journey_engine import FakeCard, FakeRunner

TODAY = datetime.date(2026, 11, 21)
T = {"zh_CN": "文字", "zh_HK": "文字", "en": "Text"}
HOUSING = {k: T for k in ("rented", "owned", "employer", "school", "relatives")}
HOME = {"district_code": "440106", "street_code": "440106001", "community_code": "440106001001",
        "road_code": "440106001001001", "number_code": "440106001001001065", "room_code": "4401060010010010650302"}
RESIDENCE = {"queue": "registration", "steps": [
    {"kind": "consent", "purpose": T},
    {"kind": "card"},
    {"kind": "face"},
    {"kind": "prefill"},
    {"kind": "form", "id": "home", "operation": "registration.register_residence", "fields": [
        {"name": "phone", "widget": "keypad", "label": T, "default": "$records.phone"},
        {"name": "housing", "widget": "choice", "label": T, "options": HOUSING},
        {"name": "move_in_date", "widget": "date", "label": T, "default": "$today.iso"}]},
    {"kind": "form", "id": "work", "operation": "registration.register_residence",
     "when": {"field": "housing", "equals": "employer"},
     "fields": [{"name": "employer", "widget": "text", "label": T}]},
    {"kind": "review"},
    {"kind": "signature", "operation": "registration.register_residence", "statement": T},
    {"kind": "submit", "operation": "registration.register_residence",
     "request": {"id_number": "$card.id_number", "name": "$card.name", "reason": "family", **HOME}},
    {"kind": "print", "document": {"kind": "residence", "title": T, "qr": "{receipt_no}",
                                   "fields": [{"label": T, "value": "{form.move_in_date}"}]}},
    {"kind": "rate"},
    {"kind": "farewell"},
]}
ADDRESS = {"district": "天河区", "street": "石牌街道", "detail": "华师路1号"}


@pytest.fixture
def world():
    plan = compile_journey("residence_registration", RESIDENCE, load_contract())
    session, runner = CitizenSession(60, 20), FakeRunner()
    engine = JourneyEngine(session, {"residence_registration": plan}, runner, load_contract(), face_attempts=3,
                           terminal_id="T-1", today=lambda: TODAY)
    session.start()
    session.choose("residence_registration")
    engine.begin("residence_registration")
    engine.action("agree")
    engine.card_placed(FakeCard(), photo=b"p")
    engine.face_decided(runner.last(StartFace)[0], "accept")
    return session, runner, engine


def prefilled(runner, engine, profile=None):
    token, call = runner.last(Call)
    assert call.operation == "hall.query_profile" and engine.kind == "prefill" and engine.view.busy
    engine.effect_done(token, Outcome(True, profile if profile is not None else
                                      {"phone": "13800138000", "address": ADDRESS, "household": []}))
    assert engine.kind == "form"


def test_prefill_fills_the_form_from_the_citizens_records(world):
    session, runner, engine = world
    prefilled(runner, engine)
    assert session.data.form == {"phone": "13800138000", "move_in_date": "2026-11-21"}


def test_a_citizen_without_records_types_them(world):
    session, runner, engine = world
    engine.effect_done(runner.last(Call)[0], Outcome(False, msgid="not found"))
    assert engine.kind == "form" and "phone" not in session.data.form


def test_values_are_checked_by_the_contract(world):
    session, runner, engine = world
    prefilled(runner, engine)
    engine.action("set", name="phone", value="12345")
    engine.action("next")
    assert engine.kind == "form"
    assert set(engine.view.errors) == {"phone", "housing"}  # a bad pattern, a required choice
    engine.action("set", name="phone", value="13900139000")
    engine.action("set", name="housing", value="rented")
    assert "phone" not in engine.view.errors  # corrected: the mark goes at once
    engine.action("next")
    assert engine.kind == "review"  # the employer page only applies to employer-provided housing


def test_a_condition_adds_a_page(world):
    session, runner, engine = world
    prefilled(runner, engine)
    engine.action("set", name="housing", value="employer")
    engine.action("next")
    assert engine.kind == "form" and engine.step.id == "work"
    engine.action("next")  # the employer is optional in the contract
    assert engine.kind == "review"


def test_review_lists_everything_and_change_returns_to_the_page(world):
    session, runner, engine = world
    prefilled(runner, engine)
    engine.action("set", name="housing", value="owned")
    engine.action("next")
    entries = engine.step.entries(engine, lambda texts: texts.en, {})
    assert [(e.name, e.shown) for e in entries] == [
        ("phone", "13800138000"), ("housing", "Text"), ("move_in_date", "2026-11-21")]
    engine.action("change", step=entries[1].step)
    assert engine.kind == "form" and engine.step.id == "home"


def signed(runner, engine) -> dict:
    """Sign on the pad; the runner binds it (the examples' terminal key stands in for this one's)."""
    assert engine.kind == "signature"
    engine.action("sign", strokes=drawn_signature())
    token, sign = runner.last(Sign)
    envelope = EXAMPLE_TERMINAL.envelope(sign.form, sign.strokes, sign.face_check,
                                         datetime.datetime(2026, 11, 21, 10, 5, tzinfo=datetime.timezone.utc), sign.signer)
    engine.effect_done(token, Outcome(True, envelope))
    return envelope


def test_submission_goes_through_the_outbox_then_prints(world):
    session, runner, engine = world
    prefilled(runner, engine)
    engine.action("set", name="housing", value="rented")
    engine.action("next")
    engine.action("next")
    envelope = signed(runner, engine)
    token, enqueue = runner.last(Enqueue)
    assert enqueue.operation == "registration.register_residence" and engine.kind == "submit"
    assert enqueue.body == {"id_number": "440106199001011234", "name": "测试", "reason": "family", **HOME,
                            "phone": "13800138000", "housing": "rented", "move_in_date": "2026-11-21",
                            "signature": envelope}
    assert not load_contract().body_errors(load_contract().operation(enqueue.operation), enqueue.body)
    engine.effect_done(token, Outcome(True, "T-1-20261121-0001"))
    assert engine.kind == "print" and session.data.receipt_no == "T-1-20261121-0001"
    engine.action("print")
    assert runner.last(Print)[1].receipt == ("document", "residence", "T-1-20261121-0001")


def test_a_refused_field_returns_to_its_page_marked(world):
    session, runner, engine = world
    prefilled(runner, engine)
    engine.action("set", name="housing", value="rented")
    engine.action("next")
    engine.action("next")
    signed(runner, engine)
    engine.effect_done(runner.last(Enqueue)[0],
                       Outcome(False, msgid="check", fields=(FieldError("move_in_date", "in_future"),)))
    assert engine.kind == "form" and engine.step.id == "home" and set(engine.view.errors) == {"move_in_date"}


def test_a_failed_store_says_so_and_stays(world):
    session, runner, engine = world
    prefilled(runner, engine)
    engine.action("set", name="housing", value="rented")
    engine.action("next")
    engine.action("next")
    signed(runner, engine)
    engine.effect_done(runner.last(Enqueue)[0], Outcome(False, msgid="disk full"))
    assert engine.kind == "submit" and engine.view.notice == "disk full" and not session.data.receipt_no


def test_choice_options_must_label_exactly_the_contracts_values():
    broken = {**RESIDENCE, "steps": [dict(s) for s in RESIDENCE["steps"]]}
    broken["steps"][4] = {**broken["steps"][4], "fields": [
        {"name": "housing", "widget": "choice", "label": T, "options": {"owned": T}}]}
    with pytest.raises(DefinitionError, match=r"journey step 5 \(form\): fields.0.options: label exactly"):
        compile_journey("x", broken, load_contract())


def test_records_need_a_prefill_step_before():
    broken = {**RESIDENCE, "steps": [s for s in RESIDENCE["steps"] if s["kind"] != "prefill"]}
    with pytest.raises(DefinitionError, match=r"journey step 4 \(form\): fields.0.default: 'records.phone' is used "
                                              r"before a prefill step"):
        compile_journey("x", broken, load_contract())
