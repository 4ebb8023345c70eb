"""The official 纳税记录 through the real app: issued by the tax backend, printed on the A4 printer
with its verification code and a QR code that leads to verification (read back from the PDF), and
checked through the contract's verification operation; the A4 printer running out of paper after
the record was issued (the code on screen, a reprint later without a second document)."""
from urllib.parse import parse_qs, urlsplit

import pytest

from common.device_status import DeviceState
from kiosk.backends import Rejected
from tests.ui.journey import printer_state, to_form, to_print
from tests.qr import decode_qr, read_a4

pytestmark = pytest.mark.ui
VERIFY = "tax.query_document_verification"


def verify(app, number: str, code: str) -> dict:
    return app.runtime.backends.call(VERIFY, {"document_no": number, "verification_code": code})


def documents_issued(app) -> int:
    return app.runtime.backends.sim.submissions()["effects"]["documents"]


def printed_record(ui) -> tuple[str, str]:
    """Print the official document on the print step; the A4 page's text and decoded QR code
    (nothing of it on the receipt roll)."""
    a4, roll = ui.app.runtime.a4printer.virtual_printer, ui.app.runtime.printer.virtual_printer
    jobs_before, rolls_before = len(a4.jobs), len(roll.jobs)
    ui.tap("print")
    ui.until(lambda: ui.app.journey.view.print_state == "printed", timeout=60, what="printing")
    assert a4.wait_for_jobs(jobs_before + 1, 5) and a4.jobs[-1].complete
    assert len(roll.jobs) == rolls_before
    return read_a4(a4.jobs[-1].pdf_path)



def test_printed_record_verifies_through_its_qr_code_and_an_altered_code_does_not(ui):
    app = ui.app
    to_print(ui)
    text, qr = printed_record(ui)
    query = parse_qs(urlsplit(qr).query)
    number, code = query["no"][0], query["code"][0]
    assert qr.startswith("https://") and f"查验码 {code}" in text and f"记录编号 {number}" in text
    assert "中华人民共和国" in text and "个人所得税纳税记录" in text
    assert ("补打" in text) == app.journey.data.reply["reprint"]
    checked = verify(app, number, code)
    assert checked["document_kind"] == "income_record"
    assert checked["total"] == app.journey.data.reply["totals"]["tax_withheld"]
    assert f"{float(checked['total']):,.2f}" in text
    altered = code[:-1] + ("2" if code[-1] != "2" else "3")
    with pytest.raises(Rejected) as refused:
        verify(app, number, altered)
    assert refused.value.status == 404


def test_paper_out_after_issue_shows_the_code_and_a_later_session_reprints_the_same_record(ui, tmp_path):
    app, printer = ui.app, ui.app.runtime.a4printer.virtual_printer
    issued_before = documents_issued(app)

    def issue_three_years() -> None:
        to_form(ui)
        ui.tap("year_from minus")  # years no other test asks for: this record is issued here first
        ui.tap("year_from minus")
        ui.tap("form next")
        ui.until(lambda: app.current_step == "query" and not app.journey.view.busy, timeout=30, what="records")
        ui.tap("next")
        ui.tap("send confirm")
        ui.until(lambda: app.current_step == "print", timeout=30, what="the record to be issued")

    issue_three_years()
    first = dict(app.journey.data.reply)
    assert not first["reprint"] and documents_issued(app) == issued_before + 1
    printer.set_paper("out")
    try:
        printer_state(ui, DeviceState.USER_ERROR, "a4printer")
        ui.tap("print")
        assert app.journey.view.print_state == "unavailable"
        assert f"回执编号：{first['document_no']}\n查验码：{first['verification_code']}" in ui.texts()
        assert decode_qr(ui.screenshot(tmp_path / "screen.png")) == first["verification_url"]
    finally:
        printer.set_paper("ok")
        printer_state(ui, DeviceState.ONLINE, "a4printer")
    # The citizen leaves and asks again (here, or at another kiosk): a new session, a new key.
    ui.app.runtime.idcard.simulator.remove()
    app.context.session.end("walked away")
    ui.pump()
    issue_three_years()
    again = app.journey.data.reply
    assert again["reprint"] and again["document_no"] == first["document_no"]
    assert again["verification_code"] == first["verification_code"]
    text, qr = printed_record(ui)
    assert "补打 / REPRINT" in text and first["verification_code"] in text and qr == first["verification_url"]
    assert documents_issued(app) == issued_before + 1  # no second document
