"""One valid request body per submission of the contract, for tests, benchmarks and trying the CLI.

The people in them are invented; their ID numbers have valid check digits.
"""
from __future__ import annotations

import hashlib
import itertools
from datetime import datetime, timedelta, timezone

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from backend_sim.checks import id_check_digit, uscc_check_char
from backend_sim.data import permit
from kiosk.signing import TerminalKey


def make_id(first17: str) -> str:
    """A complete, valid ID number from its first 17 digits (region, birth date, sequence)."""
    return first17 + id_check_digit(first17)


CITIZEN = {"id_number": make_id("44010619900307231"), "name": "陈思远"}
OTHER = {"id_number": make_id("44010419880512402"), "name": "林晓敏"}
_ADDRESS = {"district": "天河区", "street": "石牌街道", "detail": "天河路385号1203房"}
_BUSINESS_ID = "92440106MA5" + "C0F8Q3"
# The examples' own terminal: a fixed, public key that the reference backend accepts without
# enrolment, so an example residence registration carries a signature it can verify. Never a
# real terminal's key (those are created on first start and enrolled).
EXAMPLE_TERMINAL = TerminalKey(Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"backend_sim examples").digest()),
                               "EXAMPLE-0001")
_HOME = {"district_code": "440106", "street_code": "440106001", "community_code": "440106001001",
         "road_code": "440106001001001", "number_code": "440106001001001065", "room_code": "4401060010010010650302"}
_signed = itertools.count(1)
SOLE_PROPRIETOR_ID = _BUSINESS_ID + uscc_check_char(_BUSINESS_ID)
# A well-formed hand-off id that names no signature: sign with tests.backend_support.signed first.
UNSIGNED = "0" * 32


def example(service_id: str, citizen: dict | None = None, changes: dict | None = None) -> dict:
    """A valid request body for submission ``service_id`` (an operation id), for ``citizen``, with
    ``changes`` made before it is signed (a residence registration carries a signature, a rental
    filing two)."""
    who = dict(citizen or CITIZEN)
    bodies = {
        "tax.claim_invoices": who | {"taxpayer_id": SOLE_PROPRIETOR_ID, "invoice_kind": "general_paper", "quantity": 10,
                                     "delivery": "post", "postal_address": _ADDRESS},
        # the offer and order must exist and be paid for the department to accept it (see tests)
        "exit_entry.apply_endorsement": who | {"permit_number": permit(who["id_number"])[0],
                                               "offer_id": "FE2025031400000001", "payment_order_id": "PO2025031400000001"},
        "registration.register_residence": who | _HOME | {
            "phone": "13912345678", "housing": "rented", "owner_name": "林晓敏", "owner_phone": "13812345678",
            "reason": "work", "move_in_date": "2024-03-01", "employer": "广州市天河区云帆信息科技有限公司"},
        "registration.file_rental": who | _HOME | {"phone": "13912345678", "lessee": OTHER, "area_m2": "68",
                                                   "use": "residential", "monthly_rent": "4200",
                                                   **_term()},
        "registration.register_sole_proprietor": who | {"residence": "广东省广州市天河区天河路385号", "phone": "13912345678",
                                                        "trade_name": "思源", "business_scope": ["5211", "5241"],
                                                        "premises_district": "天河区", "premises_street": "石牌街道",
                                                        "premises_detail": "石牌东路12号首层", "capital": "50000",
                                                        "organisation_form": "individual", "employees": 2,
                                                        "signing_id": UNSIGNED},
        "hall.submit_rating": {"service_id": "tax_records", "receipt_no": "DEMO-0001-20250314-0001",
                               "terminal_id": "DEMO-0001", "rating": "dissatisfied", "reasons": ["slow"],
                               "comment": "打印等了很久"},
    }
    body = bodies[service_id] | (changes or {})
    if service_id == "registration.register_residence":
        body["signature"] = signed(body, "applicant")
    elif service_id == "registration.file_rental":  # both parties sign the same form
        body["lessor_signature"], body["lessee_signature"] = signed(body, "lessor"), signed(body, "lessee")
    return body


def _term() -> dict:
    """A one-year lease that started ten days ago (a kiosk's term form starts today by default)."""
    start = datetime.now(timezone(timedelta(hours=8))).date() - timedelta(days=10)
    return {"start_date": start.isoformat(), "end_date": start.replace(year=start.year + 1).isoformat()}


def signed(form: dict, signer: str) -> dict:
    """A signature envelope of the examples' terminal over ``form`` by ``signer`` (a role; a different
    envelope every call: the backend refuses a signature used twice)."""
    n = next(_signed)
    strokes = {"width": 1000, "height": 400, "points": [[100, 300, 0, 1], [300, 100, 200, 1], [500, 300, 400 + n, 1],
                                                         [700, 120, 600 + n, 0]]}
    at = datetime.now(timezone(timedelta(hours=8))).replace(microsecond=0)
    return EXAMPLE_TERMINAL.envelope(form, strokes, "verified", at, signer)


OUTBOX_SERVICES = ("tax.claim_invoices", "exit_entry.apply_endorsement", "registration.register_residence",
                   "registration.file_rental", "registration.register_sole_proprietor", "hall.submit_rating")
