"""房屋租赁登记备案 through the real app, with two people at the kiosk: the landlord's card and face,
the home picked level by level, the lease and its term ("end after start" explained), then the
tenant's OWN card (the landlord's card again is refused; the tenant's lifted mid-way returns to
their card step with the landlord's data kept) and face, both parties on the review with masked
numbers, both sign with touches on the pad, the filing verified by the reference backend, the
receipt decoded from the virtual printer, and nothing of either person left afterwards. Also: the
address dictionary down."""
import gc
from dataclasses import replace

import pytest

from drivers.idcard.card import Card
from tests.qr import decode_qr
from tests.test_outbox_privacy import encodings
from tests.ui.conftest import lift_card
from tests.ui.journey import draw_signature, signature_views
from tests.ui.test_tax_journey import visible_texts_everywhere

pytestmark = pytest.mark.ui
LANDLORD_ID, LANDLORD_NAME = "440106199005209986", "测试市民"        # the demo card
TENANT_ID, TENANT_NAME = "440104198805124035", "测试租客"            # the second demo card
TENANT_LABEL = "承租人（租客）"


def start(ui) -> None:
    ui.tap("call to action")
    ui.tap("service rental_filing")
    ui.tap("start service")
    ui.tap("consent agree")
    assert ui.app.current_step == "card"


def options(ui) -> list:
    return [w for w in ui.walk() if getattr(w, "test_name", "").startswith("option ")]


def to_lessee_card(ui) -> None:
    """The landlord identifies, picks the home and enters the lease, up to the tenant's card step."""
    app, engine = ui.app, ui.app.journey
    start(ui)
    app.runtime.idcard.simulator.place("demo_citizen")
    for _level in range(6):  # district, street, community, road, number, room
        ui.until(lambda: app.current_step == "choose" and not engine.view.busy and options(ui), timeout=90,
                 what="the next address level")
        ui.tap(options(ui)[0])
        ui.tap("choose next")
    assert engine.step.id == "lease"
    ui.tap("use residential")
    for key in "68":
        ui.tap(f"area_m2 key {key}")
    ui.tap("form next")
    assert engine.step.id == "rent"
    for key in "4200":
        ui.tap(f"monthly_rent key {key}")
    ui.tap("form next")
    assert engine.step.id == "term", (engine.view.errors, engine.data.form)
    ui.tap("end_date -1")  # the day before the start
    ui.tap("form next")
    assert engine.step.id == "term" and any("结束日期要在开始日期之后" in t for t in ui.texts())  # the rule itself
    for _ in range(12):
        ui.tap("end_date +30")
    ui.tap("form next")
    assert engine.step.id == "contact" and ui.find("phone from records").text
    ui.tap("form next")
    assert app.current_step == "card" and engine.step.party == "lessee"


def test_two_people_file_and_sign_then_nothing_of_either_is_left(ui, tmp_path):
    app, engine = ui.app, ui.app.journey
    runtime, session = app.runtime, app.context.session
    printer = runtime.printer.virtual_printer
    jobs_before = len(printer.jobs)
    to_lessee_card(ui)
    assert TENANT_LABEL + "：请放上您本人的身份证。" in ui.texts()  # who must act now

    # The landlord's card again is refused; the tenant places their own.
    lift_card(app, ui)
    runtime.idcard.simulator.place("demo_citizen")
    ui.until(lambda: "刚才已经放过" in ui.find("notice").text, what="the same card refused")
    assert app.current_step == "card"
    lift_card(app, ui)
    runtime.idcard.simulator.place("demo_second_citizen")
    ui.until(lambda: app.current_step == "face", what="the tenant's face check")
    assert TENANT_LABEL in ui.find("notice").text  # the tenant is the one to look at the camera now

    # The tenant lifts their card before the face check is done: back to their card step.
    lift_card(app, ui)
    ui.until(lambda: app.current_step == "card", what="the tenant's card step again")
    assert engine.step.party == "lessee" and "被拿走了" in ui.find("notice").text
    assert session.data.card.id_number == LANDLORD_ID and session.data.face == "verified"  # the landlord is kept
    assert session.data.form["area_m2"] == "68"
    runtime.idcard.simulator.place("demo_second_citizen")
    ui.until(lambda: app.current_step == "review", timeout=90, what="the tenant's face check to accept")

    shown = "\n".join(ui.texts())
    assert "出租人：4401**********9986" not in shown  # the name comes first
    assert f"出租人：{LANDLORD_NAME} 4401**********9986" in shown
    assert f"承租人：{TENANT_NAME} 4401**********4035" in shown
    assert LANDLORD_ID not in shown and TENANT_ID not in shown
    ui.tap("review confirm")

    ui.until(lambda: engine.step.id == "lessor_signs", what="the landlord's signature")
    draw_signature(ui)
    ui.tap("signature confirm")
    ui.until(lambda: engine.step.id == "lessee_signs", timeout=20, what="the tenant's signature")
    assert ui.find("signature pad").points == []  # the tenant signs on a clean pad
    assert TENANT_LABEL in ui.find("notice").text
    draw_signature(ui, strokes=4)
    ui.tap("signature confirm")
    ui.until(lambda: app.current_step == "review", timeout=30, what="the last look at what both signed")
    assert {"出租人签名：", "承租人签名："} <= set(ui.texts()) and len(signature_views(ui)) == 2
    ui.tap("review confirm")
    ui.until(lambda: app.current_step == "print", timeout=30, what="the submission")
    receipt_no, reply = session.data.receipt_no, dict(session.data.reply)
    assert reply["delivery"] == "delivered" and reply["filing_no"].startswith("BA")  # verified, both signatures

    ui.tap("print")
    ui.until(lambda: engine.view.print_state == "printed", timeout=40, what="printing")
    assert printer.wait_for_jobs(jobs_before + 1, 5)
    job = printer.jobs[-1]
    printed = "".join(job.text_lines)  # long notes wrap over several lines of paper
    for line in ("房屋租赁备案回执", receipt_no, f"备案编号：{reply['filing_no']}", "已提交，待复核",
                 "上门查看房子", "广州市房屋租赁合同备案证明", "4,200.00", "居住 68㎡", "出租人签名", "承租人签名",
                 "4401**********4035"):
        assert line in printed, line
    assert LANDLORD_ID not in printed and TENANT_ID not in printed
    assert job.rasters == 2  # both signatures, drawn
    assert decode_qr(job.png_path) == receipt_no

    ui.tap("done")
    ui.tap("level very_satisfied")
    ui.tap("send rating")
    runtime.idcard.simulator.remove()
    ui.until(lambda: app.current_step == "attract", what="the card to be taken")

    # Nothing of either person is left: the session, the pads, the screens, the outbox, the disk.
    assert session.data.is_empty()
    pad = next(s for s in app.journey_screens if s.name == "signature").ids.pad
    assert pad.points == []
    from screens.steps.signature import SignatureView
    assert not [w for s in app.journey_screens for w in s.walk() if isinstance(w, SignatureView)]  # the review's too
    gc.collect()
    secrets = (LANDLORD_ID, TENANT_ID, TENANT_NAME, "4401**********4035")
    assert not [t for t in visible_texts_everywhere(app) if any(s in t for s in secrets)]
    assert not [o for o in gc.get_objects() if isinstance(o, Card) and o.id_number == TENANT_ID]
    assert runtime.outbox.store.read("SELECT count(*) FROM submission WHERE receipt_no = ?", (receipt_no,))[0][0] == 0
    settings = runtime.settings
    for path in settings.path(settings.paths.data_dir).rglob("*"):
        if not path.is_file() or "backend_sim" in path.parts:
            continue  # the department's own database holds the filing, as it should
        blob = path.read_bytes()
        for secret in (TENANT_ID, TENANT_NAME):
            assert not any(form in blob for form in encodings(secret)), (path.name, secret)


def test_the_address_dictionary_down_says_so_and_tries_again(ui):
    app, engine = ui.app, ui.app.journey
    transport = app.runtime.backends._transports["registration"]
    working = transport.endpoint
    transport.endpoint = replace(working, base_url="http://127.0.0.1:9")  # nothing listens there
    try:
        start(ui)
        app.runtime.idcard.simulator.place("demo_citizen")
        ui.until(lambda: app.current_step == "choose" and not engine.view.busy, timeout=90, what="the district list")
        ui.until(lambda: ui.find("choose retry").opacity == 1, timeout=30, what="the failure")
        assert "请稍后再试" in ui.find("notice").text and not options(ui)
    finally:
        transport.endpoint = working
    ui.tap("choose retry")
    ui.until(lambda: options(ui) and not engine.view.busy, timeout=30, what="the districts")
    assert engine.step.id == "district" and "天河区" in [w.text for w in options(ui)]
