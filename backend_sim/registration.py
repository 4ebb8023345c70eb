"""登记: residence registration, rental filing, sole-proprietor business registration."""
from __future__ import annotations

import base64
from datetime import date, timedelta

from backend_sim import addresses, business, data
from backend_sim.common import CHINA, Refusal, Request, check_ids, create_application, invalid, query_applications, stamp
from backend_sim.handoff import handoff_status, open_handoff, use_handoff
from kiosk import signing

MAX_LEASE_YEARS = 20


# ---- Residence registration (来穗人员居住登记): address dictionary, signature keys, the registration ----
ADDRESS_FIELDS = ("district_code", "street_code", "community_code", "road_code", "number_code", "room_code")
HOUSING_NEEDS = {"rented": ("owner_name", "owner_phone"), "relatives": ("owner_name", "owner_phone"),
                 "employer": ("contact_phone",), "school": ("contact_phone",), "owned": ()}
REASON_NEEDS = {"work": ("employer",), "business": ("employer",), "study": ("school",), "family": (), "other": ()}


def query_address_units(req: Request) -> tuple[int, dict]:
    found = addresses.units(req.body["level"], req.body.get("parent"))
    if found is None:
        raise invalid(("parent", "not_found"))
    return 200, {"units": found}


def enroll_signing_key(req: Request) -> tuple[int, dict]:
    b = req.body
    public = base64.b64decode(b["public_key"])
    if signing.key_id_of(public) != b["key_id"]:
        raise invalid(("key_id", "mismatch"))
    req.con.execute("INSERT OR IGNORE INTO signing_keys VALUES (?, ?, ?, ?)",
                    (b["key_id"], b["terminal_id"], public, req.now.timestamp()))
    return 201, {"key_id": b["key_id"], "enrolled_at": stamp(req.now)}


def check_signature(req: Request, envelopes: dict[str, str] | None = None) -> None:
    """Refuse a signature that does not bind exactly this request, from an enrolled key, used once,
    by the role its place in the request expects (``envelopes``: property -> signer role). With several
    signers each envelope binds the request without any of them."""
    envelopes = envelopes or {"signature": "applicant"}
    form = {k: v for k, v in req.body.items() if k not in envelopes}
    for name, role in envelopes.items():
        envelope = req.body[name]
        if envelope["signer"] != role:  # e.g. the lessee's envelope presented as the lessor's
            raise invalid((name, "signer"))
        row = req.con.execute("SELECT public_key FROM signing_keys WHERE key_id = ?", (envelope["key_id"],)).fetchone()
        public = bytes(row["public_key"]) if row is not None else _example_key(envelope["key_id"])
        if public is None:
            raise invalid((name, "not_found"))
        if not signing.verify(envelope, form, public):
            raise invalid((name, "mismatch"))
        if req.con.execute("SELECT 1 FROM used_signatures WHERE digest = ?", (envelope["digest"],)).fetchone():
            raise invalid((name, "reused"))
        req.con.execute("INSERT INTO used_signatures VALUES (?, ?)", (envelope["digest"], req.key))


def _example_key(key_id: str) -> bytes | None:
    """The examples' terminal (backend_sim.examples) is known to the reference backend from the start."""
    from backend_sim.examples import EXAMPLE_TERMINAL

    return EXAMPLE_TERMINAL.public if key_id == EXAMPLE_TERMINAL.key_id else None


def register_residence(req: Request) -> tuple[int, dict]:
    b = req.body
    check_ids(b, "id_number")
    chain = [b[name] for name in ADDRESS_FIELDS]
    if any(not child.startswith(parent) for parent, child in zip(chain, chain[1:])) \
            or addresses.name_of(b["room_code"]) is None:
        raise invalid(("room_code", "mismatch"))
    missing = [name for name in HOUSING_NEEDS[b["housing"]] + REASON_NEEDS[b["reason"]] if name not in b]
    if missing:
        raise invalid(*((name, "required") for name in missing))
    moved_in = date.fromisoformat(b["move_in_date"])
    if moved_in > req.now.astimezone(CHINA).date():
        raise invalid(("move_in_date", "in_future"))
    born = b["id_number"][6:14]
    if moved_in < date(int(born[:4]), int(born[4:6]), int(born[6:])):
        raise invalid(("move_in_date", "out_of_range"))
    check_signature(req)
    return create_application(req, "residence_registration")
# ---- end of residence registration ----


# ---- Rental filing (房屋租赁登记备案): both parties at the kiosk, each signing ----
RENTAL_SIGNATURES = {"lessor_signature": "lessor", "lessee_signature": "lessee"}
ON_SITE_USES = ("commercial", "industrial")  # a home let for business: staff may inspect it before 复核


def file_rental(req: Request) -> tuple[int, dict]:
    b = req.body
    check_ids(b, "id_number", "lessee.id_number")
    if b["lessee"]["id_number"] == b["id_number"]:
        raise invalid(("lessee.id_number", "same_person"))
    chain = [b[name] for name in ADDRESS_FIELDS]
    if any(not child.startswith(parent) for parent, child in zip(chain, chain[1:])) \
            or addresses.name_of(b["room_code"]) is None:
        raise invalid(("room_code", "mismatch"))
    if not 1 <= int(b["area_m2"]) <= 9999:
        raise invalid(("area_m2", "out_of_range"))
    start, end = date.fromisoformat(b["start_date"]), date.fromisoformat(b["end_date"])
    if end <= start:
        raise invalid(("end_date", "before_start"))
    if (end - start).days > MAX_LEASE_YEARS * 366:
        raise invalid(("end_date", "out_of_range"))
    check_signature(req, RENTAL_SIGNATURES)
    status, receipt = create_application(req, "rental_filing")
    return status, receipt | {"filing_no": "BA" + receipt["application_no"][2:],
                              "review": "on_site" if b["use"] in ON_SITE_USES else "desk"}
# ---- end of rental filing ----


# -- the real-name signature on the official mobile app (a QR hand-off) ---------------------------
def query_signing_code(req: Request) -> tuple[int, dict]:
    check_ids(req.body, "id_number")
    return open_handoff(req, req.body["purpose"])


def query_signing_status(req: Request) -> tuple[int, dict]:
    return handoff_status(req)


# -- individual business registration (个体工商户设立登记) --------------------------------------------
BUSINESS_REVIEW_DAYS = 3  # 1 to 3 working days: the office promises the longest


def _working_days_after(day: date, days: int) -> date:
    """``days`` working days (Monday to Friday; public holidays are not modelled) after ``day``."""
    while days:
        day += timedelta(days=1)
        days -= day.weekday() < 5
    return day


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
    receipt["expected_by"] = _working_days_after(req.now.astimezone(CHINA).date(), BUSINESS_REVIEW_DAYS).isoformat()
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
    "registration.query_address_units": query_address_units,
    "registration.enroll_signing_key": enroll_signing_key,
    "registration.file_rental": file_rental,
    "registration.register_sole_proprietor": register_sole_proprietor,
    "registration.query_applications": query_applications,
    "registration.query_trade_name": query_trade_name,
    "registration.list_business_scopes": list_business_scopes,
    "registration.query_family_members": query_family_members,
    "registration.query_signing_code": query_signing_code,
    "registration.query_signing_status": query_signing_status,
}
