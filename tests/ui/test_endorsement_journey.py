"""The HK/Macau endorsement end to end in the real app: card, face, the permit number on the
keypad, the backend's endorsements, review, paying the QR code with the simulated gateway (the
demo key ``$``), the acknowledgement and the payment slip decoded from the virtual printer."""
import pytest

from backend_sim import data
from drivers.idcard.simcards import load_fixture
from drivers.idcard.card import parse_card
from tests.qr import decode_qr

pytestmark = pytest.mark.ui
_card = parse_card(*(lambda f: (f.text, f.photo))(load_fixture("demo_citizen")))
PERMIT = data.permit(_card.id_number)[0]
del _card



def test_apply_pay_and_print_the_acknowledgement_and_payment_slip(ui, tmp_path, monkeypatch):
    from kiosk.journeys.steps.payment import MSG as PAY_MSG

    app, runtime = ui.app, ui.app.runtime
    said = []  # what the voice is asked to say (it is off in UI tests)
    monkeypatch.setattr(app.voice, "say", lambda msgid, **_args: said.append(msgid))
    engine, printer = app.journey, runtime.printer.virtual_printer
    ui.tap("call to action")
    ui.tap("service hk_macau_endorsement")
    ui.tap("start service")
    assert any("显示付款码，您用手机缴费" in t for t in ui.texts()), ui.texts()  # the consent names the payment
    ui.tap("consent agree")
    runtime.idcard.simulator.place("demo_citizen")
    ui.until(lambda: app.current_step == "form", timeout=90, what="the card and the face check")
    for key in PERMIT[1:]:
        ui.tap(f"permit_number key {key}")
    assert ui.find("permit_number value").text == PERMIT
    ui.tap("form next")
    ui.until(lambda: app.current_step == "choose" and engine.step.rows(engine), timeout=30, what="the endorsements")
    texts = " ".join(ui.texts())
    assert "香港 个人旅游（G） 二次有效" in texts and "¥30.00" in texts and "自助签注机" in texts
    two_trips = next(r for r in engine.step.rows(engine)
                     if (r["destination"], r["endorsement_type"], r["count"]) == ("HK", "individual_visit", 2))
    ui.tap(f"option {two_trips['offer_id']}")
    ui.tap("choose next")
    assert app.current_step == "review"
    ui.tap("review confirm")

    ui.until(lambda: engine.view.pay_state == "waiting", timeout=30, what="the payment code")
    assert ui.find("pay amount").text == "¥30.00"  # the department's figure
    assert ui.find("pay countdown").text.startswith("剩余付款时间：")
    assert PAY_MSG["scan"] in said  # the step asking the citizen to pay says so
    order = engine.view.order
    assert decode_qr(ui.screenshot(tmp_path / "pay.png")) == order.qr_code
    jobs_before = len(printer.jobs)
    app._on_keyboard(None, 36, None, "$")  # the citizen pays with the phone
    ui.until(lambda: app.current_step == "print", timeout=30, what="payment and submission")
    assert engine.data.reply["delivery"] == "delivered"
    assert "签注批准后到自助签注机把签注打印到通行证上" in ui.find("print summary").text

    ui.tap("print")
    ui.until(lambda: engine.view.print_state == "printed", timeout=40, what="the acknowledgement")
    assert printer.wait_for_jobs(jobs_before + 1, 5)
    acknowledgement = "".join(printer.jobs[-1].text_lines)  # lines as printed, joined: wrapping aside
    receipt_no = engine.data.receipt_no
    assert "港澳签注受理回执" in acknowledgement and receipt_no in acknowledgement
    assert "已提交出入境管理部门" in acknowledgement and "签注还没有加在通行证上" in acknowledgement
    assert decode_qr(printer.jobs[-1].png_path) == receipt_no
    ui.tap("done")

    assert app.current_step == "print" and "已缴费 ¥30.00" in ui.find("print summary").text
    ui.tap("print")
    ui.until(lambda: engine.view.print_state == "printed", timeout=40, what="the payment slip")
    assert printer.wait_for_jobs(jobs_before + 2, 5)
    slip = "".join(printer.jobs[-1].text_lines)
    assert order.payment_code in slip and order.order_id in slip and "30.00" in slip, slip
    assert "电子缴款书可在广东公共服务支付平台查验" in slip
    assert decode_qr(printer.jobs[-1].png_path) == order.verify_url
    ui.tap("done")
    assert app.current_step == "rate"
    assert runtime.ledger.state_of(order.order_id) in ("submitted", "settled")
