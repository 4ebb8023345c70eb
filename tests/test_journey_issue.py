"""The ``send`` step issuing a document the department issues while the citizen waits and the official
document's layout: one key per question, so no retry issues twice; reprints marked; the
verification code printed and the QR holding the verification link."""

import pytest

from drivers.printer.layout import QrBlock, TextLine, lay_out
from drivers.printer.receipt import Origin
from kiosk.backends.contract import load_contract
from kiosk.backends.errors import FieldError
from kiosk.catalog import load_catalog
from kiosk.journeys.definition import DefinitionError, compile_journey
from kiosk.journeys.document import render_document
from kiosk.journeys.effects import Call, Outcome, Print
from kiosk.journeys.steps.backend import MSG as BACKEND_MSG
from kiosk.journeys.steps.send import MSG
from kiosk.journeys.steps.paper import MSG as PAPER_MSG
from kiosk.session import CitizenSession
from tests.test_journey_engine import DOCUMENT, REPLY, FakeRunner, engine_for, to_records

PLAN = next(s.plan for s in load_catalog() if s.id == "tax_records")
ISSUED = DOCUMENT | {
    "issued_at": "2026-11-21T10:05:00+08:00", "tax_office": "国家税务总局广州市天河区税务局", "taxpayer_name": "测试",
    "id_number_masked": "4401**********1234", "annotations": "",
    "verification_url": "https://verify.tax.example/v?no=20264401060000000001&code=ABCDEFGH23456723",
    "records": [{"year": 2025, "month": 3, "income_item": "wages", "income_item_name": "工资薪金",
                 "payer_name": "广州白云国际物流有限公司", "payer_tax_id": "91440101MA5C0F8Q3X",
                 "income": "12000.00", "tax_withheld": "345.00"}],
    "totals": {"income": "12000.00", "tax_withheld": "345.00"}}


@pytest.fixture
def at_issue():
    session, runner = CitizenSession(60, 20), FakeRunner()
    engine = engine_for(session, runner)
    session.start()
    session.choose("tax_records")
    engine.begin("tax_records")
    to_records(session, runner, engine)
    engine.action("next")
    assert engine.kind == "send" and not engine.view.busy and not runner.last(Call)[1].operation.startswith("tax.issue")
    return session, runner, engine


def issue_calls(runner):
    return [e for e in runner.all(Call) if e.operation == "tax.issue_income_record"]


def test_try_again_after_a_failure_reuses_the_key_so_nothing_is_issued_twice(at_issue):
    session, runner, engine = at_issue
    engine.action("send")
    engine.action("send")  # a second touch while it runs does not send again
    assert len(issue_calls(runner)) == 1 and engine.view.busy and engine.view.notice == MSG["sending"]
    engine.effect_done(runner.last(Call)[0], Outcome(False, msgid="The tax service is not answering."))
    assert engine.kind == "send" and engine.view.notice == "The tax service is not answering."
    engine.action("retry")
    first, second = issue_calls(runner)
    assert first.idempotency_key == second.idempotency_key and first.body == second.body


def test_other_years_are_another_question_with_another_key(at_issue):
    session, runner, engine = at_issue
    engine.action("send")
    engine.action("cancel")  # the citizen does not wait: nothing to print, Issue offered again
    assert not engine.view.busy and engine.kind == "send"
    engine.back()
    engine.back()
    assert engine.kind == "form"
    engine.action("set", name="year_from", value=2023)
    engine.action("next")
    engine.effect_done(runner.last(Call)[0], Outcome(True, REPLY))
    engine.action("next")
    engine.action("send")
    first, second = issue_calls(runner)
    assert first.idempotency_key != second.idempotency_key and second.body["year_from"] == 2023


def test_issued_document_is_not_asked_for_again_going_back_and_forth(at_issue):
    session, runner, engine = at_issue
    engine.action("send")
    engine.effect_done(runner.last(Call)[0], Outcome(True, ISSUED))
    assert engine.kind == "print"
    engine.action("back")
    assert engine.kind == "query"  # the issue step is done: Back skips it
    engine.action("next")
    assert engine.kind == "print" and len(issue_calls(runner)) == 1
    assert session.data.receipt_no == ISSUED["document_no"]


def test_refused_request_says_so_and_stays(at_issue):
    session, runner, engine = at_issue
    engine.action("send")
    engine.effect_done(runner.last(Call)[0], Outcome(False, msgid="x", fields=(FieldError("id_number", "checksum"),)))
    assert engine.kind == "send" and engine.view.notice == FieldError("id_number", "checksum").msgid


def test_a_second_print_after_a_failed_one_is_marked_as_a_reprint(at_issue):
    session, runner, engine = at_issue
    runner.render = lambda document, scope, codes: render_document(
        document, scope, codes, lambda t: t["zh_CN"], Origin.now("厅", "T"), "补打")
    engine.action("send")
    engine.effect_done(runner.last(Call)[0], Outcome(True, ISSUED))
    engine.action("print")
    first = runner.last(Print)
    assert not first[1].receipt.reprint
    engine.effect_done(first[0], Outcome(False))
    assert engine.view.print_state == "failed" and engine.view.notice == PAPER_MSG["print_failed"]
    engine.action("print")
    assert runner.last(Print)[1].receipt.reprint


def official(reply, lang="zh_CN"):
    document = PLAN.steps[PLAN.index_of("print")].settings.document
    scope = {"reply": reply, "card": None, "form": {}, "receipt_no": reply["document_no"]}
    return render_document(document, scope, PLAN.codes, lambda t: t[lang], Origin.now("天河政务大厅", "T-1"), "补打")


def test_official_record_layout_code_qr_annotations_and_reprint_mark():
    receipt = official(ISSUED)
    text = "\n".join(b.text for b in lay_out(receipt, 48) if isinstance(b, TextLine))
    assert text.index("中华人民共和国") < text.index("个人所得税纳税记录") < text.index("（原《税收完税证明》）")
    assert "查验码" in text and "ABCDEFGH23456723" in text and "20264401060000000001" in text
    assert "补打" not in text and "滞纳金" not in text
    assert [b.data for b in lay_out(receipt, 48) if isinstance(b, QrBlock)] == [ISSUED["verification_url"]]
    marked = official(ISSUED | {"reprint": True, "annotations": "2022年度综合所得汇算应补税款10.00元未缴纳，已依法加收滞纳金。"})
    text = "\n".join(b.text for b in lay_out(marked, 48) if isinstance(b, TextLine))
    assert text.startswith("** 补打 **") and "已依法加收滞纳金" in text.replace("\n", "")


def test_receipt_must_be_a_property_of_the_reply():
    raw = {"queue": "tax", "steps": [
        {"kind": "card"},
        {"kind": "send", "operation": "tax.issue_income_record", "receipt": "receipt_number",
         "request": {"id_number": "$card.id_number", "name": "$card.name", "year_from": 2024, "year_to": 2025}},
        {"kind": "farewell"}]}
    with pytest.raises(DefinitionError, match="receipt: the reply of tax.issue_income_record has no 'receipt_number'"):
        compile_journey("x", raw, load_contract())
    raw["steps"][1] |= {"receipt": "document_no", "operation": "tax.query_income_records"}
    with pytest.raises(DefinitionError, match="is a query; use a query step"):
        compile_journey("x", raw, load_contract())


def test_a_refused_field_of_an_earlier_form_sends_the_citizen_back_to_it(at_issue):
    session, runner, engine = at_issue
    engine.action("send")
    engine.effect_done(runner.last(Call)[0], Outcome(False, msgid="x", fields=(FieldError("year_from", "out_of_range"),)))
    assert engine.kind == "form" and "year_from" in engine.view.errors and engine.view.notice == BACKEND_MSG["refused"]


def test_done_and_decline_answer_a_question_so_they_need_confirm():
    texts = {"zh_CN": "好", "zh_HK": "好", "en": "Done"}
    raw = {"queue": "tax", "steps": [
        {"kind": "card"},
        {"kind": "send", "operation": "tax.issue_income_record", "receipt": "document_no", "done": texts,
         "request": {"id_number": "$card.id_number", "name": "$card.name", "year_from": 2024, "year_to": 2025}},
        {"kind": "farewell"}]}
    with pytest.raises(DefinitionError, match="done, decline: they answer a question"):
        compile_journey("x", raw, load_contract())
    raw["steps"][1] |= {"confirm": texts, "confirm_label": texts, "decline": texts}
    assert compile_journey("x", raw, load_contract()).steps[1].interactive
