"""税务: income tax records, payment certificates, invoice claims."""
from __future__ import annotations

from datetime import date

from backend_sim import data, documents, invoices
from backend_sim.checks import mask_id, uscc_valid
from backend_sim.common import CHINA, Request, create_application, check_ids, invalid, query_applications, stamp
from backend_sim.store import SimStore

MAX_YEARS = 5
MAX_INVOICES = 25
_OFFICES = {"440106": "国家税务总局广州市天河区税务局", "440104": "国家税务总局广州市越秀区税务局",
            "440105": "国家税务总局广州市海珠区税务局", "440111": "国家税务总局广州市白云区税务局"}


def _records(id_number: str, year_from: int, year_to: int, today: date) -> list[data.Record]:
    return [r for year in range(year_from, year_to + 1) for r in data.income_records(id_number, year, today)]


def query_income_records(req: Request) -> tuple[int, dict]:
    b = req.body
    check_ids(b, "id_number")
    today = req.now.astimezone(CHINA).date()
    if b["year_from"] > today.year:
        raise invalid(("year_from", "out_of_range"))
    if b["year_to"] < b["year_from"]:
        raise invalid(("year_to", "before_start"))
    if b["year_to"] > today.year or b["year_to"] - b["year_from"] >= MAX_YEARS:
        raise invalid(("year_to", "out_of_range"))
    records = _records(b["id_number"], b["year_from"], b["year_to"], today)
    return 200, {
        "year_from": b["year_from"], "year_to": b["year_to"],
        "records": [{"year": r.year, "month": r.month, "income_item": r.item,
                     "income_item_name": data.ITEM_NAMES[r.item],
                     "payer_name": r.payer, "payer_tax_id": data.tax_id_of(r.payer),
                     "income": str(r.income), "tax_withheld": str(r.tax)} for r in records],
        "totals": {"income": str(data.money(sum(r.income for r in records))),
                   "tax_withheld": str(data.money(sum(r.tax for r in records)))},
    }


def issue_income_record(req: Request) -> tuple[int, dict]:
    """The official 纳税记录: the query's records, numbered, annotated and verifiable. The same person
    and years on the same day get the document already issued (a reprint), never a second one."""
    status, reply = query_income_records(req)
    b = req.body
    period = (str(b["year_from"]), str(b["year_to"]))
    doc = documents.issued_today(req, "income_record", "-".join(period))
    if doc is None:
        office = _OFFICES.get(b["id_number"][:6], "国家税务总局广州市税务局")
        year = req.now.astimezone(CHINA).year
        seq = SimStore.next_number(req.con, f"income-record:{year}")
        doc = documents.Document(f"{year}{b['id_number'][:6]}{seq:010d}", "income_record", b["id_number"], b["name"],
                                 *period, reply["totals"]["tax_withheld"], office, req.now)
        documents.store(req, doc, "-".join(period))
        status = 201
    arrears = data.settlement_arrears(b["id_number"], req.now.astimezone(CHINA).date())
    marked = arrears is not None and b["year_from"] <= arrears[0] <= b["year_to"]
    return status, reply | {
        "document_no": doc.document_no, "issued_at": stamp(doc.issued_at), "tax_office": doc.tax_office,
        "taxpayer_name": doc.name, "id_number_masked": mask_id(doc.id_number),
        "annotations": f"{arrears[0]}年度综合所得汇算应补税款{arrears[1]}元未在规定期限内缴纳，已依法加收滞纳金。"
                       if marked else "",
        "verification_code": doc.code(req.con), "verification_url": doc.url(req.con), "reprint": status == 200,
    }


def query_tax_vouchers(req: Request) -> tuple[int, dict]:
    b = req.body
    check_ids(b, "id_number")
    today = req.now.astimezone(CHINA).date()
    if b["year"] > today.year:
        raise invalid(("year", "in_future"))
    return 200, {"vouchers": [_voucher(v) for v in data.vouchers(b["id_number"], b["tax_kind"], b["year"], today)]}


def _voucher(v: data.Voucher) -> dict:
    return {"voucher_no": v.voucher_no, "tax_kind": v.kind, "tax_name": data.TAX_NAMES[v.kind], "item_name": v.item,
            "period": v.period, "paid_on": v.paid_on.isoformat(), "amount": str(v.amount)}


def _kind_of(voucher_no: str) -> str | None:
    digit = voucher_no[1]
    return next((kind for n, kind in enumerate(data.TAX_NAMES, start=1) if str(n) == digit), None)


def issue_payment_certificate(req: Request) -> tuple[int, dict]:
    """The 税收完税证明 (表格式) for vouchers of this person; the same vouchers on the same day get
    the certificate already issued (a reprint), never a second one."""
    b = req.body
    check_ids(b, "id_number")
    today = req.now.astimezone(CHINA).date()
    wanted = sorted(set(b["voucher_ids"]))
    items = []
    for number in wanted:
        kind = _kind_of(number)
        found = [v for v in data.vouchers(b["id_number"], kind, int(number[2:6]), today) if v.voucher_no == number] \
            if kind is not None else []
        if not found:
            raise invalid(("voucher_ids", "not_found"))
        items.append(found[0])
    items.sort(key=lambda v: (v.paid_on, v.voucher_no))
    subject = ",".join(wanted)
    doc = documents.issued_today(req, "payment_certificate", subject)
    status = 200
    if doc is None:
        seq = SimStore.next_number(req.con, f"certificate:{today.year}")
        doc = documents.Document(f"4401{today:%y}{seq:012d}", "payment_certificate", b["id_number"], b["name"],
                                 items[0].period, items[-1].period, str(data.money(sum(v.amount for v in items))),
                                 _OFFICES.get(b["id_number"][:6], "国家税务总局广州市税务局"), req.now)
        documents.store(req, doc, subject)
        status = 201
    return status, {
        "certificate_no": doc.document_no, "issued_at": stamp(doc.issued_at), "tax_office": doc.tax_office,
        "taxpayer_name": doc.name, "id_number_masked": mask_id(doc.id_number), "items": [_voucher(v) for v in items],
        "total": doc.total, "verification_code": doc.code(req.con), "verification_url": doc.url(req.con),
        "reprint": status == 200,
    }


def claim_invoices(req: Request) -> tuple[int, dict]:
    b = req.body
    check_ids(b, "id_number")
    if not uscc_valid(b["taxpayer_id"]):
        raise invalid(("taxpayer_id", "checksum"))
    if not b["taxpayer_id"].startswith("92"):
        raise invalid(("taxpayer_id", "not_sole_proprietor"))
    if b["quantity"] > MAX_INVOICES:
        raise invalid(("quantity", "over_limit"))
    return create_application(req, "invoice_claim")


HANDLERS = {
    "tax.query_income_records": query_income_records,
    "tax.issue_payment_certificate": issue_payment_certificate,
    "tax.query_tax_vouchers": query_tax_vouchers,
    "tax.claim_invoices": claim_invoices,
    "tax.issue_income_record": issue_income_record,
    "tax.query_document_verification": documents.verify_document,
    "tax.query_applications": query_applications,
    **invoices.HANDLERS,
}
