"""What every department's handlers share: the request they get, how they refuse, and applications.

A handler is ``handler(req) -> (status, reply)``; it raises :class:`Refusal` for a 4xx answer.
Requests reaching a handler already passed the contract's schema; handlers do the business checks
(check digits, date order, tariffs, capacity).

Applications move ``received`` -> ``accepted`` -> ``done`` with time: their status is computed
from their age when read (``--accept-after-s``, ``--done-after-s``), nothing runs in the background.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from backend_sim.checks import id_number_valid, uscc_check_char
from backend_sim.store import SimStore
from kiosk.backends.contract import Operation

CHINA = timezone(timedelta(hours=8))
APPLICATION_PREFIX = {"tax": "SW", "exit_entry": "CR", "registration": "DJ"}


@dataclass(frozen=True)
class Timing:
    accept_after_s: float = 20.0
    done_after_s: float = 60.0
    handoff_expiry_s: float = 180.0  # a phone hand-off nobody acts on expires after this


@dataclass
class Request:
    """One request, already routed and schema-valid."""

    op: Operation
    body: Any
    params: dict[str, str]
    key: str | None
    con: sqlite3.Connection
    now: datetime
    timing: Timing


class Refusal(Exception):
    """A 4xx answer: ``error`` is the contract's error word, ``fields`` are (field, code) pairs."""

    def __init__(self, status: int, error: str, fields: list[tuple[str, str]] = (), message: str = "") -> None:
        super().__init__(message or error)
        self.status, self.error, self.fields = status, error, list(fields)
        self.message = message or {"validation": "validation failed", "conflict": "cannot be done now",
                                   "not_found": "nothing on record"}.get(error, error)

    def reply(self) -> dict:
        body = {"error": self.error, "message": self.message}
        if self.fields:
            body["fields"] = [{"field": f, "code": c, "message": f"{f}: {c.replace('_', ' ')}"} for f, c in self.fields]
        return body


def invalid(*fields: tuple[str, str]) -> Refusal:
    return Refusal(422, "validation", list(fields))


def stamp(moment: datetime) -> str:
    return moment.astimezone(CHINA).isoformat(timespec="seconds")


def check_ids(body: dict, *paths: str) -> None:
    """Refuse with ``checksum`` every listed ID number (dotted path in the body) that is not valid."""
    bad = []
    for path in paths:
        value: Any = body
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value is not None and not id_number_valid(value):
            bad.append((path, "checksum"))
    if bad:
        raise invalid(*bad)


def create_application(req: Request, kind: str, fee: str | None = None) -> tuple[int, dict]:
    """Store an application of ``req.op``'s department and answer 202 with its receipt."""
    department = req.op.department
    prefix = APPLICATION_PREFIX[department]
    day = req.now.astimezone(CHINA).strftime("%Y%m%d")
    number = f"{prefix}{day}{SimStore.next_number(req.con, f'app:{prefix}:{day}'):06d}"
    req.con.execute("INSERT INTO applications VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (number, department, kind, req.body["id_number"], req.body["name"], req.now.timestamp(), fee,
                     req.key))
    reply = {"application_no": number, "kind": kind, "status": "received", "received_at": stamp(req.now)}
    if fee is not None:
        reply["fee"] = fee
    return 202, reply


def query_applications(req: Request) -> tuple[int, dict]:
    """The citizen's applications with this department, newest first, with their progress now."""
    check_ids(req.body, "id_number")
    sql = "SELECT * FROM applications WHERE department = ? AND id_number = ?"
    args: list = [req.op.department, req.body["id_number"]]
    if "application_no" in req.body:
        sql += " AND application_no = ?"
        args.append(req.body["application_no"])
    rows = req.con.execute(sql + " ORDER BY received_at DESC", args).fetchall()
    return 200, {"applications": [_progress(row, req) for row in rows]}


def _progress(row: sqlite3.Row, req: Request) -> dict:
    received = datetime.fromtimestamp(row["received_at"], CHINA)
    steps = [("received", received),
             ("accepted", received + timedelta(seconds=req.timing.accept_after_s)),
             ("done", received + timedelta(seconds=req.timing.done_after_s))]
    history = [(status, at) for status, at in steps if at <= req.now] or steps[:1]
    status, updated = history[-1]
    result = {"application_no": row["application_no"], "kind": row["kind"], "status": status,
              "received_at": stamp(received), "updated_at": stamp(updated),
              "history": [{"status": s, "at": stamp(at)} for s, at in history]}
    if status == "done" and row["kind"] == "sole_proprietor_registration":
        result["result_ref"] = _licence_code(row["application_no"])
    elif status == "done" and row["kind"] in ("residence_registration", "rental_filing"):
        result["result_ref"] = ("JZ" if row["kind"] == "residence_registration" else "BA") + row["application_no"][2:]
    return result


def _licence_code(application_no: str) -> str:
    """The unified social credit code of a newly registered individual business (``92...``)."""
    body = f"92440106MA{int(application_no[-7:]) * 7919 % 10**7:07d}"
    return body + uscc_check_char(body)
