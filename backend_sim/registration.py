"""登记: residence registration, rental filing, sole-proprietor business registration."""
from __future__ import annotations

import base64
from datetime import date
from decimal import Decimal

from backend_sim import addresses
from backend_sim.common import CHINA, Request, check_ids, create_application, invalid, query_applications, stamp
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


def check_signature(req: Request) -> None:
    """Refuse a signature that does not bind exactly this request, from an enrolled key, used once."""
    envelope = req.body["signature"]
    row = req.con.execute("SELECT public_key FROM signing_keys WHERE key_id = ?", (envelope["key_id"],)).fetchone()
    public = bytes(row["public_key"]) if row is not None else _example_key(envelope["key_id"])
    if public is None:
        raise invalid(("signature", "not_found"))
    form = {k: v for k, v in req.body.items() if k != "signature"}
    if not signing.verify(envelope, form, public):
        raise invalid(("signature", "mismatch"))
    if req.con.execute("SELECT 1 FROM used_signatures WHERE digest = ?", (envelope["digest"],)).fetchone():
        raise invalid(("signature", "reused"))
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


def register_sole_proprietor(req: Request) -> tuple[int, dict]:
    b = req.body
    check_ids(b, "id_number")
    if Decimal(b["capital"]) < 0:
        raise invalid(("capital", "out_of_range"))
    return create_application(req, "sole_proprietor_registration")


HANDLERS = {
    "registration.register_residence": register_residence,
    "registration.query_address_units": query_address_units,
    "registration.enroll_signing_key": enroll_signing_key,
    "registration.file_rental": file_rental,
    "registration.register_sole_proprietor": register_sole_proprietor,
    "registration.query_applications": query_applications,
}
