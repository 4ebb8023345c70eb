"""出入境: appointment slots that fill up, bookings, Hong Kong / Macau endorsements."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from backend_sim import data
from backend_sim.common import CHINA, Refusal, Request, check_ids, create_application, invalid, query_applications
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
    return req.con.execute("SELECT count(*) FROM appointments WHERE slot_id = ?", (slot_id,)).fetchone()[0]


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
    slot = _slot(office, day, start, _booked(req, b["slot_id"]))
    if slot["remaining"] == 0:
        raise Refusal(409, "conflict", [("slot_id", "full")])
    local_day = req.now.astimezone(CHINA).strftime("%Y%m%d")
    number = f"YY{local_day}{SimStore.next_number(req.con, f'appointment:{local_day}'):06d}"
    req.con.execute("INSERT INTO appointments VALUES (?, ?, ?, ?, ?, ?)",
                    (number, b["slot_id"], b["business"], b["id_number"], req.now.timestamp(), req.key))
    slot["remaining"] -= 1
    return 201, {"appointment_no": number, "business": b["business"], "slot": slot, "status": "booked"}


def apply_endorsement(req: Request) -> tuple[int, dict]:
    b = req.body
    check_ids(b, "id_number")
    fee = ENDORSEMENT_FEE * b["count"]
    if Decimal(b["fee"]) != fee:
        raise invalid(("fee", "mismatch"))
    return create_application(req, "endorsement", fee=str(fee))


HANDLERS = {
    "exit_entry.list_appointment_slots": list_appointment_slots,
    "exit_entry.book_appointment": book_appointment,
    "exit_entry.apply_endorsement": apply_endorsement,
    "exit_entry.query_applications": query_applications,
}
