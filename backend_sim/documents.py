"""Official tax documents the reference backend issues (纳税记录, 税收完税证明) and their verification.

Each document is stored (``documents`` table) with what a verifier may see; its verification code
(查验码) is an HMAC of the document's number, holder, period and total under this database's own
secret, so a code cannot be made up or moved to another document, and an altered one never matches.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import sqlite3
from dataclasses import dataclass
from datetime import datetime

from backend_sim.common import CHINA, Request, Refusal, stamp
from backend_sim.store import SimStore

VERIFY_URL = "https://verify.tax.example/v"  # the tax authority's verification page (fictional host)
_SECRET = "verification-codes"


@dataclass(frozen=True)
class Document:
    """A stored document: what its verification shows and its code is computed from."""

    document_no: str
    kind: str              # income_record | payment_certificate
    id_number: str
    name: str
    period_from: str
    period_to: str
    total: str
    tax_office: str
    issued_at: datetime

    def code(self, con: sqlite3.Connection) -> str:
        message = "|".join((self.document_no, self.kind, self.id_number, self.period_from, self.period_to,
                            self.total)).encode()
        digest = hmac.new(SimStore.secret(con, _SECRET), message, hashlib.sha256).digest()
        return base64.b32encode(digest).decode()[:16].replace("=", "")

    def url(self, con: sqlite3.Connection) -> str:
        return f"{VERIFY_URL}?no={self.document_no}&code={self.code(con)}"


def issued_today(req: Request, kind: str, subject: str) -> Document | None:
    """The document of this kind the same person had issued today for the same ``subject`` (what
    it covers: the years, the vouchers), if any."""
    day = req.now.astimezone(CHINA).date().isoformat()
    row = req.con.execute("SELECT * FROM documents WHERE id_number = ? AND kind = ? AND day = ? AND subject = ?",
                          (req.body["id_number"], kind, day, subject)).fetchone()
    return _document(row) if row is not None else None


def store(req: Request, doc: Document, subject: str) -> None:
    """Record a newly issued document (inside the submission's transaction)."""
    req.con.execute("INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (doc.document_no, doc.kind, doc.id_number, doc.name, doc.issued_at.astimezone(CHINA).date().isoformat(),
                     subject, doc.period_from, doc.period_to, doc.total, doc.tax_office, doc.issued_at.timestamp(),
                     req.key))


def _document(row: sqlite3.Row) -> Document:
    return Document(row["document_no"], row["kind"], row["id_number"], row["name"], row["period_from"],
                    row["period_to"], row["total"], row["tax_office"], datetime.fromtimestamp(row["issued_at"], CHINA))


def masked_name(name: str) -> str:
    """``陈*远``: the surname and the last character."""
    return name if len(name) < 2 else name[0] + "*" * max(1, len(name) - 2) + name[-1]


def verify_document(req: Request) -> tuple[int, dict]:
    """Anyone with the paper checks it: an unknown number and a wrong code get the same 404."""
    b = req.body
    row = req.con.execute("SELECT * FROM documents WHERE document_no = ?", (b["document_no"],)).fetchone()
    doc = _document(row) if row is not None else None
    if doc is None or not hmac.compare_digest(doc.code(req.con), b["verification_code"]):
        raise Refusal(404, "not_found", message="no document with this number and code")
    return 200, {"document_no": doc.document_no, "document_kind": doc.kind, "issued_at": stamp(doc.issued_at),
                 "tax_office": doc.tax_office, "taxpayer_name_masked": masked_name(doc.name),
                 "period_from": doc.period_from, "period_to": doc.period_to, "total": doc.total}
