"""税务 for individual businesses (个体工商户): the businesses a person operates, the real-name
confirmation on the tax authority's app (a phone hand-off), the invoice services of a business
(数电票 quota and state, paper invoice kinds still issued) and paper invoice collection.

Everything about a business is seeded by its operator's ID number (the same every time); what was
collected is stored, so the quantity that may still be collected goes down.
"""
from __future__ import annotations

import random
from decimal import Decimal

from backend_sim import data, handoff
from backend_sim.checks import uscc_check_char
from backend_sim.common import CHINA, Request, check_ids, invalid, stamp
from backend_sim.store import SimStore

PURPOSE = "invoice_services"
HOLD_LIMIT = 25
_TRADES = (("日用百货", "店"), ("小吃", "店"), ("五金", "店"), ("水果", "店"), ("美发", "馆"), ("文具", "部"))
_DISTRICTS = {"440106": "天河区", "440104": "越秀区", "440105": "海珠区", "440111": "白云区"}
_COUNTER = "本厅办税服务区 发票发售窗口（凭本凭条和身份证领取）"
_KIND_CODES = {"general_paper": "04", "special_paper": "01", "general_roll": "11"}


def businesses(id_number: str, name: str) -> list[dict]:
    """The individual businesses of ``id_number``: none, one or two, each with its invoice state."""
    rng = random.Random(f"business:{id_number}")
    district = _DISTRICTS.get(id_number[:6], "天河区")
    out = []
    for n in range(rng.choice((0, 1, 2, 2, 2))):
        trade, suffix = rng.choice(_TRADES)
        body = f"92{id_number[:6]}MA{rng.randrange(16**7):07X}"  # hex digits are all valid USCC characters
        reason = "ok" if n == 0 else rng.choice(("abnormal", "ok", "not_registered", "deregistered"))
        out.append({"taxpayer_id": body + uscc_check_char(body), "business_name": f"广州市{district}{name[:2]}{trade}{suffix}",
                    "eligible": reason == "ok", "reason": reason})
    return out


def query_businesses(req: Request) -> tuple[int, dict]:
    check_ids(req.body, "id_number")
    found = businesses(req.body["id_number"], req.body["name"])
    return 200, {"businesses": sorted(found, key=lambda b: not b["eligible"])}


def _business(req: Request) -> dict:
    """The eligible business of this person that the request names (``taxpayer_id`` refused otherwise)."""
    found = next((b for b in businesses(req.body["id_number"], req.body["name"])
                  if b["taxpayer_id"] == req.body["taxpayer_id"]), None)
    if found is None:
        raise invalid(("taxpayer_id", "not_found"))
    if not found["eligible"]:
        raise invalid(("taxpayer_id", "not_allowed"))
    return found


def query_realname_code(req: Request) -> tuple[int, dict]:
    """Open the phone hand-off for invoice services of one of this person's eligible businesses."""
    check_ids(req.body, "id_number")
    business = _business(req)
    return handoff.open_handoff(req, f"{PURPOSE}:{business['taxpayer_id']}")


def query_realname_status(req: Request) -> tuple[int, dict]:
    return handoff.handoff_status(req)


def _paper_kinds(req: Request, taxpayer_id: str) -> list[dict]:
    rng = random.Random(f"paper:{taxpayer_id}")
    kinds = [k for k, share in (("general_paper", 0.7), ("general_roll", 0.3), ("special_paper", 0.2))
             if rng.random() < share]
    out = []
    for kind in kinds:
        in_hand = rng.randrange(0, HOLD_LIMIT + 1, 5)
        collected = req.con.execute("SELECT coalesce(sum(quantity), 0) FROM invoice_collections WHERE taxpayer_id = ? "
                                    "AND invoice_kind = ?", (taxpayer_id, kind)).fetchone()[0]
        held = min(HOLD_LIMIT, in_hand + collected)
        out.append({"invoice_kind": kind, "in_hand": held, "monthly_limit": HOLD_LIMIT,
                    "can_collect": HOLD_LIMIT - held})
    return out


def query_invoice_services(req: Request) -> tuple[int, dict]:
    """The business's invoice services, for an operator who confirmed on the phone."""
    check_ids(req.body, "id_number")
    business = _business(req)
    handoff.check_confirmed(req, "handoff_id", f"{PURPOSE}:{business['taxpayer_id']}")
    rng = random.Random(f"quota:{business['taxpayer_id']}")
    total = Decimal(rng.choice((100000, 300000, 1000000)))
    used = data.money(total * Decimal(rng.randrange(0, 95)) / 100)
    return 200, {"taxpayer_id": business["taxpayer_id"], "business_name": business["business_name"],
                 "digital_status": "active" if rng.random() < 0.9 else "suspended",
                 "quota_total": str(data.money(total)), "quota_used": str(used),
                 "quota_remaining": str(data.money(total - used)),
                 "paper_kinds": _paper_kinds(req, business["taxpayer_id"])}


def collect_paper_invoices(req: Request) -> tuple[int, dict]:
    """Reserve ``quantity`` invoices of a kind for the counter to hand out against the slip."""
    b = req.body
    check_ids(b, "id_number")
    business = _business(req)
    handoff.check_confirmed(req, "handoff_id", f"{PURPOSE}:{business['taxpayer_id']}")
    kind = next((k for k in _paper_kinds(req, business["taxpayer_id"]) if k["invoice_kind"] == b["invoice_kind"]), None)
    if kind is None:
        raise invalid(("invoice_kind", "not_allowed"))
    if b["quantity"] > kind["can_collect"]:
        raise invalid(("quantity", "over_limit"))
    today = req.now.astimezone(CHINA)
    code = f"144{business['taxpayer_id'][2:6]}{today:%y}{_KIND_CODES[b['invoice_kind']]}1"
    block = SimStore.next_number(req.con, f"invoices:{code}")
    first = (block - 1) * HOLD_LIMIT + 1
    number = f"FP{today:%Y%m%d}{SimStore.next_number(req.con, f'collection:{today:%Y%m%d}'):06d}"
    req.con.execute("INSERT INTO invoice_collections VALUES (?, ?, ?, ?, ?, ?)",
                    (number, business["taxpayer_id"], b["invoice_kind"], b["quantity"], req.now.timestamp(), req.key))
    return 201, {"collection_no": number, "issued_at": stamp(req.now), "business_name": business["business_name"],
                 "taxpayer_id": business["taxpayer_id"], "invoice_kind": b["invoice_kind"], "quantity": b["quantity"],
                 "invoice_code": code, "first_no": f"{first:08d}", "last_no": f"{first + b['quantity'] - 1:08d}",
                 "counter": _COUNTER}


HANDLERS = {
    "tax.query_businesses": query_businesses,
    "tax.query_realname_code": query_realname_code,
    "tax.query_realname_status": query_realname_status,
    "tax.query_invoice_services": query_invoice_services,
    "tax.collect_paper_invoices": collect_paper_invoices,
}
