"""The kiosk's receipts (what the application prints; the printer driver only prints documents): submission receipt, tax record summary, appointment slip, queue ticket.

Each template takes plain data and returns a :class:`Receipt`. Labels are English message ids
(marked with ``N_``) translated by the ``gettext`` the caller passes, so a receipt is printed in the
citizen's language (the kiosk passes its translator's ``gettext``; untranslated ids print as they
are). Values (service names, tax types) come already translated from the backend or catalog.

Paper leaves the kiosk with the citizen, or is forgotten in the tray: templates print as little
personal data as the receipt needs. No names; ID numbers only masked (``4405**********0014``);
queue tickets and appointment slips no ID at all.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Callable, Sequence

from drivers.printer.receipt import Origin, Receipt, Table, mask_id_number, yuan
from common.i18n import N_

Gettext = Callable[[str], str]


def _untranslated(message: str) -> str:
    return message


REPRINT = N_("Reprint")
SUBMISSION_TITLE = N_("Submission receipt")
RECEIPT_NUMBER = N_("Receipt number")
SERVICE = N_("Service")
ID_NUMBER = N_("ID number")
CHECK_PROGRESS = N_("Scan the QR code at a kiosk or counter to check progress.")
KEEP_RECEIPT = N_("Please keep this receipt.")
TAX_TITLE = N_("Tax record summary")
YEARS = N_("Years")
PERIOD = N_("Period")
TAX_TYPE = N_("Tax type")
AMOUNT = N_("Amount")
TOTAL = N_("Total")
NOT_A_CERTIFICATE = N_("For reference only. This is not a tax payment certificate.")
APPOINTMENT_TITLE = N_("Appointment slip")
APPOINTMENT_NUMBER = N_("Appointment number")
TIME_SLOT = N_("Date and time")
PLACE = N_("Place")
BRING_ID = N_("Please bring your ID card and arrive 10 minutes early.")
QUEUE_TITLE = N_("Queue ticket")
WAITING_AHEAD = N_("People waiting ahead of you")
COUNTER = N_("Counter")
LISTEN_FOR_NUMBER = N_("Please listen for your number. A missed number needs a new ticket.")


def submission_receipt(origin: Origin, *, receipt_no: str, service: str,
                       details: Sequence[tuple[str, str]] = (), id_number: str | None = None,
                       gettext: Gettext = _untranslated) -> Receipt:
    """The receipt for a submitted application; its QR code and barcode carry the receipt number.

    Args:
        details: further key-value lines from the backend's answer (already translated).
        id_number: the applicant's ID number, printed masked; None to leave it out.
    """
    _ = gettext
    fields = [(_(RECEIPT_NUMBER), receipt_no), (_(SERVICE), service)]
    if id_number:
        fields.append((_(ID_NUMBER), mask_id_number(id_number)))
    return Receipt(
        "submission", _(SUBMISSION_TITLE), origin, fields=(*fields, *details),
        notes=(_(CHECK_PROGRESS),), qr=receipt_no, barcode=receipt_no,
        footer=(_(KEEP_RECEIPT),), reprint_label=_(REPRINT),
    )


def tax_record_summary(origin: Origin, *, receipt_no: str, id_number: str, years: tuple[int, int],
                       rows: Sequence[tuple[str, str, Decimal | str]], total: Decimal | str,
                       gettext: Gettext = _untranslated) -> Receipt:
    """A summary of tax records (period, tax type, amount paid) for a range of years.

    Args:
        rows: ``(period, tax type, amount in yuan)``, e.g. ``("2023-01", "个人所得税", "1234.56")``.
        total: the sum, in yuan.
    """
    _ = gettext
    return Receipt(
        "tax_summary", _(TAX_TITLE), origin,
        fields=((_(RECEIPT_NUMBER), receipt_no), (_(ID_NUMBER), mask_id_number(id_number)),
                (_(YEARS), f"{years[0]}-{years[1]}" if years[0] != years[1] else str(years[0]))),
        table=Table((_(PERIOD), _(TAX_TYPE), _(AMOUNT)),
                    tuple((period, kind, yuan(amount)) for period, kind, amount in rows), frozenset({2})),
        totals=((_(TOTAL), yuan(total)),),
        notes=(_(NOT_A_CERTIFICATE),), qr=receipt_no, footer=(_(KEEP_RECEIPT),), reprint_label=_(REPRINT),
    )


def appointment_slip(origin: Origin, *, appointment_no: str, service: str, time_slot: str, place: str,
                     gettext: Gettext = _untranslated) -> Receipt:
    """An appointment at a counter: what, when, where; QR code and barcode carry the number."""
    _ = gettext
    return Receipt(
        "appointment", _(APPOINTMENT_TITLE), origin,
        fields=((_(APPOINTMENT_NUMBER), appointment_no), (_(SERVICE), service),
                (_(TIME_SLOT), time_slot), (_(PLACE), place)),
        notes=(_(BRING_ID),), qr=appointment_no, barcode=appointment_no, reprint_label=_(REPRINT),
    )


def queue_ticket(origin: Origin, *, ticket_no: str, service: str, waiting: int, counter: str = "",
                 hours: str = "", gettext: Gettext = _untranslated) -> Receipt:
    """A numbered ticket for a counter queue: the number printed as large as the paper allows.

    Args:
        hours: when the counters are staffed (a ticket taken at night must say so).
    """
    _ = gettext
    fields = [(_(SERVICE), service), (_(WAITING_AHEAD), str(waiting))]
    if counter:
        fields.append((_(COUNTER), counter))
    return Receipt(
        "queue_ticket", _(QUEUE_TITLE), origin, big_text=ticket_no, fields=tuple(fields),
        notes=(_(LISTEN_FOR_NUMBER), *((hours,) if hours else ())), barcode=ticket_no, reprint_label=_(REPRINT),
    )
