"""出入境: appointment slots that fill up, bookings, Hong Kong / Macau endorsements."""
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


HANDLERS = {
    "exit_entry.list_appointment_slots": list_appointment_slots,
    "exit_entry.book_appointment": book_appointment,
    "exit_entry.apply_endorsement": apply_endorsement,
    "exit_entry.query_applications": query_applications,
    "exit_entry.query_endorsement_options": query_endorsement_options,
}
