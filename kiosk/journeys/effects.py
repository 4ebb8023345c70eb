"""Commands that steps emit, as data. The engine decides; the :class:`~kiosk.journeys.runner.EffectRunner`
carries the commands out (in worker threads) and reports each result with the token it was given.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, repr=False)
class StartFace:
    """Check the live face against the card photo (an RGB array); decisions arrive by token."""

    photo: Any

    def __repr__(self) -> str:
        return "StartFace(<photo hidden>)"


@dataclass(frozen=True)
class After:
    """Come back after ``seconds`` (a poll interval): the result is an empty success."""

    seconds: float


@dataclass(frozen=True)
class CancelFace:
    """Stop the running face check, if any."""


@dataclass(frozen=True, repr=False)
class Call:
    """Call a contract operation and wait for its reply (a query, or a submission the citizen waits for)."""

    operation: str
    body: dict | None = None
    idempotency_key: str | None = None

    def __repr__(self) -> str:
        return f"Call({self.operation!r}, <body hidden>)"


@dataclass(frozen=True, repr=False)
class Enqueue:
    """Store a submission durably in the outbox; it is delivered when the department can take it.

    ``payment_order_id``: the paid order it uses (marked submitted in the same transaction).
    ``confirm``: then wait up to ``[outbox] confirm_wait_s`` for the department's answer; the value is
    ``(receipt_no, "delivered" | "pending" | "rejected", the department's reply or {}, refused fields)``
    instead of the receipt number.
    """

    operation: str
    body: dict = field(default_factory=dict)
    payment_order_id: str | None = None
    confirm: bool = False

    def __repr__(self) -> str:
        return f"Enqueue({self.operation!r}, <body hidden>)"


@dataclass(frozen=True)
class CreateOrder:
    """Create a payment order for a fee a department issued; the payment ledger records it first."""

    service_id: str
    fee_id: str
    amount: str


@dataclass(frozen=True)
class CheckOrder:
    """Ask the gateway how an order stands, after ``[payment] poll_interval_s`` when ``wait``
    (``cancel``: close it unless it is paid); the payment ledger follows the answer. The value is the order."""

    order_id: str
    wait: bool = False
    cancel: bool = False


@dataclass(frozen=True, repr=False)
class Print:
    """Print a document (a ``drivers.printer.receipt.Receipt``) on the receipt printer or, with
    ``printer="a4"``, on the A4 printer (an official document)."""

    receipt: Any
    kind: str = "document"
    printer: str = "receipt"

    def __repr__(self) -> str:
        return f"Print({self.kind!r})"


@dataclass(frozen=True, repr=False)
class Sign:
    """Bind a handwritten signature (``strokes``) to ``form`` (the request without its envelope) and
    the face check's outcome and the signer's role, signed with the terminal's key; the outcome's
    value is the envelope."""

    form: dict
    strokes: dict
    face_check: str
    signer: str

    def __repr__(self) -> str:
        return "Sign(<form and strokes hidden>)"


@dataclass(frozen=True)
class IssueTicket:
    """Take a counter queue ticket (one idempotency key per session, so retries never take two)."""

    queue: str


@dataclass(frozen=True)
class Speak:
    """Say a prompt (a message id, with its placeholders' values) in the citizen's language."""

    msgid: str
    args: tuple = ()  # (name, value) pairs: never personal data


@dataclass(frozen=True, repr=False)
class Outcome:
    """The result of an effect: ``value`` on success, else a citizen-facing message id.

    ``fields`` lists the request fields a department refused (``FieldError``s), if any;
    ``refusal`` is None unless the department refused the request, then what its refusal carried
    besides the field errors (validated against the contract; e.g. the booking already held).
    """

    ok: bool
    value: Any = None
    msgid: str = ""
    fields: tuple = ()
    refusal: dict | None = None

    def __repr__(self) -> str:
        return f"Outcome(ok={self.ok}, msgid={self.msgid!r})"
