"""What can go wrong talking to a department, as one small tree, with what to tell the citizen.

::

    BackendError            anything that went wrong with one call
    ├── Unreachable         no usable answer: refused, reset, DNS, reply dropped (try again later)
    │   ├── Timeout         connecting or reading took longer than configured
    │   └── TlsError        the server's certificate is not trusted, or it refused ours (configuration)
    ├── ServerError         the server answered but failed (5xx), or broke the contract
    │   └── BadReply        the reply was not JSON, or not valid against the OpenAPI document
    └── Rejected            the server refused this very request (4xx with the contract's error body)

``Unreachable`` and ``ServerError`` are *transient*: the same request may succeed later, and the
outbox retries it. ``Rejected`` is *final*: sending it again gives the same answer.

Every error carries a citizen-facing ``msgid`` (an English message id the shell translates) and
technician-facing English in ``str()``. Neither ever contains personal data: no request or reply
bodies, no submitted values, only operation names, HTTP statuses, field names and codes.
"""
from __future__ import annotations

from dataclasses import dataclass

from common.i18n import N_


DEPARTMENTS = ("tax", "exit_entry", "registration", "hall", "payment")

_TRY_LATER = {
    "tax": N_("The tax service is not answering. Please try again later."),
    "exit_entry": N_("The exit-entry service is not answering. Please try again later."),
    "registration": N_("The registration service is not answering. Please try again later."),
    "hall": N_("The hall service is not answering. Please try again later."),
    "payment": N_("The payment service is not answering. Please try again later."),
}
_SAVED = {
    "tax": N_("The tax service is not answering. Your request is saved and will be sent."),
    "exit_entry": N_("The exit-entry service is not answering. Your request is saved and will be sent."),
    "registration": N_("The registration service is not answering. Your request is saved and will be sent."),
    "hall": N_("The hall service is not answering. Your rating is saved and will be sent."),
    "payment": N_("The payment service is not answering. Your refund is saved and will be made."),
}
CHECK_FIELDS = N_("Please check the marked entries.")
NOT_FOUND = N_("No record was found for you.")
CANNOT_DO_HERE = N_("This request cannot be completed here. Please ask at the counter.")

_FIELD_MESSAGES = {
    "required": N_("Please fill in this entry."),
    "invalid_type": N_("Please check the format of this entry."),
    "invalid_format": N_("Please check the format of this entry."),
    "out_of_range": N_("This value is outside the allowed range."),
    "too_long": N_("This entry is too long."),
    "too_short": N_("This entry is too short."),
    "not_allowed": N_("Please choose one of the options."),
    "checksum": N_("This number is not valid. Please check it."),
    "before_start": N_("The end must not be before the start."),
    "in_future": N_("This date must not be in the future."),
    "in_past": N_("This time has already passed. Please choose another."),
    "full": N_("This time slot has just been taken. Please choose another."),
    "not_found": N_("This was not found. Please check it."),
    "mismatch": N_("This does not match our records. Please check it."),
    "changed": N_("The application was changed after you confirmed it on your phone. Please confirm it on your phone again."),
    "signer": N_("A signature was given in the wrong person's place. Please both sign again."),
    "over_limit": N_("This is more than allowed at one time."),
    "not_sole_proprietor": N_("Only individual businesses can use this service here."),
    "no_records": N_("No records were found for this period."),
    "expired": N_("This document has expired. Please renew it first."),
    "already_paid": N_("This fee has already been paid."),
}
_FIELD_DEFAULT = N_("Please check this entry.")


def try_later_msgid(department: str) -> str:
    """"The <department> service is not answering. Please try again later." (queries, direct calls)."""
    return _TRY_LATER[department]


def saved_msgid(department: str) -> str:
    """"... is not answering. Your request is saved and will be sent." (only the outbox may say it)."""
    return _SAVED[department]


@dataclass(frozen=True)
class FieldError:
    """One refused request member.

    Attributes:
        field: the request body member as a dotted path (``year_to``, ``address.district``), the
            same name the form uses for its input.
        code: why, e.g. ``required``, ``out_of_range``, ``checksum`` (see ``api/*.yaml``).
    """

    field: str
    code: str

    @property
    def msgid(self) -> str:
        """What to show next to the form entry."""
        return _FIELD_MESSAGES.get(self.code, _FIELD_DEFAULT)


class BackendError(Exception):
    """A call to a department failed.

    Attributes:
        department: ``tax``, ``exit_entry``, ``registration`` or ``hall``.
        operation: the contract's operation id, e.g. ``tax.query_income_records``.
    """

    transient = True

    def __init__(self, department: str, operation: str, detail: str) -> None:
        super().__init__(f"{operation}: {detail}")
        self.department = department
        self.operation = operation

    @property
    def msgid(self) -> str:
        """The citizen-facing message id for this failure."""
        return try_later_msgid(self.department)


class Unreachable(BackendError):
    """No usable answer: connection refused or reset, name not resolved, reply dropped."""


class Timeout(Unreachable):
    """Connecting (``phase="connect"``) or reading the reply (``phase="read"``) took too long."""

    def __init__(self, department: str, operation: str, phase: str, seconds: float) -> None:
        super().__init__(department, operation, f"{phase} timeout after {seconds:g} s")
        self.phase = phase


class TlsError(Unreachable):
    """The TLS handshake failed: check ``[backend] ca_file``, ``client_cert`` and ``client_key``."""


class ServerError(BackendError):
    """The server answered with a failure (5xx, 408, 429). ``status`` is the HTTP status."""

    def __init__(self, department: str, operation: str, detail: str, status: int | None = None) -> None:
        super().__init__(department, operation, detail)
        self.status = status


class BadReply(ServerError):
    """The reply broke the contract: not JSON, or not valid against the OpenAPI document."""


class Rejected(BackendError):
    """The server refused this request; sending it again gives the same answer.

    Attributes:
        status: the HTTP status (400, 404, 409, 422).
        code: the contract's error word: ``validation``, ``conflict``, ``not_found``, ...
        fields: which request members were refused, and why.
        carried: what the refusal carries besides its error, message and fields, validated against
            the contract (e.g. the booking a citizen already holds); never part of ``str()``.
    """

    transient = False

    def __init__(self, department: str, operation: str, status: int, code: str,
                 fields: tuple[FieldError, ...] = (), carried: dict | None = None) -> None:
        described = ", ".join(f"{f.field}/{f.code}" for f in fields)
        detail = f"rejected: HTTP {status} {code}" + (f" ({described})" if described else "")
        super().__init__(department, operation, detail)
        self.status = status
        self.code = code
        self.fields = tuple(fields)
        self.carried = dict(carried or {})

    @property
    def msgid(self) -> str:
        if self.fields:
            return CHECK_FIELDS
        if self.code == "not_found":
            return NOT_FOUND
        return CANNOT_DO_HERE
