"""Individual business registration (个体工商户设立登记) end to end in the real app: the operator's
data prefilled from the card and the records, the premises, the business scope searched by pinyin
initials, a name checked by the registration office, the review, the real-name signature on the
phone (the reference backend's simulated app confirms the QR hand-off), the submission, the
printed receipt read back from the virtual printer, the rating; and the failure branches."""
import gc

import pytest

from backend_sim.data import profile
from tests.qr import decode_qr
from tests.ui.test_tax_journey import DEMO_ID, DEMO_NAME, visible_texts_everywhere

pytestmark = pytest.mark.ui
SERVICE = "business_registration"
RECORDS = profile(DEMO_ID, DEMO_NAME)  # what the reference backend holds about the demo citizen


def to_operator_form(ui):
    """Attract -> the guide -> consent -> card -> face -> the prefilled operator form."""
    app = ui.app
    ui.tap("call to action")
    ui.tap(f"service {SERVICE}")
    ui.tap("start service")
    ui.tap("consent agree")
    app.runtime.idcard.simulator.place("demo_citizen")
    ui.until(lambda: app.current_step == "face", what="the face step")
    ui.until(lambda: app.current_step == "form" and app.journey.step.id == "operator", timeout=90,
             what="the face check to accept and the records to be fetched")


def to_name_form(ui, letters="RY", scope="5211"):
    """On through the premises (from the records) and the business scope, searched by initials."""
    app = ui.app
    to_operator_form(ui)
    ui.tap("form next")
    assert app.journey.step.id == "premises"
    ui.tap("form next")
    ui.until(lambda: app.current_step == "choose" and not app.journey.view.busy, what="the scope catalogue")
    for letter in letters:
        ui.tap(f"letter {letter}")
    ui.tap(f"option {scope}")
    ui.tap("choose next")
    assert app.journey.step.id == "name"


def type_into(ui, field: str, text: str) -> None:
    ui.find(f"{field} input").text = text
    ui.pump()


def test_whole_application_signed_on_the_phone_submitted_and_printed(ui, tmp_path):
    app, runtime = ui.app, ui.app.runtime
    engine, session = app.journey, app.context.session
    printer, sim = runtime.printer.virtual_printer, runtime.backends.sim
    jobs_before = len(printer.jobs)
    to_operator_form(ui)
    # Prefilled: the residence from the card, the phone from the records; both can be changed.
    assert ui.find("residence input").text == "广东省广州市天河区测试大道1号"
    assert ui.find("phone value").text == RECORDS["phone"]
    ui.tap("form next")
    address = RECORDS["address"]
    assert ui.find("premises_street input").text == address["street"]
    assert ui.find("premises_detail input").text == address["detail"]
    ui.tap("form next")

    ui.until(lambda: app.current_step == "choose" and not engine.view.busy, what="the scope catalogue")
    assert "经营范围" in ui.texts()
    for letter in "CYF":  # 餐饮服务 (Can Yin Fu wu), not 茶叶零售 (CY...) nor 餐饮配送服务 (CYP...)
        ui.tap(f"letter {letter}")
    shown = [w.text for w in ui.walk() if getattr(w, "test_name", "").startswith("option ")]
    assert shown == ["餐饮服务\n需另办食品经营许可证"], shown
    ui.tap("option 6210")
    for _ in "CYF":
        ui.tap("letter back")
    ui.tap("letter R")
    ui.tap("letter Y")  # 日用百货销售
    ui.tap("option 5211")
    ui.tap("choose next")
    assert session.data.form["business_scope"] == ["6210", "5211"]

    type_into(ui, "trade_name", "晓峰")
    ui.tap("form next")
    ui.until(lambda: app.current_step == "query" and not engine.view.busy, what="the name check")
    full_name = f"广州市{address['district']}晓峰餐饮店"
    assert f"这个名称可以使用：\n{full_name}" in ui.texts()
    ui.tap("next")

    assert engine.step.id == "operation"
    ui.tap("capital key ⌫")
    for digit in "30000":
        ui.tap(f"capital key {digit}")
    ui.tap("employees plus")
    ui.tap("form next")
    assert app.current_step == "review"
    review = " ".join(ui.texts())
    for shown in ("晓峰", "日用百货销售; 餐饮服务", "个人经营", "30000", address["detail"]):
        assert shown in review, shown

    ui.tap("review confirm")
    ui.until(lambda: app.current_step == "handoff" and engine.data.handoff.state == "waiting"
             and ui.find("handoff qr").texture is not None, timeout=20, what="the QR code")
    handoff = engine.data.handoff
    handoff_id = handoff.values["handoff_id"]
    assert decode_qr(ui.screenshot(tmp_path / "sign.png")) == handoff.values["qr_content"]
    assert "2. 扫描屏幕上的二维码" in ui.find("handoff instructions").text
    sim.handoff("confirm")  # the citizen signs in the official app
    ui.until(lambda: app.current_step == "print", timeout=20, what="the submission")
    receipt_no = session.data.receipt_no
    assert receipt_no.startswith(app.context.settings.kiosk.terminal_id)
    reply = dict(session.data.reply)  # the office answered while the citizen waited
    assert reply["delivery"] == "delivered" and reply["application_no"].startswith("DJ") and reply["expected_by"]

    ui.tap("print")
    ui.until(lambda: engine.view.print_state == "printed", timeout=40, what="printing")
    assert printer.wait_for_jobs(jobs_before + 1, 5)
    job = printer.jobs[-1]
    printed = "\n".join(job.text_lines)
    for line in ("个体户登记申请回执", receipt_no, "晓峰", "餐饮服务", "食品经营许可证", "日用百货销售",
                 f"{address['district']}{address['street']}{address['detail']}", "个人经营", "已在手机上完成",
                 "1到3个工作日", f"受理编号：{reply['application_no']}", f"预计办结：{reply['expected_by']}",
                 "已受理，等待审核"):
        assert line in printed, line
    assert DEMO_ID not in printed and "?" not in printed
    assert decode_qr(job.png_path) == receipt_no

    # The application reaches the registration office through the outbox, with the signature it names.
    def delivered():
        return [s for s in sim.submissions()["submissions"]
                if s["operation"] == "registration.register_sole_proprietor" and s["status"] == 202]
    before = len(delivered())
    ui.tap("done")
    ui.tap("level very_satisfied")
    ui.tap("send rating")
    runtime.idcard.simulator.remove()
    ui.until(lambda: app.current_step == "attract", what="the card to be taken")
    ui.until(lambda: len(delivered()) >= max(before, 1), timeout=30, what="the application at the office")
    assert runtime.backends.call("registration.query_signing_status", {"handoff_id": handoff_id}) \
        ["status"] == "confirmed"

    # Nothing of the citizen is left in the app.
    assert session.data.is_empty() and handoff.values == {}
    gc.collect()
    assert not [t for t in visible_texts_everywhere(app) if DEMO_ID in t or "晓峰" in t or address["detail"] in t]


def test_a_name_already_taken_is_explained_on_the_form(ui):
    app = ui.app
    to_name_form(ui)
    type_into(ui, "trade_name", "鸿运")  # registered in every district of the reference backend
    ui.tap("form next")
    ui.until(lambda: app.current_step == "form" and not app.journey.view.busy, what="back to the name")
    assert app.journey.step.id == "name"
    texts = ui.texts()
    assert "本区已经有叫这个名字的个体户了，请换一个字号。" in texts
    type_into(ui, "trade_name", "广州")  # a place name
    ui.tap("form next")
    ui.until(lambda: app.current_step == "form" and not app.journey.view.busy, what="back to the name")
    assert any("不能用县级以上地名" in t for t in ui.texts())
    type_into(ui, "trade_name", "")  # no name at all: no check
    ui.tap("form next")
    assert app.journey.step.id == "operation"


def test_a_family_business_offers_the_household_on_record(ui):
    app = ui.app
    to_name_form(ui)
    ui.tap("form next")
    ui.tap("organisation_form family")
    ui.tap("form next")
    ui.until(lambda: app.current_step == "choose" and not app.journey.view.busy, what="the household")
    members = [m["name"] for m in RECORDS["household"] if m["relation"] != "head"]
    assert members  # the demo citizen's records name a spouse
    texts = " ".join(ui.texts())
    assert all(name in texts for name in members) and DEMO_NAME not in [t.strip() for t in ui.texts()]
    ui.tap("back")
    assert app.journey.step.id == "operation"
