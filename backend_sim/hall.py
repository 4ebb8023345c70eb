"""The hall: profiles for prefilling (民生档案), counter queues and tickets (排队叫号), ratings (好差评).

Queues are served at one ticket every ``SERVICE_MIN`` minutes from the day's first ticket, so
``waiting`` grows when tickets come faster than that and drains otherwise.
"""
from __future__ import annotations

import json

from backend_sim import data
from backend_sim.common import CHINA, Refusal, Request, check_ids, invalid, stamp
from backend_sim.store import SimStore

QUEUES = {"tax": "A", "exit_entry": "B", "registration": "C", "general": "D"}
SERVICE_MIN = 4
NEGATIVE = {"dissatisfied", "very_dissatisfied"}


def query_profile(req: Request) -> tuple[int, dict]:
    b = req.body
    check_ids(b, "id_number")
    if not data.has_profile(b["id_number"]):
        raise Refusal(404, "not_found")
    return 200, data.profile(b["id_number"], b["name"])


def _queue_state(req: Request, queue: str) -> tuple[int, int]:
    """(tickets issued today, tickets served so far) of one queue."""
    day = req.now.astimezone(CHINA).strftime("%Y%m%d")
    issued, first = req.con.execute("SELECT count(*), min(issued_at) FROM tickets WHERE day = ? AND queue = ?",
                                    (day, queue)).fetchone()
    served = 0 if first is None else int((req.now.timestamp() - first) // (SERVICE_MIN * 60))
    return issued, min(issued, served)


def list_queues(req: Request) -> tuple[int, dict]:
    queues = []
    for queue, prefix in QUEUES.items():
        issued, served = _queue_state(req, queue)
        waiting = issued - served
        queues.append({"queue": queue, "prefix": prefix, "waiting": waiting,
                       "estimated_wait_min": waiting * SERVICE_MIN})
    return 200, {"queues": queues}


def issue_queue_ticket(req: Request) -> tuple[int, dict]:
    b = req.body
    check_ids(b, "id_number")
    issued, served = _queue_state(req, b["queue"])
    day = req.now.astimezone(CHINA).strftime("%Y%m%d")
    seq = SimStore.next_number(req.con, f"ticket:{b['queue']}:{day}")
    ticket_no = f"{QUEUES[b['queue']]}{seq % 1000:03d}"
    req.con.execute("INSERT INTO tickets VALUES (?, ?, ?, ?, ?, ?)",
                    (day, ticket_no, b["queue"], b["priority"], req.now.timestamp(), req.key))
    ahead = issued - served
    return 201, {"ticket_no": ticket_no, "queue": b["queue"], "issued_at": stamp(req.now),
                 "waiting_ahead": ahead, "estimated_wait_min": ahead * SERVICE_MIN}


def submit_rating(req: Request) -> tuple[int, dict]:
    b = req.body
    if b["rating"] in NEGATIVE and not b.get("reasons") and not b.get("comment", "").strip():
        raise invalid(("reasons", "required"))
    day = req.now.astimezone(CHINA).strftime("%Y%m%d")
    rating_id = f"HC{day}{SimStore.next_number(req.con, f'rating:{day}'):06d}"
    req.con.execute("INSERT INTO ratings VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (rating_id, b["service_id"], b["receipt_no"], b["rating"], json.dumps(b.get("reasons", [])),
                     b.get("comment", ""), req.now.timestamp(), req.key))
    return 201, {"rating_id": rating_id, "received_at": stamp(req.now)}


def record_heartbeat(req: Request) -> tuple[int, dict]:
    """Keep each terminal's last heartbeat (no personal data in it); ``poll_now`` when the operator
    asked the hall to hurry that terminal's update check (``SimStore`` counter ``poll_now:<terminal>``)."""
    b = req.body
    req.con.execute("INSERT OR REPLACE INTO heartbeats VALUES (?, ?, ?)",
                    (b["terminal_id"], req.now.timestamp(), json.dumps(b, sort_keys=True)))
    asked = req.con.execute("SELECT value FROM counters WHERE name = ?", (f"poll_now:{b['terminal_id']}",)).fetchone()
    if asked:
        req.con.execute("DELETE FROM counters WHERE name = ?", (f"poll_now:{b['terminal_id']}",))
    return 201, {"received_at": stamp(req.now), "poll_now": bool(asked)}


HANDLERS = {
    "hall.query_profile": query_profile,
    "hall.list_queues": list_queues,
    "hall.issue_queue_ticket": issue_queue_ticket,
    "hall.submit_rating": submit_rating,
    "hall.send_heartbeat": record_heartbeat,
}
