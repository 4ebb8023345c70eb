"""出入境: appointment slots that fill up, bookings (one per citizen, cancellable), Hong Kong / Macau
endorsements, and the progress of document applications stage by stage."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from backend_sim import data, payment
from backend_sim.common import (
    CHINA, Refusal, Request, check_ids, create_application, invalid, query_applications, stamp,
)
from backend_sim.store import SimStore

MAX_DAYS = 14
ENDORSEMENT_FEE = Decimal("15.00")  # per entry, since 2019


def _slot(office_id: str, day: date, start: str, booked: int) -> dict:
    capacity, taken = data.slot_capacity(office_id, day, start)
    end = (datetime.combine(day, datetime.strptime(start, "%H:%M").time()) + timedelta(minutes=30)).strftime("%H:%M")
    return {"slot_id": f"{office_id}-{day:%Y%m%d}-{start.replace(':', '')}", "office_id": office_id,
            "office_name": data.OFFICES[office_id], "date": day.isoformat(), "start": start, "end": end,
            "capacity": capacity, "remaining": max(0, capacity - taken - booked)}


def _booked(req: Request, slot_id: str) -> int:
    return req.con.execute("SELECT count(*) FROM appointments WHERE slot_id = ? AND appointment_no NOT IN "
                           "(SELECT appointment_no FROM cancellations)", (slot_id,)).fetchone()[0]


def _started(day: date, start: str, now: datetime) -> bool:
    local = now.astimezone(CHINA)
    return (day, start) <= (local.date(), local.strftime("%H:%M"))


def list_appointment_slots(req: Request) -> tuple[int, dict]:
    p = req.params
    first, last = date.fromisoformat(p["date_from"]), date.fromisoformat(p["date_to"])
    today = req.now.astimezone(CHINA).date()
    if first < today:
        raise invalid(("date_from", "in_past"))
    if last < first:
        raise invalid(("date_to", "before_start"))
    if (last - first).days >= MAX_DAYS:
        raise invalid(("date_to", "out_of_range"))
    offices = [p["office_id"]] if "office_id" in p else sorted(data.OFFICES)
    if any(o not in data.OFFICES for o in offices):
        raise invalid(("office_id", "not_found"))
    slots = []
    for n in range((last - first).days + 1):
        day = first + timedelta(days=n)
        if day.weekday() == 6:  # closed on Sundays
            continue
        for office in offices:
            for start in data.SLOT_STARTS:
                if not _started(day, start, req.now):
                    slot_id = f"{office}-{day:%Y%m%d}-{start.replace(':', '')}"
                    slots.append(_slot(office, day, start, _booked(req, slot_id)))
    return 200, {"slots": slots}


def book_appointment(req: Request) -> tuple[int, dict]:
    b = req.body
    check_ids(b, "id_number")
    office, day_text, hhmm = b["slot_id"].split("-")
    start = f"{hhmm[:2]}:{hhmm[2:]}"
    try:
        day = datetime.strptime(day_text, "%Y%m%d").date()
    except ValueError:
        raise invalid(("slot_id", "not_found")) from None
    if office not in data.OFFICES or start not in data.SLOT_STARTS or day.weekday() == 6:
        raise invalid(("slot_id", "not_found"))
    if _started(day, start, req.now):
        raise invalid(("slot_id", "in_past"))
    mismatched = [(name, "mismatch") for name, value in (("office_id", office), ("date", day.isoformat()))
                  if b.get(name, value) != value]
    if mismatched:
        raise invalid(*mismatched)
    slot = _slot(office, day, start, _booked(req, b["slot_id"]))
    if slot["remaining"] == 0:
        raise Refusal(409, "conflict", [("slot_id", "full")])
    held = _upcoming(req, b["id_number"])
    if held:
        raise BookingConflict(held[0])
    local_day = req.now.astimezone(CHINA).strftime("%Y%m%d")
    number = f"YY{local_day}{SimStore.next_number(req.con, f'appointment:{local_day}'):06d}"
    collection = b.get("collection", "counter")
    req.con.execute("INSERT INTO appointments (appointment_no, slot_id, business, id_number, booked_at, idempotency_key, "
                    "collection) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (number, b["slot_id"], b["business"], b["id_number"], req.now.timestamp(), req.key, collection))
    slot["remaining"] -= 1
    return 201, {"appointment_no": number, "business": b["business"], "slot": slot, "status": "booked",
                 "collection": collection}


class BookingConflict(Refusal):
    """409: the citizen already holds a booking; the reply carries it, so the kiosk can show it."""

    def __init__(self, held: dict) -> None:
        super().__init__(409, "conflict", [("id_number", "already_booked")], "the citizen already holds a booking")
        self.held = held

    def reply(self) -> dict:
        return super().reply() | {"appointment": self.held}


def _appointment(req: Request, row, status: str = "booked") -> dict:
    office, day_text, hhmm = row["slot_id"].split("-")
    day = datetime.strptime(day_text, "%Y%m%d").date()
    return {"appointment_no": row["appointment_no"], "business": row["business"], "status": status,
            "slot": _slot(office, day, f"{hhmm[:2]}:{hhmm[2:]}", _booked(req, row["slot_id"])),
            "collection": row["collection"]}


def _upcoming(req: Request, id_number: str) -> list[dict]:
    """The citizen's bookings that were not cancelled and whose time has not come, soonest first."""
    rows = req.con.execute("SELECT * FROM appointments WHERE id_number = ? AND appointment_no NOT IN "
                           "(SELECT appointment_no FROM cancellations) ORDER BY slot_id", (id_number,)).fetchall()
    found = [_appointment(req, row) for row in rows]
    return sorted((a for a in found if not _started(date.fromisoformat(a["slot"]["date"]), a["slot"]["start"], req.now)),
                  key=lambda a: (a["slot"]["date"], a["slot"]["start"]))


# ---- HK/Macau endorsements: eligibility, offers (fee items), applications (branch h12pay) ----
TYPE_LETTER = {"individual_visit": "G", "group_tour": "L", "visiting_relatives": "T", "business": "S"}
TYPE_NAME = {"individual_visit": "个人旅游", "group_tour": "团队旅游", "visiting_relatives": "探亲", "business": "商务"}
PLACE_NAME = {"HK": "香港", "MO": "澳门"}
RENEW_WITHIN = timedelta(days=90)  # a permit this close to expiry is renewed first


def _age(id_number: str, today: date) -> int:
    born = date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _eligible(id_number: str, today: date) -> list[tuple[str, int, int, str]]:
    """(type, count, validity in months, how it is issued) this person may apply for at a kiosk.

    Under-16s apply at the counter with a guardian; 个人旅游 is for Guangdong household
    registrations (the kiosk's province); 探亲 and 商务 need records the counter checks, so they
    are issued there after a review."""
    age = _age(id_number, today)
    if age < 16:
        return []
    found = [("group_tour", n, 3, "endorsement_machine") for n in (1, 2)]
    if id_number.startswith("44"):
        found = [("individual_visit", n, 3, "endorsement_machine") for n in (1, 2)] + found
    if data.has_relatives_in(id_number):
        found.append(("visiting_relatives", 1, 3, "counter"))
    if age >= 18 and data.business_traveller(id_number):
        found.append(("business", 1, 3, "counter"))
    return found


def query_endorsement_options(req: Request) -> tuple[int, dict]:
    b = req.body
    check_ids(b, "id_number")
    number, valid_to = data.permit(b["id_number"])
    if b["permit_number"] != number:
        raise invalid(("permit_number", "mismatch"))
    today = req.now.astimezone(CHINA).date()
    if valid_to < today:
        raise invalid(("permit_number", "expired"))
    options = []
    if valid_to - today >= RENEW_WITHIN:
        for kind, count, months, issue in _eligible(b["id_number"], today):
            for place in ("HK", "MO"):
                amount = ENDORSEMENT_FEE * count
                item = f"往来港澳通行证签注费（{PLACE_NAME[place]}{TYPE_NAME[kind]}{'一次' if count == 1 else '二次'}）"
                offer = payment.issue_fee(req.con, "exit_entry", item, amount, b["id_number"],
                                          f"{number}:{place}:{kind}:{count}:{months}", req.now)
                options.append({"offer_id": offer, "destination": place, "endorsement_type": kind, "count": count,
                                "validity_months": months, "fee": str(amount), "issue": issue})
    return 200, {"permit_valid_to": valid_to.isoformat(), "options": options}


def apply_endorsement(req: Request) -> tuple[int, dict]:
    b, con = req.body, req.con
    check_ids(b, "id_number")
    number, _ = data.permit(b["id_number"])
    if b["permit_number"] != number:
        raise invalid(("permit_number", "mismatch"))
    fee = con.execute("SELECT * FROM fees WHERE fee_id = ? AND department = 'exit_entry'", (b["offer_id"],)).fetchone()
    if fee is None or fee["id_number"] != b["id_number"]:
        raise invalid(("offer_id", "not_found"))
    if payment.fee_paid_by(con, b["offer_id"]) != b["payment_order_id"]:
        raise invalid(("payment_order_id", "not_paid"))
    done = con.execute("SELECT a.* FROM endorsements e JOIN applications a USING (application_no) "
                       "WHERE e.payment_order_id = ?", (b["payment_order_id"],)).fetchone()
    if done is not None:  # the same paid order again (another key): the application it made
        return 202, {"application_no": done["application_no"], "kind": done["kind"], "status": "received",
                     "received_at": stamp(datetime.fromtimestamp(done["received_at"], CHINA)), "fee": done["fee"]}
    if payment.setting(con, "refuse_endorsements"):
        raise invalid(("offer_id", "not_approved"))
    status, reply = create_application(req, "endorsement", fee=fee["amount"])
    con.execute("INSERT INTO endorsements VALUES (?, ?, ?)",
                (reply["application_no"], b["offer_id"], b["payment_order_id"]))
    return status, reply


# ---- Appointments (offices, days, my bookings, cancelling) and progress ---------------------------
def _days(req: Request, business: str, office: str) -> list[dict]:
    today = req.now.astimezone(CHINA).date()
    days = []
    for n in range(MAX_DAYS):
        day = today + timedelta(days=n)
        if day.weekday() == 6:  # closed on Sundays
            continue
        remaining = sum(_slot(office, day, start, _booked(req, f"{office}-{day:%Y%m%d}-{start.replace(':', '')}"))
                        ["remaining"] for start in data.SLOT_STARTS if not _started(day, start, req.now))
        days.append({"date": day.isoformat(), "weekday": day.isoweekday(), "remaining": remaining})
    return days


def list_offices(req: Request) -> tuple[int, dict]:
    business = req.params["business"]
    return 200, {"offices": [{"office_id": office, "name": name, "address": data.OFFICE_DETAILS[office][0],
                              "hours": data.OFFICE_DETAILS[office][1],
                              "remaining": sum(d["remaining"] for d in _days(req, business, office))}
                             for office, name in sorted(data.OFFICES.items())]}


def list_appointment_days(req: Request) -> tuple[int, dict]:
    office = req.params["office_id"]
    if office not in data.OFFICES:
        raise invalid(("office_id", "not_found"))
    return 200, {"days": _days(req, req.params["business"], office)}


def query_appointments(req: Request) -> tuple[int, dict]:
    check_ids(req.body, "id_number")
    held = _upcoming(req, req.body["id_number"])
    lag = float(payment.setting(req.con, "appointments_lag_s"))
    if lag:  # the appointments_lag_s fault: the query side is a replica that lags behind the newest bookings
        recent = {row[0] for row in req.con.execute("SELECT appointment_no FROM appointments WHERE id_number = ? "
                                                     "AND booked_at > ?", (req.body["id_number"], req.now.timestamp() - lag))}
        held = [a for a in held if a["appointment_no"] not in recent]
    return 200, {"appointments": held}


def cancel_appointment(req: Request) -> tuple[int, dict]:
    b = req.body
    check_ids(b, "id_number")
    held = {a["appointment_no"]: a for a in _upcoming(req, b["id_number"])}
    if b["appointment_no"] not in held:
        raise invalid(("appointment_no", "not_found"))
    req.con.execute("INSERT INTO cancellations VALUES (?, ?, ?)", (b["appointment_no"], req.now.timestamp(), req.key))
    cancelled = held[b["appointment_no"]] | {"status": "cancelled"}
    cancelled["slot"]["remaining"] += 1
    return 200, cancelled


# Days after a counter application that each stage is reached (the last ones are expected dates).
_STAGE_DAYS = (("received", 0), ("reviewing", 1), ("producing", 3), ("ready", 7), ("collected", 12))
_REFUSED_DAYS = (("received", 0), ("reviewing", 1), ("refused", 2))
_NEXT_ACTION = {"received": "wait", "reviewing": "wait", "producing": "wait", "ready": "collect",
                "posted": "wait_post", "collected": "done", "refused": "counter"}


def _timeline(number: str, business: str, reached: list[tuple[str, date | None]], today: date) -> tuple[list, str]:
    """The stage rows of one application and its current stage: stages dated up to ``today`` are passed,
    the last of them is current, the others are still to come."""
    current = max((i for i, (_, day) in enumerate(reached) if day is not None and day <= today), default=0)
    rows = []
    for i, (stage, day) in enumerate(reached):
        row = {"application_no": number, "business": business, "stage": stage,
               "state": "done" if i < current else "current" if i == current else "next"}
        if day is not None:
            row["date"] = day.isoformat()
        if i == current:
            row["next_action"] = _NEXT_ACTION[stage]
        rows.append(row)
    return rows, reached[current][0]


def query_progress(req: Request) -> tuple[int, dict]:
    check_ids(req.body, "id_number")
    local = req.now.astimezone(CHINA)
    today = local.date()
    found = []  # (application, stage rows)
    for past in data.past_applications(req.body["id_number"], today):
        plan = _REFUSED_DAYS if past.refused else _STAGE_DAYS
        reached = [("posted" if stage == "ready" and past.collection == "post" else stage,
                    past.received + timedelta(days=days)) for stage, days in plan]
        rows, stage = _timeline(past.number, past.business, reached, today)
        app = {"application_no": past.number, "business": past.business, "received_on": past.received.isoformat(),
               "stage": stage, "next_action": _NEXT_ACTION[stage], "office_name": data.OFFICES[past.office_id]}
        if stage in ("received", "reviewing", "producing"):
            app["ready_by"] = (past.received + timedelta(days=7)).isoformat()
        found.append((app, rows))
    # Applications made on kiosks (endorsements) move on in seconds, as every simulated application does.
    for row in req.con.execute("SELECT * FROM applications WHERE department = 'exit_entry' AND id_number = ? "
                               "ORDER BY received_at DESC", (req.body["id_number"],)).fetchall():
        received = datetime.fromtimestamp(row["received_at"], CHINA)
        steps = (("received", received), ("reviewing", received + timedelta(seconds=req.timing.accept_after_s)),
                 ("ready", received + timedelta(seconds=req.timing.done_after_s)))
        current = max(i for i, (_, at) in enumerate(steps) if at <= local or i == 0)
        reached = [(stage, at.date() if i <= current else None) for i, (stage, at) in enumerate(steps)]
        rows, stage = _timeline(row["application_no"], "endorsement", reached, today)
        found.append(({"application_no": row["application_no"], "business": "endorsement",
                       "received_on": received.date().isoformat(), "stage": stage, "next_action": _NEXT_ACTION[stage],
                       "office_name": "自助终端"}, rows))
    wanted = req.body.get("application_no")
    if wanted is not None:
        found = [(app, rows) for app, rows in found if app["application_no"][2:] == wanted]
    found.sort(key=lambda item: item[0]["received_on"], reverse=True)
    return 200, {"applications": [app for app, _ in found], "stages": [r for _, rows in found for r in rows]}


HANDLERS = {
    "exit_entry.list_appointment_slots": list_appointment_slots,
    "exit_entry.book_appointment": book_appointment,
    "exit_entry.apply_endorsement": apply_endorsement,
    "exit_entry.query_applications": query_applications,
    # appointments and progress
    "exit_entry.list_offices": list_offices,
    "exit_entry.list_appointment_days": list_appointment_days,
    "exit_entry.query_appointments": query_appointments,
    "exit_entry.cancel_appointment": cancel_appointment,
    "exit_entry.query_progress": query_progress,
    "exit_entry.query_endorsement_options": query_endorsement_options,
}
