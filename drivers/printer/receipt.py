"""The receipt document: what goes on paper, independent of printer, paper width and port.

A :class:`Receipt` holds text as given (already translated); :mod:`drivers.printer.layout` fits it to
the paper and :class:`drivers.printer.encoder.ReceiptEncoder` turns it into ESC/POS bytes.
A receipt may hold personal data (a masked ID number, amounts): it is kept in memory only and
never logged (its ``repr`` shows the kind alone).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class Origin:
    """Where and when a receipt was printed: the hall, the terminal, the time."""

    hall_name: str
    terminal_id: str
    printed_at: datetime

    @classmethod
    def now(cls, hall_name: str, terminal_id: str) -> Origin:
        """This terminal, now (local time, to the second)."""
        return cls(hall_name, terminal_id, datetime.now().replace(microsecond=0))


@dataclass(frozen=True)
class Table:
    """Rows under a header; cells in ``numeric`` columns (0-based) are right-aligned."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: frozenset[int] = frozenset()


@dataclass(frozen=True, repr=False)
class Drawing:
    """A line drawing printed as an image (a handwritten signature): polylines of ``(x, y)`` points
    in a ``width`` x ``height`` frame (origin top left), under a caption."""

    width: int
    height: int
    lines: tuple[tuple[tuple[int, int], ...], ...]
    caption: str = ""

    def __repr__(self) -> str:  # a signature is personal
        return "Drawing(<hidden>)"


@dataclass(frozen=True, repr=False)
class Receipt:
    """One printed document, top to bottom.

    Attributes:
        kind: the template, e.g. ``"submission"``: journaled, so never personal.
        title: printed large and bold.
        heading: centred lines above the title (an official form's header, e.g. 中华人民共和国).
        subtitle: centred lines under the title.
        origin: hall name (printed at the top), terminal and time (printed at the bottom).
        big_text: ASCII printed as large as the paper allows (a queue number), or "".
        fields: key-value lines.
        notes: free lines, wrapped.
        table: an optional table after the fields.
        totals: key-value lines right-aligned under the table (sums).
        qr: QR code payload (e.g. the receipt number for look-up), or "".
        barcode: CODE128 payload (printable ASCII), or "". Printed only when it fits the paper
            (a long one does not on 58 mm): put the same data in the QR code.
        footer: small centered lines at the end.
        drawings: line drawings (signatures, each under its caption) printed as images after the notes.
        reprint: True on a copy of a job that already went (partly) to paper.
        reprint_label: the mark printed on such a copy, in the receipt's language.
    """

    kind: str
    title: str
    origin: Origin
    heading: tuple[str, ...] = ()
    subtitle: tuple[str, ...] = ()
    big_text: str = ""
    fields: tuple[tuple[str, str], ...] = ()
    notes: tuple[str, ...] = ()
    table: Table | None = None
    totals: tuple[tuple[str, str], ...] = ()
    qr: str = ""
    barcode: str = ""
    footer: tuple[str, ...] = ()
    drawings: tuple[Drawing, ...] = ()
    reprint: bool = False
    reprint_label: str = "REPRINT"

    def __post_init__(self) -> None:
        if not self.kind.isidentifier():
            raise ValueError("receipt kind must be a short identifier such as 'submission'")
        if self.big_text and not self.big_text.isascii():
            raise ValueError("big_text is printed in the printer's ASCII font and must be ASCII")

    def as_reprint(self) -> Receipt:
        """The same receipt marked as a reprint."""
        return dataclasses.replace(self, reprint=True)

    def __repr__(self) -> str:  # fields may be personal: show the kind only
        return f"Receipt(kind={self.kind!r})"

    __str__ = __repr__


def mask_id_number(id_number: str) -> str:
    """Keep the first and last four characters of an ID number: ``4405**********0014``."""
    id_number = id_number.strip()
    if len(id_number) <= 8:
        return "*" * len(id_number)
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]


def yuan(amount: Decimal | int | str) -> str:
    """An amount in yuan with thousands separators: ``¥1,234.50``."""
    return f"¥{Decimal(amount):,.2f}"
