"""The business registration journey (assets/services/business_registration.toml) through the
engine: what each step asks and sends, the optional name checked only when given, a refused name
explained on its form, and the submission naming the signature confirmed on the phone."""
import datetime

import pytest

from kiosk.backends.contract import load_contract
from kiosk.backends.errors import FieldError
from kiosk.catalog import load_catalog
from kiosk.journeys.definition import DefinitionError, compile_journey
from kiosk.journeys.effects import After, Call, Enqueue, Outcome, StartFace
from kiosk.journeys.engine import JourneyEngine
from kiosk.journeys.steps.backend import MSG
from kiosk.session import CitizenSession
from kiosk.signing import document_digest
from kiosk.texts import Texts
from tests.test_journey_engine import FakeCard, FakeRunner

SERVICE = "business_registration"
PLAN = next(s.plan for s in load_catalog() if s.id == SERVICE)
RECORDS = {"phone": "13800138000", "address": {"district": "海珠区", "street": "赤岗街道", "detail": "体育西路390号"},
           "household": [{"relation": "head", "name": "测试"}]}
SCOPES = [{"code": "5211", "name": "日用百货销售", "name_en": "Daily necessities", "industry": "百货零售", "trade": "百货",
           "licence": "", "licence_note": "无需另办许可证", "licence_note_en": "No other licence needed"}]


@pytest.fixture
def engine():
    session, runner = CitizenSession(60, 20), FakeRunner()
    engine = JourneyEngine(session, {SERVICE: PLAN}, runner, load_contract(), face_attempts=3, terminal_id="T-1")
    engine.runner_effects = runner
    session.start()
    session.choose(SERVICE)
    engine.begin(SERVICE)
    engine.action("agree")
    card = FakeCard()
    card.address = "广东省广州市天河区测试大道1号"
    engine.card_placed(card, photo=b"p")
    engine.face_decided(runner.last(StartFace)[0], "accept")
    engine.effect_done(runner.last(Call)[0], Outcome(True, RECORDS))  # prefill
    return engine


def answer(engine, outcome):
    token, effect = engine.runner_effects.last(Call)
    engine.effect_done(token, outcome)
    return effect


def to_name(engine):
    assert engine.step.id == "operator"
    assert engine.data.form == {"residence": "广东省广州市天河区测试大道1号", "phone": "13800138000"}
    engine.action("next")
    assert engine.step.id == "premises"
    assert engine.data.form["premises_district"] == "海珠区" and engine.data.form["premises_detail"] == "体育西路390号"
    engine.action("next")
    assert engine.step.id == "scope"
    answer(engine, Outcome(True, {"scopes": SCOPES}))
    engine.action("pick", value="5211")
    engine.action("next")
    assert engine.step.id == "name"


def test_without_a_name_there_is_no_name_check(engine):
    to_name(engine)
    calls = len(engine.runner_effects.all(Call))
    engine.action("next")
    assert engine.step.id == "operation" and len(engine.runner_effects.all(Call)) == calls


def test_a_name_is_checked_with_the_premises_district_and_the_scope(engine):
    to_name(engine)
    engine.action("set", name="trade_name", value="晓敏")
    engine.action("next")
    call = answer(engine, Outcome(True, {"trade_name": "晓敏", "full_name": "广州市海珠区晓敏百货店"}))
    assert call.operation == "registration.query_trade_name"
    assert call.body == {"trade_name": "晓敏", "premises_district": "海珠区", "business_scope": ["5211"]}
    assert engine.step.id == "name_check" and engine.data.reply["full_name"] == "广州市海珠区晓敏百货店"


def test_a_taken_name_goes_back_to_its_form_with_the_definitions_explanation(engine):
    to_name(engine)
    engine.action("set", name="trade_name", value="鸿运")
    engine.action("next")
    answer(engine, Outcome(False, msgid="check", fields=(FieldError("trade_name", "taken"),)))
    assert engine.step.id == "name" and engine.view.notice == MSG["refused"]
    explained, _ = engine.view.errors["trade_name"]
    assert isinstance(explained, Texts) and "本区已经有叫这个名字的个体户了" in explained.zh_CN
    engine.action("set", name="trade_name", value="晓敏")
    assert "trade_name" not in engine.view.errors


def test_a_refusal_the_definition_does_not_explain_gives_the_departments_reason(engine):
    to_name(engine)
    engine.action("set", name="trade_name", value="晓敏")
    engine.action("next")
    answer(engine, Outcome(False, msgid="check", fields=(FieldError("trade_name", "too_long"),)))
    assert engine.step.id == "name" and engine.view.errors["trade_name"] == (FieldError("trade_name", "too_long").msgid, {})


def test_the_submission_names_the_confirmed_signature(engine):
    to_name(engine)
    engine.action("next")
    engine.action("next")  # individual, capital 0, no employees
    assert engine.kind == "review"
    engine.action("next")
    start = answer(engine, Outcome(True, {"handoff_id": "h" * 32, "qr_content": "https://x.example/h", "expires_in_s": 120}))
    assert start.body["purpose"] == "sole_proprietor_registration" and len(start.body["document_digest"]) == 64
    engine.effect_done(engine.runner_effects.last(After)[0], Outcome(True))
    answer(engine, Outcome(True, {"handoff_id": "h" * 32, "status": "confirmed", "expires_in_s": 60}))
    token, enqueue = engine.runner_effects.last(Enqueue)
    assert enqueue.operation == "registration.register_sole_proprietor"
    assert enqueue.body["signing_id"] == "h" * 32 and enqueue.body["business_scope"] == ["5211"]
    assert not load_contract().body_errors(load_contract().operation(enqueue.operation), enqueue.body)
    assert "document_digest" not in enqueue.body
    # what was confirmed on the phone is exactly what the department receives (without the hand-off's id)
    assert start.body["document_digest"] == document_digest({k: v for k, v in enqueue.body.items() if k != "signing_id"})
    # the department finds it changed meanwhile: back to the phone, told why, a new code
    engine.effect_done(token, Outcome(True, ("R-1", "rejected", {}, (FieldError("signing_id", "changed"),))))
    assert engine.kind == "handoff" and engine.view.notice == FieldError("signing_id", "changed").msgid
    assert "confirm it on your phone again" in engine.view.notice
    assert engine.runner_effects.last(Call)[1].operation == "registration.query_signing_code"


def receipt_of(reply: dict):
    from drivers.printer.receipt import Origin
    from kiosk.journeys.document import render_document

    document = next(s for s in PLAN.steps if s.kind == "print").settings.document
    scope = {"receipt_no": "T-1-0001", "reply": reply, "card": {"name": "测试", "id_number": "440106199005209986"},
             "form": {"organisation_form": "individual"}, "handoff": {"status": "confirmed"}, "picked": {"scope": []}}
    return render_document(document, scope, PLAN.codes, lambda texts: texts["zh_CN"],
                           Origin("厅", "T-1", datetime.datetime(2026, 11, 23, 10, 0)), "补打")


def test_the_receipt_gives_the_offices_number_and_time_or_says_plainly_it_is_queued():
    answered = dict(receipt_of({"receipt_no": "T-1-0001", "delivery": "delivered", "application_no": "DJ20261123000001",
                                "expected_by": "2026-11-26"}).fields)
    assert answered["受理编号"] == "DJ20261123000001" and answered["预计办结"] == "2026-11-26"
    assert answered["办理状态"] == "已受理，等待审核" and answered["本机回执号"] == "T-1-0001"
    queued = dict(receipt_of({"receipt_no": "T-1-0001", "delivery": "pending"}).fields)
    assert "受理编号" not in queued and "预计办结" not in queued  # no number the office has not given
    assert "受理编号会短信通知您" in queued["办理状态"] and "办理进度查询" in queued["办理状态"]
    assert queued["本机回执号"] == "T-1-0001"


def test_refusal_codes_are_contract_codes():
    raw = {"queue": "registration", "steps": [
        {"kind": "query", "operation": "hall.list_queues", "refusals": {"Taken!": {"zh_CN": "x", "zh_HK": "x", "en": "x"}}},
        {"kind": "farewell"}]}
    with pytest.raises(DefinitionError, match=r"refusals.Taken!: a field error code"):
        compile_journey("x", raw, load_contract())
