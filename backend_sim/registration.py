"""登记: residence registration, rental filing, sole-proprietor business registration."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from backend_sim.common import CHINA, Request, check_ids, create_application, invalid, query_applications
from backend_sim.handoff import handoff_status, open_handoff

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


def register_sole_proprietor(req: Request) -> tuple[int, dict]:
    b = req.body
    check_ids(b, "id_number")
    if Decimal(b["capital"]) < 0:
        raise invalid(("capital", "out_of_range"))
    return create_application(req, "sole_proprietor_registration")


# -- the real-name signature on the official mobile app (a QR hand-off) ---------------------------
def query_signing_code(req: Request) -> tuple[int, dict]:
    check_ids(req.body, "id_number")
    return open_handoff(req, req.body["purpose"])


def query_signing_status(req: Request) -> tuple[int, dict]:
    return handoff_status(req)


HANDLERS = {
    "registration.register_residence": register_residence,
    "registration.file_rental": file_rental,
    "registration.register_sole_proprietor": register_sole_proprietor,
    "registration.query_applications": query_applications,
    "registration.query_signing_code": query_signing_code,
    "registration.query_signing_status": query_signing_status,
}
