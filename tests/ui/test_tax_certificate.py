"""税收完税证明开具 through the real app: tax and year, the paid vouchers chosen (several), the
certificate issued, printed and verified through its QR code; a year with nothing paid."""
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.ui.test_tax_documents import printed_record, verify

pytestmark = pytest.mark.ui


def to_tax_and_year(ui) -> None:
    app = ui.app
    ui.tap("call to action")
    ui.tap("service tax_certificate")
    ui.tap("start service")
    ui.tap("consent agree")
    app.runtime.idcard.simulator.place("demo_citizen")
    ui.until(lambda: app.current_step == "form", timeout=90, what="the face check to accept")


def test_certificate_for_chosen_vouchers_is_printed_and_verifies(ui):
    app = ui.app
    to_tax_and_year(ui)
    assert app.journey.data.form == {"tax_kind": "individual_income_tax", "year": 2018}
    ui.tap("form next")
    ui.until(lambda: app.current_step == "choose" and not app.journey.view.busy, timeout=30, what="the vouchers")
    vouchers = app.journey.data.replies["vouchers"]
    assert len(vouchers) == 12 and {v["period"] for v in vouchers} == {f"2018-{m:02d}" for m in range(1, 13)}
    ui.tap("choose next")
    assert app.current_step == "choose" and "请至少选择一项。" in ui.texts()  # nothing chosen yet
    chosen = [vouchers[0], vouchers[5]]
    for voucher in chosen:
        ui.tap(f"option {voucher['voucher_no']}")
    ui.tap("choose next")
    assert app.current_step == "send"
    ui.tap("send confirm")
    ui.until(lambda: app.current_step == "print", timeout=30, what="the certificate")
    certificate = app.journey.data.reply
    assert [i["voucher_no"] for i in certificate["items"]] == [v["voucher_no"] for v in chosen]
    text, qr = printed_record(ui)
    assert "税收完税证明" in text and "（表格式）" in text and chosen[1]["voucher_no"] in text
    query = parse_qs(urlsplit(qr).query)
    checked = verify(app, query["no"][0], query["code"][0])
    total = sum(Decimal(v["amount"]) for v in chosen)
    assert checked["document_kind"] == "payment_certificate" and Decimal(checked["total"]) == total
    assert f"查验码 {query['code'][0]}" in text and f"¥{total:,.2f}" in text


def test_a_year_with_nothing_paid_says_so_and_offers_another(ui):
    app = ui.app
    to_tax_and_year(ui)
    ui.tap("tax_kind vehicle_vessel_tax")
    ui.tap("form next")
    ui.until(lambda: app.current_step == "choose" and not app.journey.view.busy, timeout=30, what="the vouchers")
    assert app.journey.data.replies["vouchers"] == []
    assert "这一年没有查到这种税的交税记录。请按“返回”换一年或换一种税；查不到的，请带上交税票据到窗口。" in ui.texts()
    ui.tap("choose next")
    assert app.current_step == "choose"
    ui.tap("back")
    assert app.current_step == "form"
