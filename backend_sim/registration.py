"""登记: residence registration, rental filing, sole-proprietor business registration."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from backend_sim import business, data
from backend_sim.common import CHINA, Refusal, Request, check_ids, create_application, invalid, query_applications
from backend_sim.handoff import handoff_status, open_handoff, use_handoff

MAX_LEASE_YEARS = 20


def register_residence(req: Request) -> tuple[int, dict]:
    b = req.body
    check_ids(b, "id_number")
    if date.fromisoformat(b["move_in_date"]) > req.now.astimezone(CHINA).date():
        raise invalid(("move_in_date", "in_future"))
    return create_application(req, "residence_registration")


def file_rental(req: Request) -> tuple[int, dict]:
    b = req.body
    check_ids(b, "id_number", "counterparty.id_number")
    start, end = date.fromisoformat(b["start_date"]), date.fromisoformat(b["end_date"])
    if end <= start:
        raise invalid(("end_date", "before_start"))
    if (end - start).days > MAX_LEASE_YEARS * 366:
        raise invalid(("end_date", "out_of_range"))
    if Decimal(b["monthly_rent"]) <= 0:
        raise invalid(("monthly_rent", "out_of_range"))
    return create_application(req, "rental_filing")


# -- the real-name signature on the official mobile app (a QR hand-off) ---------------------------
def query_signing_code(req: Request) -> tuple[int, dict]:
    check_ids(req.body, "id_number")
    return open_handoff(req, req.body["purpose"])


def query_signing_status(req: Request) -> tuple[int, dict]:
    return handoff_status(req)


# -- individual business registration (个体工商户设立登记) --------------------------------------------
def register_sole_proprietor(req: Request) -> tuple[int, dict]:
    b = req.body
    check_ids(b, "id_number")
    unknown = [code for code in b["business_scope"] if code not in business.BY_CODE]
    if unknown:
        raise invalid(("business_scope", "not_found"))
    if "trade_name" in b:
        _check_trade_name(req, b["trade_name"], b["premises_district"], taken_status=422)
    members = b.get("family_members", [])
    if b["organisation_form"] == "family" and not members:
        raise invalid(("family_members", "required"))
    if b["organisation_form"] == "individual" and members:
        raise invalid(("family_members", "not_allowed"))
    household = {m["name"] for m in _household(b)}
    if any(m not in household for m in members):
        raise invalid(("family_members", "not_found"))
    use_handoff(req, "signing_id", "sole_proprietor_registration")
    status, receipt = create_application(req, "sole_proprietor_registration")
    if "trade_name" in b:
        req.con.execute("INSERT INTO trade_names VALUES (?, ?, ?)",
                        (b["premises_district"], b["trade_name"], receipt["application_no"]))
    return status, receipt


def query_trade_name(req: Request) -> tuple[int, dict]:
    b = req.body
    if any(code not in business.BY_CODE for code in b["business_scope"]):
        raise invalid(("business_scope", "not_found"))
    _check_trade_name(req, b["trade_name"], b["premises_district"])
    return 200, {"trade_name": b["trade_name"],
                 "full_name": business.full_name(b["premises_district"], b["trade_name"], b["business_scope"][0])}


def _check_trade_name(req: Request, trade_name: str, district: str, taken_status: int = 409) -> None:
    """Refuse a name the rules forbid (422) or that is registered in ``district`` already
    (``taken_status``: 409 to the name check, 422 in an application, as the contract declares)."""
    problem = business.name_problem(trade_name)
    if problem:
        raise invalid(("trade_name", problem))
    registered = trade_name in business.REGISTERED[""] + business.REGISTERED.get(district, ()) or \
        req.con.execute("SELECT 1 FROM trade_names WHERE district = ? AND trade_name = ?", (district, trade_name)).fetchone()
    if registered:
        raise Refusal(taken_status, "conflict" if taken_status == 409 else "validation", [("trade_name", "taken")])


def list_business_scopes(req: Request) -> tuple[int, dict]:
    return 200, {"scopes": [business.scope_row(s) for s in business.CATALOGUE]}


def query_family_members(req: Request) -> tuple[int, dict]:
    check_ids(req.body, "id_number")
    return 200, {"members": _household(req.body)}


def _household(who: dict) -> list[dict]:
    """The household on record other than the citizen (from the hall's records: 户籍 data)."""
    if not data.has_profile(who["id_number"]):
        return []
    return [m for m in data.profile(who["id_number"], who["name"])["household"] if m["relation"] != "head"]


HANDLERS = {
    "registration.register_residence": register_residence,
    "registration.file_rental": file_rental,
    "registration.register_sole_proprietor": register_sole_proprietor,
    "registration.query_applications": query_applications,
    "registration.query_trade_name": query_trade_name,
    "registration.list_business_scopes": list_business_scopes,
    "registration.query_family_members": query_family_members,
    "registration.query_signing_code": query_signing_code,
    "registration.query_signing_status": query_signing_status,
}
