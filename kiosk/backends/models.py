"""Typed results of the backend calls, built from replies already validated against the contract.

Amounts are :class:`~decimal.Decimal` (the wire carries decimal strings, never floats); times are
aware :class:`~datetime.datetime`. These objects may hold personal data: keep them in the
citizen's ``SessionData`` (wiped at session end), never in logs.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text)


# -- shared -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ApplicationReceipt:
    """A department's acknowledgement of an application (status ``received``)."""

    application_no: str
    kind: str
    status: str
    received_at: datetime
    fee: Decimal | None = None

    @classmethod
    def from_json(cls, d: dict) -> "ApplicationReceipt":
        return cls(d["application_no"], d["kind"], d["status"], _when(d["received_at"]),
                   Decimal(d["fee"]) if "fee" in d else None)


@dataclass(frozen=True)
class Application:
    """An application's progress: ``received`` -> ``accepted`` -> ``done`` (or ``refused``)."""

    application_no: str
    kind: str
    status: str
    received_at: datetime
    updated_at: datetime
    history: tuple[tuple[str, datetime], ...]
    result_ref: str | None = None

    @classmethod
    def from_json(cls, d: dict) -> "Application":
        return cls(d["application_no"], d["kind"], d["status"], _when(d["received_at"]), _when(d["updated_at"]),
                   tuple((h["status"], _when(h["at"])) for h in d["history"]), d.get("result_ref"))


# -- tax --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class IncomeRecord:
    """One month's income from one payer (``income_item``: wages, labour_remuneration, annual_bonus)."""

    year: int
    month: int
    income_item: str
    income_item_name: str
    payer_name: str
    payer_tax_id: str
    income: Decimal
    tax_withheld: Decimal


@dataclass(frozen=True)
class IncomeRecords:
    """Personal income tax records for a year range, oldest first, with totals."""

    year_from: int
    year_to: int
    records: tuple[IncomeRecord, ...]
    total_income: Decimal
    total_tax_withheld: Decimal

    @classmethod
    def from_json(cls, d: dict) -> "IncomeRecords":
        records = tuple(
            IncomeRecord(r["year"], r["month"], r["income_item"], r["income_item_name"], r["payer_name"],
                         r["payer_tax_id"], Decimal(r["income"]), Decimal(r["tax_withheld"]))
            for r in d["records"]
        )
        return cls(d["year_from"], d["year_to"], records, Decimal(d["totals"]["income"]),
                   Decimal(d["totals"]["tax_withheld"]))


@dataclass(frozen=True)
class CertificateItem:
    """One paid tax voucher (完税凭证) on a certificate."""

    voucher_no: str
    tax_name: str
    item_name: str
    period: str
    paid_on: date
    amount: Decimal


@dataclass(frozen=True)
class PaymentCertificate:
    """A numbered tax payment certificate (税收完税证明), ready to print."""

    certificate_no: str
    issued_at: datetime
    tax_office: str
    taxpayer_name: str
    id_number_masked: str
    items: tuple[CertificateItem, ...]
    total: Decimal
    verification_code: str
    reprint: bool

    @classmethod
    def from_json(cls, d: dict) -> "PaymentCertificate":
        items = tuple(CertificateItem(i["voucher_no"], i["tax_name"], i["item_name"], i["period"],
                                      date.fromisoformat(i["paid_on"]), Decimal(i["amount"])) for i in d["items"])
        return cls(d["certificate_no"], _when(d["issued_at"]), d["tax_office"], d["taxpayer_name"],
                   d["id_number_masked"], items, Decimal(d["total"]), d["verification_code"], d["reprint"])


# -- exit-entry -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Slot:
    """An appointment slot; ``remaining`` 0 means full."""

    slot_id: str
    office_id: str
    office_name: str
    date: date
    start: str
    end: str
    capacity: int
    remaining: int

    @classmethod
    def from_json(cls, d: dict) -> "Slot":
        return cls(d["slot_id"], d["office_id"], d["office_name"], date.fromisoformat(d["date"]), d["start"],
                   d["end"], d["capacity"], d["remaining"])


@dataclass(frozen=True)
class Appointment:
    appointment_no: str
    business: str
    slot: Slot
    status: str

    @classmethod
    def from_json(cls, d: dict) -> "Appointment":
        return cls(d["appointment_no"], d["business"], Slot.from_json(d["slot"]), d["status"])


# -- hall -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Address:
    district: str
    street: str
    detail: str


@dataclass(frozen=True)
class Profile:
    """What the hall has on record (民生档案), for prefilling forms; None = unknown."""

    phone: str | None
    address: Address | None
    household: tuple[tuple[str, str], ...]  # (relation, name)

    @classmethod
    def from_json(cls, d: dict) -> "Profile":
        address = Address(**d["address"]) if "address" in d else None
        return cls(d.get("phone"), address, tuple((m["relation"], m["name"]) for m in d["household"]))


@dataclass(frozen=True)
class QueueState:
    queue: str
    prefix: str
    waiting: int
    estimated_wait_min: int


@dataclass(frozen=True)
class Ticket:
    """A queue ticket to print (排队叫号)."""

    ticket_no: str
    queue: str
    issued_at: datetime
    waiting_ahead: int
    estimated_wait_min: int

    @classmethod
    def from_json(cls, d: dict) -> "Ticket":
        return cls(d["ticket_no"], d["queue"], _when(d["issued_at"]), d["waiting_ahead"], d["estimated_wait_min"])


# -- payment ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Order:
    """A payment order (api/payment.yaml ``Order``): ``open``, ``paying``, ``paid``, ``expired``, ``cancelled``."""

    order_id: str
    fee_id: str
    item: str
    payee: str
    amount: Decimal
    status: str
    qr_code: str
    created_at: datetime
    expires_at: datetime
    payment_code: str
    verify_url: str
    paid_at: datetime | None = None

    @classmethod
    def from_json(cls, d: dict) -> "Order":
        return cls(d["order_id"], d["fee_id"], d["item"], d["payee"], Decimal(d["amount"]), d["status"], d["qr_code"],
                   _when(d["created_at"]), _when(d["expires_at"]), d["payment_code"], d["verify_url"],
                   _when(d["paid_at"]) if "paid_at" in d else None)

    @property
    def closed(self) -> bool:
        """Nothing was or can be paid any more (expired or cancelled)."""
        return self.status in ("expired", "cancelled")


@dataclass(frozen=True)
class Refund:
    """A refund of a paid order: ``processing`` until the bank confirms it, then ``refunded``."""

    refund_id: str
    order_id: str
    amount: Decimal
    status: str
    requested_at: datetime
    refunded_at: datetime | None = None

    @classmethod
    def from_json(cls, d: dict) -> "Refund":
        return cls(d["refund_id"], d["order_id"], Decimal(d["amount"]), d["status"], _when(d["requested_at"]),
                   _when(d["refunded_at"]) if "refunded_at" in d else None)
