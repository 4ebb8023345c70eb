"""Hand-offs to the citizen's phone, for any department: the kiosk opens one (a QR code the
official app scans), shows it and polls until the citizen confirms or refuses on the phone; a
submission then names the confirmed hand-off, which is used up by it.

There is no phone here. ``POST /_sim/handoffs/confirm`` is the citizen signing in the app
(``refuse``: declining, or the phone's identity check failing; ``expire``: the time running out
now), for the newest pending hand-off or the one named in the body (``SimHandle.handoff``, the
kiosk's demo key ``s``). A hand-off nobody acts on expires after ``--handoff-expiry-s``.
"""
from __future__ import annotations

import hashlib
import secrets
import sqlite3
from datetime import datetime

from backend_sim.common import Refusal, Request, invalid
from backend_sim.store import SimStore
from kiosk.signing import document_digest

QR_BASE = "https://sign.zwfw.example/handoff/"  # the official app's link (a reserved example domain)
PHONE_ACTIONS = {"confirm": "confirmed", "refuse": "refused", "expire": "expired"}


def open_handoff(req: Request, purpose: str) -> tuple[int, dict]:
    """A new pending hand-off for the citizen of ``req`` and ``purpose``: its id, QR content and expiry."""
    handoff_id, token = secrets.token_hex(16), secrets.token_urlsafe(18)
    expires_in = int(req.timing.handoff_expiry_s)
    digest = req.body.get("document_digest", "")
    req.con.execute("INSERT INTO handoffs VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', NULL)",
                    (handoff_id, req.op.department, purpose, _who(req.body["id_number"]), digest,
                     req.now.timestamp(), req.now.timestamp() + expires_in))
    return 200, {"handoff_id": handoff_id, "qr_content": QR_BASE + token, "expires_in_s": expires_in}


def handoff_status(req: Request) -> tuple[int, dict]:
    """The state of one of this department's hand-offs now (404 for anything else)."""
    row = _row(req.con, req.body["handoff_id"], req.op.department)
    if row is None:
        raise Refusal(404, "not_found")
    status = _status(row, req.now)
    left = 0 if status != "pending" else max(0, int(row["expires_at"] - req.now.timestamp()))
    return 200, {"handoff_id": row["handoff_id"], "status": status, "expires_in_s": left}


def use_handoff(req: Request, field: str, purpose: str) -> None:
    """Check that ``req.body[field]`` names a hand-off the same citizen confirmed for ``purpose``,
    for exactly this request (its digest without ``field`` is the confirmed ``document_digest``),
    and not used before, and use it up (in the submission's transaction).

    Raises:
        Refusal: ``field`` with ``not_found``, ``mismatch`` (another citizen or purpose),
            ``not_signed`` (pending or refused), ``expired``, ``used`` or ``changed`` (another document).
    """
    row = _row(req.con, req.body[field], req.op.department)
    if row is None:
        raise invalid((field, "not_found"))
    if row["who"] != _who(req.body["id_number"]) or row["purpose"] != purpose:
        raise invalid((field, "mismatch"))
    status = _status(row, req.now)
    if status == "expired":
        raise invalid((field, "expired"))
    if status != "confirmed":
        raise invalid((field, "not_signed"))
    if row["used_by"] is not None:
        raise invalid((field, "used"))
    if row["document_digest"] != document_digest({k: v for k, v in req.body.items() if k != field}):
        raise invalid((field, "changed"))  # a field changed after the citizen confirmed on the phone
    req.con.execute("UPDATE handoffs SET used_by = ? WHERE handoff_id = ?", (req.key, row["handoff_id"]))


def act_on_phone(store: SimStore, action: str, handoff_id: str | None, now: datetime) -> tuple[int, dict]:
    """The simulated phone: ``confirm``, ``refuse`` or ``expire`` a pending hand-off (the newest if
    ``handoff_id`` is None). 404 when there is no such pending hand-off."""
    with store.transaction() as con:
        if handoff_id is None:
            row = con.execute("SELECT * FROM handoffs WHERE status = 'pending' AND expires_at > ? "
                              "ORDER BY created_at DESC, rowid DESC LIMIT 1", (now.timestamp(),)).fetchone()
        else:
            row = con.execute("SELECT * FROM handoffs WHERE handoff_id = ?", (handoff_id,)).fetchone()
        if row is None or _status(row, now) != "pending":
            return 404, {"error": "not_found", "message": "no pending hand-off"}
        if action == "expire":
            con.execute("UPDATE handoffs SET expires_at = ? WHERE handoff_id = ?", (now.timestamp(), row["handoff_id"]))
        else:
            con.execute("UPDATE handoffs SET status = ? WHERE handoff_id = ?", (PHONE_ACTIONS[action], row["handoff_id"]))
    return 200, {"handoff_id": row["handoff_id"], "status": PHONE_ACTIONS[action]}


def _row(con: sqlite3.Connection, handoff_id: str, department: str) -> sqlite3.Row | None:
    return con.execute("SELECT * FROM handoffs WHERE handoff_id = ? AND department = ?",
                       (handoff_id, department)).fetchone()


def _status(row: sqlite3.Row, now: datetime) -> str:
    if row["status"] == "pending" and now.timestamp() >= row["expires_at"]:
        return "expired"
    return row["status"]


def _who(id_number: str) -> str:
    """Whose hand-off it is, without keeping the ID number in one more table."""
    return hashlib.sha256(id_number.encode()).hexdigest()


def check_confirmed(req: Request, field: str, purpose: str) -> None:
    """Check that ``req.body[field]`` names a hand-off the same citizen confirmed for ``purpose`` and
    that has not expired, without using it up (for queries and repeatable acts within its time).

    Raises:
        Refusal: ``field`` with ``not_found``, ``mismatch``, ``expired`` or ``not_signed``.
    """
    row = _row(req.con, req.body[field], req.op.department)
    if row is None:
        raise invalid((field, "not_found"))
    if row["who"] != _who(req.body["id_number"]) or row["purpose"] != purpose:
        raise invalid((field, "mismatch"))
    status = _status(row, req.now)
    if status == "expired":
        raise invalid((field, "expired"))
    if status != "confirmed":
        raise invalid((field, "not_signed"))
