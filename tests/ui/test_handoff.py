"""The phone hand-off screen in the real app: the QR code a phone can scan, the instructions and the
countdown; the reference backend's simulated phone confirms, refuses, or lets the time run out.

The step kind is exercised here on a journey of its own (consent, card, hand-off, rating), put in
place of the tax records journey for the test; services that use it are walked by their own tests."""
import pytest

from kiosk.backends.contract import load_contract
from kiosk.journeys.definition import compile_journey
from tests.qr import decode_qr
from tests.ui.journey import start_service

pytestmark = pytest.mark.ui
T = {"zh_CN": "在手机上签名", "zh_HK": "在手機上簽名", "en": "Sign on your phone"}
INSTRUCTIONS = {"zh_CN": "打开手机上的官方应用\n扫描二维码\n核对内容后刷脸签名", "zh_HK": "打開手機上的官方應用程式\n掃描二維碼\n核對內容後刷臉簽名",
                "en": "Open the official app on your phone\nScan the code\nCheck and sign with the face check"}
JOURNEY = {"queue": "registration", "steps": [
    {"kind": "consent", "purpose": T},
    {"kind": "card"},
    {"kind": "handoff", "title": T, "start": "registration.query_signing_code",
     "start_request": {"id_number": "$card.id_number", "name": "$card.name",
                       "purpose": "sole_proprietor_registration"},
     "status": "registration.query_signing_status", "status_request": {"handoff_id": "$handoff.handoff_id"},
     "instructions": INSTRUCTIONS, "poll_s": 1},
    {"kind": "rate"},
    {"kind": "farewell"},
]}


@pytest.fixture
def at_handoff(ui, monkeypatch):
    """The citizen at the hand-off, its QR code on the screen."""
    app = ui.app
    monkeypatch.setitem(app.journey.plans, "tax_records", compile_journey("tax_records", JOURNEY, load_contract()))
    start_service(ui)
    ui.tap("consent agree")
    app.runtime.idcard.simulator.place("demo_citizen")
    waiting(ui)
    return ui


def waiting(ui):
    app = ui.app
    ui.until(lambda: app.current_step == "handoff" and app.journey.data.handoff is not None
             and app.journey.data.handoff.state == "waiting" and ui.find("handoff qr").texture is not None,
             timeout=20, what="the QR code")


def test_the_phone_confirms_and_the_journey_goes_on(at_handoff, tmp_path):
    ui = at_handoff
    app, sim = ui.app, ui.app.runtime.backends.sim
    texts = ui.texts()
    assert "1. 打开手机上的官方应用" in texts[texts.index("在手机上签名") + 1]
    assert "第3步，共5步：在手机上签名" in texts
    assert any(t.startswith("剩余时间：2:5") or t == "剩余时间：3:00" for t in texts), texts  # 180 s from the backend
    assert "请用手机扫描二维码，按应用里的提示操作。完成后本屏幕会自动进入下一步。" in texts
    assert decode_qr(ui.screenshot(tmp_path / "handoff.png")) == app.journey.data.handoff.values["qr_content"]
    assert app.context.session.working  # the idle timer waits for the phone
    sim.handoff("confirm")
    ui.until(lambda: app.current_step == "rate", timeout=10, what="the confirmation from the phone")
    assert app.journey.data.handoff.state == "confirmed"


def test_refused_on_the_phone_says_nothing_was_signed_and_offers_a_new_code(at_handoff):
    ui = at_handoff
    app = ui.app
    first = app.journey.data.handoff.values["qr_content"]
    assert ui.find("handoff retry").opacity == 0
    app.runtime.backends.sim.handoff("refuse")
    ui.until(lambda: app.journey.data.handoff.state == "refused", timeout=10, what="the refusal")
    ui.pump()
    assert "手机上没有确认，没有签署任何内容。请按“重试”获取新的二维码，或者按“返回”。" in ui.texts()
    assert ui.find("handoff qr").texture is None and not [t for t in ui.texts() if t.startswith("剩余时间")]
    ui.tap("handoff retry")
    waiting(ui)
    assert app.journey.data.handoff.values["qr_content"] != first


def test_the_time_running_out_offers_try_again_and_a_way_back(at_handoff):
    ui = at_handoff
    app = ui.app
    app.runtime.backends.sim.handoff("expire")
    ui.until(lambda: app.journey.data.handoff.state == "expired", timeout=10, what="the time-out")
    ui.pump()
    assert "时间到了，手机上还没有确认，没有签署任何内容。请按“重试”获取新的二维码。" in ui.texts()
    assert ui.find("handoff retry").opacity == 1 and not app.context.session.working
    ui.tap("back")
    assert app.current_step == "consent"
