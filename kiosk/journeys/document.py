"""Declarative documents and tables: what a journey shows in a table and prints on paper.

A definition says *what* goes on the receipt (title, labelled values, a table, notes, a QR code or
barcode), each value a template over the journey's scope; :func:`render_document` turns that into
a printer-independent ``Receipt`` in the citizen's language. The printer driver only prints it.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping

from pydantic import BaseModel, ConfigDict, Field

from drivers.printer.receipt import Drawing, Origin, Receipt, Table
from kiosk.journeys import template
from kiosk.journeys.definition import DefinitionContext, DefinitionError
from kiosk.texts import Texts

Pick = Callable[[dict[str, str]], str]
ROW = frozenset({"row"})


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class LabelledValue(_Spec):
    """A label and a template, e.g. ``{label = {...}, value = "{receipt_no}"}``."""

    label: Texts
    value: str


class Column(_Spec):
    """A table column: its header and the template of each cell (``row`` is the row's data)."""

    label: Texts
    value: str
    numeric: bool = False


class TableSpec(_Spec):
    """Rows from a list in the scope (``rows = "reply.records"``), one column per entry, and an
    optional totals line (one template per column)."""

    rows: str
    columns: list[Column] = Field(min_length=1, max_length=6)
    total: list[str] = []
    total_label: Texts | None = None

    def check(self, ctx: DefinitionContext, key: str) -> None:
        ctx.check_source(self.rows, f"{key}.rows")
        for i, column in enumerate(self.columns):
            ctx.check_texts(column.label, f"{key}.columns.{i}.label")
            ctx.check_template(column.value, f"{key}.columns.{i}.value", ROW)
        if self.total and len(self.total) != len(self.columns):
            raise DefinitionError(f"{key}.total: one template per column ({len(self.columns)}), got {len(self.total)}")
        for i, cell in enumerate(self.total):
            ctx.check_template(cell, f"{key}.total.{i}")


class SignatureSpec(_Spec):
    """A signature drawn on the paper under its caption: ``value`` is a source holding a signature
    envelope (``"form.lessee_signature"``), ``caption`` says whose it is (承租人签名：)."""

    value: str
    caption: Texts


class DocumentSpec(_Spec):
    """A printed document."""

    kind: str = Field(default="document", pattern=r"^[a-z][a-z0-9_]{0,30}$")  # journaled: never personal
    heading: list[Texts] = []          # centred lines above the title (an official form's header)
    title: Texts
    subtitle: list[Texts] = []         # centred lines under the title
    fields: list[LabelledValue] = []
    code: LabelledValue | None = None  # a verification code: printed after the fields, and shown on the
                                       # screen with the number and the QR when the printer cannot print
    reprint: str = ""                  # a source (``reply.reprint``): when true, the paper is marked as a reprint
    table: TableSpec | None = None
    totals: list[LabelledValue] = []
    notes: list[Texts] = []
    qr: str = ""
    barcode: str = ""
    footer: list[Texts] = []
    signature: str = ""                  # a source holding a signature envelope (e.g. "form.signature"): drawn
    signature_caption: Texts | None = None
    signatures: list[SignatureSpec] = []  # several signers (both parties), each drawn under its own caption

    def check(self, ctx: DefinitionContext, key: str) -> None:
        if self.signature:
            ctx.check_source(self.signature, f"{key}.signature")
        for i, signed in enumerate(self.signatures):
            ctx.check_source(signed.value, f"{key}.signatures.{i}.value")
            ctx.check_texts(signed.caption, f"{key}.signatures.{i}.caption")
        for name in ("fields", "totals"):
            for i, item in enumerate(getattr(self, name)):
                ctx.check_template(item.value, f"{key}.{name}.{i}.value")
        if self.code is not None:
            ctx.check_template(self.code.value, f"{key}.code.value")
        if self.reprint:
            ctx.check_source(self.reprint, f"{key}.reprint")
        if self.table is not None:
            self.table.check(ctx, f"{key}.table")
        for i, note in enumerate(self.notes):
            ctx.check_texts(note, f"{key}.notes.{i}")
        ctx.check_template(self.qr, f"{key}.qr")
        ctx.check_template(self.barcode, f"{key}.barcode")


def resolved_codes(codes: Mapping[str, Mapping[str, Texts]], pick: Pick) -> dict[str, dict[str, str]]:
    """Code tables in the current language."""
    return {name: {code: pick(texts.as_dict()) for code, texts in table.items()} for name, table in codes.items()}


def table_cells(spec: TableSpec, scope: Mapping[str, Any], codes: Mapping[str, Mapping[str, str]],
                pick: Pick) -> tuple[list[str], list[list[str]], list[str]]:
    """``(headers, rows, totals)`` of a table as text (``totals`` is [] without a totals line)."""
    headers = [pick(c.label.as_dict()) for c in spec.columns]
    items = template.lookup(scope, spec.rows) or []
    rows = [[template.render(c.value, {**scope, "row": item}, codes) for c in spec.columns] for item in items]
    totals = [template.render(cell, scope, codes) for cell in spec.total]
    if totals and spec.total_label is not None and not totals[0]:
        totals[0] = pick(spec.total_label.as_dict())
    return headers, rows, totals


def render_document(spec: DocumentSpec, scope: Mapping[str, Any], codes: Mapping[str, Mapping[str, Texts]],
                    pick: Pick, origin: Origin, reprint_label: str) -> Receipt:
    """The ``Receipt`` of ``spec`` filled from ``scope``, in the language ``pick`` chooses."""
    text_codes = resolved_codes(codes, pick)

    def fill(value: str) -> str:
        return template.render(value, scope, text_codes)

    table = None
    if spec.table is not None:
        headers, rows, _ = table_cells(spec.table, scope, text_codes, pick)
        numeric = frozenset(i for i, c in enumerate(spec.table.columns) if c.numeric)
        table = Table(tuple(headers), tuple(tuple(r) for r in rows), numeric)
    fields = [*spec.fields, *([spec.code] if spec.code is not None else [])]
    notes = (fill(text) if _any_value(text, scope) else "" for text in (pick(n.as_dict()) for n in spec.notes))
    return Receipt(
        spec.kind, pick(spec.title.as_dict()), origin,
        heading=tuple(pick(h.as_dict()) for h in spec.heading),
        subtitle=tuple(pick(h.as_dict()) for h in spec.subtitle),
        # a field whose values are all empty is left out (the department's number while it is queued)
        fields=tuple((pick(f.label.as_dict()), fill(f.value)) for f in fields if _any_value(f.value, scope)),
        table=table,
        totals=tuple((pick(t.label.as_dict()), fill(t.value)) for t in spec.totals),
        notes=tuple(n for n in notes if n),  # a note whose values are all empty is left out
        qr=fill(spec.qr), barcode=fill(spec.barcode),
        footer=tuple(fill(pick(f.as_dict())) for f in spec.footer),
        reprint=bool(spec.reprint and template.lookup(scope, spec.reprint)),
        drawings=signature_drawings(signatures(spec, pick), scope),
        reprint_label=reprint_label,
    )


def signatures(spec: DocumentSpec, pick: Pick) -> list[tuple[str, str]]:
    """``(source, caption)`` of every signature the document draws, in order."""
    single = [(spec.signature, pick(spec.signature_caption.as_dict()) if spec.signature_caption else "")] \
        if spec.signature else []
    return single + [(s.value, pick(s.caption.as_dict())) for s in spec.signatures]


def signature_drawings(signed: list[tuple[str, str]], scope: Mapping[str, Any]) -> tuple[Drawing, ...]:
    """The signatures ``(source, caption)`` whose source holds an envelope in ``scope``, as drawings."""
    drawings = (_drawing(template.lookup(scope, source), caption) for source, caption in signed)
    return tuple(d for d in drawings if d is not None)


def _any_value(text: str, scope: Mapping[str, Any]) -> bool:
    """True for a text without placeholders, or with at least one that has a value."""
    paths = [path for path, _ in template.placeholders(text)]
    return not paths or any(template.lookup(scope, path) not in (None, "") for path in paths)


def _drawing(envelope: Any, caption: str) -> Drawing | None:
    """The strokes of a signature envelope as polylines (timing dropped: paper shows the shape only)."""
    strokes = envelope.get("strokes") if isinstance(envelope, dict) else None
    if not strokes:
        return None
    lines, line = [], []
    for x, y, _t, pen in strokes["points"]:
        line.append((x, y))
        if pen == 0:
            lines.append(tuple(line))
            line = []
    if line:
        lines.append(tuple(line))
    return Drawing(strokes["width"], strokes["height"], tuple(lines), caption)
