"""Invoices for individual businesses through the real app: the business (an ineligible one greyed,
saying why and what to do), the real-name check on the tax app as a phone hand-off (confirmed by the
reference backend's simulated phone, or timing out), the digital-invoice quota, and paper invoices
collected with a printed slip decoded from the virtual receipt printer (a slip for the counter, not an
official document: the 80 mm roll); a business that only came to see its quota finishes with Done."""
import pytest

from tests.qr import decode_qr

pytestmark = pytest.mark.ui


def printed_slip(ui) -> tuple[str, str]:
    """Print the slip on the print step; its text on the receipt roll and its decoded QR code."""
    roll, a4 = ui.app.runtime.printer.virtual_printer, ui.app.runtime.a4printer.virtual_printer
    jobs_before, a4_before = len(roll.jobs), len(a4.jobs)
    ui.tap("print")
    ui.until(lambda: ui.app.journey.view.print_state == "printed", timeout=40, what="printing")
    assert roll.wait_for_jobs(jobs_before + 1, 5) and len(a4.jobs) == a4_before
    job = roll.jobs[-1]
    return "\n".join(job.text_lines), decode_qr(job.png_path)


def to_businesses(ui) -> list[dict]:
    app = ui.app
    ui.tap("call to action")
    ui.tap("service invoice_claim")
    ui.tap("start service")
    ui.tap("consent agree")
    app.runtime.idcard.simulator.place("demo_citizen")
    ui.until(lambda: app.current_step == "choose" and not app.journey.view.busy, timeout=90, what="the businesses")
    return app.journey.data.replies["business"]


def to_phone(ui) -> dict:
    """Pick the eligible business; the QR code for the tax app is on the screen."""
    app = ui.app
    business = next(b for b in to_businesses(ui) if b["eligible"])
    ui.tap(f"option {business['taxpayer_id']}")
    ui.tap("choose next")
    ui.until(lambda: app.current_step == "handoff" and app.journey.data.handoff is not None
             and app.journey.data.handoff.state == "waiting", timeout=20, what="the QR code")
    return business


def test_business_not_eligible_is_greyed_with_the_reason_and_what_to_do(ui):
    businesses = to_businesses(ui)
    blocked = next(b for b in businesses if not b["eligible"])
    tile = ui.find(f"option {blocked['taxpayer_id']}")
    assert tile.disabled and blocked["business_name"] in tile.text
    assert "不能办理：有逾期未申报的税款（非正常户）。请先补办申报，到窗口解除后再来。" in tile.text
    ui.tap(tile)
    ui.tap("choose next")
    assert ui.app.current_step == "choose" and "请选择一项。" in ui.texts()


def test_quota_shown_and_paper_invoices_collected_with_a_printed_slip(ui):
    app = ui.app
    business = to_phone(ui)
    app.runtime.backends.sim.handoff("confirm")
    ui.until(lambda: app.current_step == "query" and not app.journey.view.busy, timeout=30, what="the services")
    services = app.journey.data.reply
    summary = ui.find("result summary").text
    assert business["business_name"] in summary and "数电发票：正常" in summary
    assert f"¥{float(services['quota_remaining']):,.2f}" in summary
    ui.tap("next")
    ui.until(lambda: app.current_step == "choose" and not app.journey.view.busy, timeout=30, what="paper kinds")
    kind = next(k for k in services["paper_kinds"] if k["can_collect"])
    ui.tap(f"option {kind['invoice_kind']}")
    ui.tap("choose next")
    assert app.current_step == "form"
    ui.tap("form next")
    ui.tap("send confirm")
    ui.until(lambda: app.current_step == "print", timeout=30, what="the collection")
    slip = app.journey.data.reply
    text, qr = printed_slip(ui)
    assert "发票领用凭条" in text and qr == slip["collection_no"]
    assert f"发票号码：{slip['first_no']}-{slip['last_no']}" in text and "份数：5" in text
    assert business["business_name"] in text and "增值税普通发票" in text


def test_phone_confirmation_timing_out_offers_a_new_code_and_a_way_back(ui):
    app = ui.app
    to_phone(ui)
    app.runtime.backends.sim.handoff("expire")
    ui.until(lambda: app.journey.data.handoff.state == "expired", timeout=15, what="the time-out")
    ui.pump()
    assert "时间到了，手机上还没有确认，没有签署任何内容。请按“重试”获取新的二维码。" in ui.texts()
    assert app.journey.data.reply is None or "quota_total" not in app.journey.data.reply  # no services shown
    ui.tap("back")
    assert app.current_step == "choose"


def test_a_business_that_only_wanted_its_quota_finishes_with_done(ui):
    app = ui.app
    to_phone(ui)
    app.runtime.backends.sim.handoff("confirm")
    ui.until(lambda: app.current_step == "query" and not app.journey.view.busy, timeout=30, what="the services")
    assert ui.find("finish").text == "看完了" and not ui.find("finish").disabled
    ui.tap("finish")
    assert app.current_step == "rate" and app.journey.data.replies.get("collection") is None  # nothing collected
    ui.tap("level very_satisfied")
    ui.tap("send rating")
    assert app.current_step == "farewell"
