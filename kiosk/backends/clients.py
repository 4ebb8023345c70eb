"""One small typed client per department, each over its own :class:`~kiosk.backends.transport.Transport`.

Queries and the submissions whose answer the citizen waits for (a certificate to print, a booked
slot, a queue ticket) are methods here. Applications and ratings, whose answer can come later, go
through the outbox instead (``kiosk.outbox``), which delivers them with :meth:`Backends.submit`.

Direct submissions take an optional ``idempotency_key``: a "try again" button that passes the key
of the failed attempt can never book or issue twice.

Every method raises :class:`~kiosk.backends.errors.BackendError` subclasses only (see that module).
"""
from __future__ import annotations

from datetime import date

from kiosk.backends.models import (
    Application, Appointment, IncomeRecords, Order, PaymentCertificate, Profile, QueueState, Refund, Slot, Ticket,
)
from kiosk.backends.transport import Transport, new_idempotency_key


def _citizen(id_number: str, name: str) -> dict:
    return {"id_number": id_number, "name": name}


class _Client:
    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    def applications(self, id_number: str, name: str, application_no: str | None = None) -> tuple[Application, ...]:
        """The citizen's applications with this department, newest first (one, if a number is given)."""
        body = _citizen(id_number, name) | ({"application_no": application_no} if application_no else {})
        reply = self.transport.call(f"{self.transport.endpoint.department}.query_applications", body)
        return tuple(Application.from_json(a) for a in reply["applications"])


class TaxClient(_Client):
    """税务: income tax records, payment certificates; invoice claims go through the outbox."""

    def income_records(self, id_number: str, name: str, year_from: int, year_to: int) -> IncomeRecords:
        """Personal income tax records, ``year_from`` to ``year_to`` inclusive (2019 on, at most 5 years).

        Raises:
            Rejected: with field errors on ``year_from`` / ``year_to`` (e.g. ``out_of_range``).
            Unreachable, ServerError: show ``error.msgid`` ("... Please try again later.").
        """
        body = _citizen(id_number, name) | {"year_from": year_from, "year_to": year_to}
        return IncomeRecords.from_json(self.transport.call("tax.query_income_records", body))

    def payment_certificate(self, id_number: str, name: str, voucher_ids: list[str], *,
                            idempotency_key: str | None = None) -> PaymentCertificate:
        """Issue a tax payment certificate for paid vouchers (numbers from ``tax.query_tax_vouchers``)."""
        body = _citizen(id_number, name) | {"voucher_ids": list(voucher_ids)}
        reply = self.transport.call("tax.issue_payment_certificate", body,
                                    idempotency_key=idempotency_key or new_idempotency_key())
        return PaymentCertificate.from_json(reply)


class ExitEntryClient(_Client):
    """出入境: appointment slots and bookings; endorsement applications go through the outbox."""

    def slots(self, business: str, date_from: date, date_to: date, office_id: str | None = None) -> tuple[Slot, ...]:
        """Slots from ``date_from`` to ``date_to`` (at most 14 days), full ones included (``remaining`` 0)."""
        params = {"business": business, "date_from": date_from.isoformat(), "date_to": date_to.isoformat()}
        if office_id:
            params["office_id"] = office_id
        reply = self.transport.call("exit_entry.list_appointment_slots", params=params)
        return tuple(Slot.from_json(s) for s in reply["slots"])

    def book(self, id_number: str, name: str, phone: str, business: str, slot_id: str, *,
             idempotency_key: str | None = None) -> Appointment:
        """Book a slot. A slot taken meanwhile raises ``Rejected`` (409) with field ``slot_id`` / ``full``."""
        body = _citizen(id_number, name) | {"phone": phone, "business": business, "slot_id": slot_id}
        reply = self.transport.call("exit_entry.book_appointment", body,
                                    idempotency_key=idempotency_key or new_idempotency_key())
        return Appointment.from_json(reply)


class RegistrationClient(_Client):
    """登记: its applications all go through the outbox; this client reads their progress."""


class HallClient(_Client):
    """The hall: profile for prefilling, queues and tickets; ratings go through the outbox."""

    def profile(self, id_number: str, name: str) -> Profile:
        """The citizen's profile on record. Raises ``Rejected`` with code ``not_found`` if there is none."""
        return Profile.from_json(self.transport.call("hall.query_profile", _citizen(id_number, name)))

    def queues(self) -> tuple[QueueState, ...]:
        """How many people wait at each counter queue."""
        return tuple(QueueState(**q) for q in self.transport.call("hall.list_queues")["queues"])

    def ticket(self, queue: str, *, priority: str = "normal", id_number: str | None = None, name: str | None = None,
               idempotency_key: str | None = None) -> Ticket:
        """Take a queue ticket (``queue``: tax, exit_entry, registration, general); anonymous without a citizen."""
        body = {"queue": queue, "priority": priority, "terminal_id": self.transport.endpoint.terminal_id or "unknown"}
        if id_number is not None and name is not None:
            body |= _citizen(id_number, name)
        reply = self.transport.call("hall.issue_queue_ticket", body,
                                    idempotency_key=idempotency_key or new_idempotency_key())
        return Ticket.from_json(reply)

    def heartbeat(self, body: dict) -> bool:
        """Send a heartbeat (``Heartbeat`` in api/hall.yaml); True when the hall asks for an update check now."""
        reply = self.transport.call("hall.send_heartbeat", body, idempotency_key=new_idempotency_key())
        return bool(reply["poll_now"])


class PaymentClient(_Client):
    """The public payment platform: orders for fees departments issued, and their refunds.

    The kiosk never computes an amount: ``amount`` is the department's figure for ``fee_id``, which
    the platform checks against the fee it was sent. Every submission takes an ``idempotency_key``
    the caller stored first, so a retry after a crash reaches the same order or refund.
    """

    def create_order(self, fee_id: str, amount: str, terminal_id: str, *, idempotency_key: str | None = None) -> Order:
        """An ``open`` order with its QR code. Raises ``Rejected`` (409 ``fee_id``/``already_paid``, 422 ``amount``/``mismatch``)."""
        reply = self.transport.call("payment.create_order", {"fee_id": fee_id, "amount": amount, "terminal_id": terminal_id},
                                    idempotency_key=idempotency_key or new_idempotency_key())
        return Order.from_json(reply)

    def order(self, order_id: str) -> Order:
        """The order as it is now."""
        return Order.from_json(self.transport.call("payment.query_order", {"order_id": order_id}))

    def cancel(self, order_id: str, *, idempotency_key: str | None = None) -> Order:
        """Close an unpaid order; a paid (or paying) one comes back as it is."""
        return Order.from_json(self.transport.call("payment.cancel_order", {"order_id": order_id},
                                                   idempotency_key=idempotency_key or new_idempotency_key()))

    def refund(self, order_id: str, amount: str, reason: str, *, idempotency_key: str | None = None) -> Refund:
        """Refund a paid order in full (one refund per order; asking again answers the same refund)."""
        body = {"order_id": order_id, "amount": amount, "reason": reason}
        return Refund.from_json(self.transport.call("payment.refund_order", body,
                                                    idempotency_key=idempotency_key or new_idempotency_key()))

    def refund_status(self, refund_id: str) -> Refund:
        """The refund as it is now."""
        return Refund.from_json(self.transport.call("payment.query_refund", {"refund_id": refund_id}))
