"""The first complete citizen journey, end to end in the real app with simulated devices:
personal income tax records, verified by card and face, printed, rated; and every failure branch."""
import gc
import os
import signal
from decimal import Decimal

import numpy as np
import pytest
from PIL import Image

from drivers.idcard.card import Card, parse_card
from drivers.idcard.simcards import load_fixture
from common.device_status import DeviceState
from tests.qr import decode_qr, read_a4
from tests.ui.journey import printer_state, start_service, to_card_step, to_form, to_print, to_result

pytestmark = pytest.mark.ui


def demo_card() -> Card:
    fixture = load_fixture("demo_citizen")
    return parse_card(fixture.text, fixture.photo)


_demo = demo_card()
DEMO_NAME, DEMO_ID = _demo.name, _demo.id_number
del _demo  # the tests look for Card objects left in memory



def visible_texts_everywhere(app) -> list[str]:
    """Texts of every label on every screen, shown or not (what a memory dump of the UI would hold)."""
    from kivy.uix.label import Label

    return [w.text for screen in app.manager.screens for w in screen.walk(restrict=True)
            if isinstance(w, Label) and w.text]


def test_whole_journey_from_card_to_printed_records_rating_and_wipe(ui, tmp_path):
    app, runtime = ui.app, ui.app.runtime
    printer = runtime.a4printer.virtual_printer  # the official record: on A4
    jobs_before = len(printer.jobs)
    start_service(ui)
    assert "开始前，请了解我们如何使用您的信息" in ui.texts()
    ui.tap("consent agree")
    assert "请将身份证放在读卡区" in ui.texts()
    ui.screenshot(tmp_path / "card.png")

    runtime.idcard.simulator.place("demo_citizen")
    ui.until(lambda: app.current_step == "face", what="the face step")
    # A first attempt may end in "try again" (the face zones are strict); a challenge follows.
    ui.until(lambda: app.face_screen.prompt in {"请眨眨眼", "请向左转头", "请向右转头", "请张张嘴"}, timeout=40,
             what="a challenge prompt")
    shot = np.asarray(Image.open(ui.screenshot(tmp_path / "face.png")).convert("RGB"))
    preview = app.face_screen.preview
    x, y = int(preview.center_x), int(1920 - preview.center_y)
    assert shot[y - 50:y + 50, x - 50:x + 50].std() > 10  # the camera picture, not a black box

    ui.until(lambda: app.current_step == "form", timeout=60, what="the face check to accept")
    assert app.context.session.data.face == "verified" and app.context.session.data.photo is None
    assert "第4步，共9步：查询哪几年？" in ui.texts(), ui.texts()  # where the citizen is
    ui.tap("year_from minus")
    ui.tap("form next")
    ui.until(lambda: app.current_step == "query" and not app.journey.view.busy, timeout=30, what="the records")
    form, reply = app.context.session.data.form, app.context.session.data.reply
    assert (form["year_from"], form["year_to"]) == (2024, 2026)
    assert (reply["year_from"], reply["year_to"]) == (2024, 2026)
    texts = ui.texts()
    assert "您的个人所得税纳税记录" in texts
    totals, records = reply["totals"], reply["records"]
    summary = ui.find("result summary").text
    assert totals["income"] in summary and totals["tax_withheld"] in summary
    table = ui.find("records table")
    assert table.data[0]["cells"] == ["所属期", "所得项目", "收入（元）", "税额（元）"]
    assert table.data[1]["cells"][1] in {"工资薪金", "劳务报酬", "全年一次性奖金收入"}  # named from the code
    assert table.data[-1]["cells"] == ["合计", "", totals["income"], totals["tax_withheld"]]
    assert len(table.data) == len(records) + 2
    assert Decimal(totals["tax_withheld"]) == sum((Decimal(r["tax_withheld"]) for r in records), Decimal(0))

    ui.tap("next")
    assert app.current_step == "send"
    ui.tap("send confirm")
    ui.until(lambda: app.current_step == "print", timeout=30, what="the record to be issued")
    ui.tap("print")
    ui.until(lambda: app.journey.view.print_state == "printed", timeout=60, what="printing")
    assert "打印完成，请到文件打印机取走文件。" in ui.texts()  # where to look for it
    assert printer.wait_for_jobs(jobs_before + 1, 5)
    printed, qr = read_a4(printer.jobs[-1].pdf_path)
    assert "个人所得税纳税记录" in printed and "（原《税收完税证明》）" in printed
    assert DEMO_ID not in printed and DEMO_ID[:4] in printed  # masked
    assert f"¥{Decimal(totals['tax_withheld']):,.2f}" in printed and "?" not in printed
    assert "所得项目" in printed and "税种" not in printed
    document = app.journey.data.reply
    assert qr == document["verification_url"]
    assert app.journey.data.receipt_no == document["document_no"] and document["verification_code"] in printed

    def ratings_at_hall():
        return sum(s["operation"] == "hall.submit_rating" for s in runtime.backends.sim.submissions()["submissions"])
    ratings_before = ratings_at_hall()
    ui.tap("done")
    assert app.current_step == "rate"
    assert ui.find("send rating").disabled  # nothing pre-selected
    ui.tap("level satisfied")
    ui.tap("send rating")
    assert app.current_step == "farewell" and "请取回您的身份证" in ui.texts()
    runtime.idcard.simulator.remove()
    ui.until(lambda: app.current_step == "attract", what="the card to be taken")
    # The rating reached the hall service through the outbox.
    ui.until(lambda: ratings_at_hall() == ratings_before + 1, timeout=20, what="the rating at the hall service")

    # Nothing of the citizen is left in the app.
    session = app.context.session
    assert session.data.is_empty() and not app.face_check.running
    gc.collect()
    assert not [o for o in gc.get_objects() if isinstance(o, Card)]
    leftovers = [t for t in visible_texts_everywhere(app)
                 if DEMO_NAME in t or DEMO_ID in t or totals["income"] in t]
    assert not leftovers
    from kivy.uix.label import Label
    figures = {r["income"] for r in records}
    assert not [o for o in gc.get_objects() if isinstance(o, Label) and o.text in figures]  # recycled rows too
    if preview.texture is not None:  # the last face is not left on the preview
        assert np.frombuffer(preview.texture.pixels, np.uint8).reshape(-1, 4)[:, :3].max() == 0


def test_card_placed_on_attract_starts_and_skips_the_card_step(ui):
    ui.app.runtime.idcard.simulator.place("demo_citizen")
    ui.until(lambda: ui.app.current_step == "home", what="home after the card")
    ui.tap("service tax_records")
    ui.tap("start service")
    ui.tap("consent agree")
    assert ui.app.current_step == "face"


def test_cancelling_consent_reads_nothing(ui):
    start_service(ui)
    ui.tap("consent cancel")
    assert ui.app.current_step == "home" and ui.app.context.session.data.card is None


def test_expired_card_is_refused(ui):
    to_card_step(ui)
    ui.app.runtime.idcard.simulator.place("resident_expired")
    ui.until(lambda: "已过有效期" in " ".join(ui.texts()), what="the expiry message")
    assert ui.app.current_step == "card" and ui.app.context.session.data.card is None


def test_an_expired_card_on_the_attract_screen_says_why_until_it_is_lifted(ui):
    from tests.ui.conftest import lift_card

    ui.app.runtime.idcard.simulator.place("resident_expired")
    ui.until(lambda: "此身份证已过有效期。请拿起这张证件，放上有效的身份证，或到窗口办理。" in ui.texts(), what="the expiry message on attract")
    assert ui.app.current_step == "attract"
    lift_card(ui.app, ui)
    ui.until(lambda: not any("已过有效期" in t for t in ui.texts()), what="the message to go")


def test_unverifiable_card_is_reported(ui):
    to_card_step(ui)
    ui.app.runtime.idcard.simulator.place("resident_bad_check")
    ui.until(lambda: "无法核验此证件的信息，请联系工作人员协助。" in ui.texts(), what="the card message")
    assert ui.app.current_step == "card"


def test_card_lifted_during_the_face_check(ui, monkeypatch):
    monkeypatch.setattr(ui.app.runtime.camera.source, "perform", lambda action: None)  # does not blink
    to_card_step(ui)
    reader = ui.app.runtime.idcard.simulator
    reader.place("demo_citizen")
    ui.until(lambda: ui.app.current_step == "face", what="the face step")
    reader.remove()
    ui.until(lambda: ui.app.current_step == "card", what="back to the card step")
    assert "核验还没完成，身份证被拿走了。请重新放好身份证。" in ui.texts()
    assert not ui.app.face_check.running and ui.app.context.session.data.card is None


def test_a_camera_gone_during_the_face_check_offers_the_counter_at_once(ui, monkeypatch):
    """Before, the citizen looked at a frozen preview through every attempt's timeout (3 x 15 s)."""
    monkeypatch.setattr(ui.app.runtime.camera.source, "perform", lambda action: None)  # does not blink
    camera = ui.app.runtime.camera
    to_card_step(ui)
    ui.app.runtime.idcard.simulator.place("demo_citizen")
    ui.until(lambda: ui.app.current_step == "face" and ui.app.face_check.running, what="the face step")
    camera.unplug()
    try:
        ui.until(lambda: ui.app.current_step == "ticket", timeout=10, what="the counter route")
        assert "摄像头出现故障，本终端暂时无法核验人脸。请领取排队号到窗口办理。" in ui.texts()
        assert not ui.app.face_check.running
    finally:
        camera.replug()


def test_face_mismatch_offers_a_printed_queue_ticket(ui, shared_dir):
    from drivers.camera.sim import read_rgb

    other_person = read_rgb(shared_dir / "fixtures/faces/western/obama/obama_official_portrait.jpg")
    to_card_step(ui)
    printer = ui.app.runtime.printer.virtual_printer
    jobs_before = len(printer.jobs)
    ui.app.journey.card_placed(demo_card(), other_person)  # the demo citizen's card with someone else's photo
    ui.until(lambda: ui.app.current_step == "ticket", timeout=90, what="the counter route")
    assert "未能确认是您本人。窗口工作人员可以帮您办理。" in ui.texts()
    ui.tap("take ticket")
    ui.until(lambda: ui.app.journey.view.print_state == "printed", timeout=30, what="the ticket")
    number = ui.app.journey.view.ticket.ticket_no
    assert number in ui.texts()
    assert printer.wait_for_jobs(jobs_before + 1, 5)
    assert any(number in line for line in printer.jobs[-1].text_lines)


def test_backend_down_says_try_again_later(ui):
    to_form(ui)
    sim = ui.app.runtime.backends.sim
    os.kill(sim.process.pid, signal.SIGSTOP)  # nothing answers: the read times out
    try:
        ui.tap("form next")
        assert ui.app.current_step == "query" and ui.find("cancel wait").opacity == 1  # progress with a way out
        ui.tap("cancel wait")
        assert not ui.app.journey.view.busy and ui.app.current_step == "form"
    finally:
        os.kill(sim.process.pid, signal.SIGCONT)


def test_backend_refusing_connections_explains_and_greys_out_the_service(ui):
    from dataclasses import replace

    to_form(ui)
    backends = ui.app.runtime.backends
    transport = backends._transports["tax"]
    working = transport.endpoint
    transport.endpoint = replace(working, base_url="http://127.0.0.1:9")  # nothing listens there
    try:
        ui.tap("form next")
        ui.until(lambda: not ui.app.journey.view.busy, timeout=30, what="the failure")
        assert "税务系统暂无响应，请稍后再试。" in ui.texts() and ui.app.current_step == "query"
        assert ui.find("try again").opacity == 1 and ui.find("back").opacity == 1
        ui.tap("home button")
        assert ui.find("service tax_records").reason == "部门系统暂时没有响应，请稍后再试。"
    finally:
        transport.endpoint = working
    backends.tax.income_records(DEMO_ID, DEMO_NAME, 2025, 2026)  # the backend answers again
    ui.app.home.rebuild()
    assert ui.find("service tax_records").reason == ""


def test_table_cells_stay_on_one_line_in_large_text(ui):
    ui.app.set_large_text(True)
    to_result(ui)
    ui.pump(5)
    cells = [w for w in ui.walk() if type(w).__name__ == "TableCell" and w.text]
    assert any(c.text == "全年一次性奖金收入" for c in cells)  # the longest income item of the demo citizen
    for cell in cells:
        line = cell._label.get_extents("天")[1]
        assert cell.texture_size[1] < 1.5 * line and cell.texture_size[0] <= cell.width + 1, cell.text


def test_printer_out_of_paper_shows_the_receipt_number_and_qr_on_screen(ui, tmp_path):
    printer = ui.app.runtime.a4printer.virtual_printer  # the record's printer
    to_print(ui)
    printer.set_paper("out")
    try:
        printer_state(ui, DeviceState.USER_ERROR, "a4printer")
        ui.tap("print")
        assert "打印机暂时不能打印。请记下回执编号或扫描二维码。" in ui.texts()
        document = ui.app.journey.data.reply
        assert f"回执编号：{document['document_no']}\n查验码：{document['verification_code']}" in ui.texts()
        assert decode_qr(ui.screenshot(tmp_path / "qr.png")) == document["verification_url"]
    finally:
        printer.set_paper("ok")
        printer_state(ui, DeviceState.ONLINE, "a4printer")


def test_negative_rating_asks_for_a_reason(ui):
    to_print(ui)
    ui.tap("done")
    ui.tap("level very_dissatisfied")
    assert "请告诉我们哪里做得不好。" in ui.texts() and ui.find("send rating").disabled
    ui.tap("reason slow")
    ui.tap("send rating")
    assert ui.app.current_step == "farewell"


def test_walking_away_mid_journey_wipes_everything(ui):
    session = ui.app.context.session
    to_result(ui)
    fake_now = [1000.0]
    real_clock, session._clock = session._clock, lambda: fake_now[0]
    try:
        session.touch()
        fake_now[0] += session.idle_timeout_s + session.countdown_s + 1
        ui.until(lambda: ui.app.current_step == "attract", what="the timeout")
    finally:
        session._clock = real_clock
    assert session.data.is_empty()
    gc.collect()
    assert not [o for o in gc.get_objects() if isinstance(o, Card) and o.id_number == DEMO_ID]
    assert not [t for t in visible_texts_everywhere(ui.app) if DEMO_ID in t or "纳税记录" in t and "元" in t]


def test_demo_keys_work_the_simulated_devices(ui):
    from kivy.core.window import Window

    def key(char: str) -> None:
        assert Window.dispatch("on_keyboard", ord(char), 0, char, []) is True
        ui.pump()

    key("c")  # the demo citizen's card on the reader
    ui.until(lambda: ui.app.current_step == "home", what="a session started by the card")
    assert ui.app.context.session.data.card is not None
    key("p")
    printer_state(ui, DeviceState.USER_ERROR)
    key("p")
    printer_state(ui, DeviceState.ONLINE)
    key("r")
    bus = ui.app.context.bus
    ui.until(lambda: bus.last_status("idcard").conditions.get("card") == "absent", what="the card lifted")
