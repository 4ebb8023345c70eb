"""The reference backend's appointments and progress: places that fill up, one booking per citizen
(a second is refused with the first one returned), cancelling frees the place, and application
stages that move on from day to day. Every reply is checked against the contract by openapi-core."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import requests

from backend_sim import data, exit_entry, launch
from backend_sim.common import CHINA, Request, Timing
from backend_sim.examples import CITIZEN, OTHER, make_id
from kiosk.backends import Backends, Rejected, new_idempotency_key
from kiosk.backends.contract import load_contract
from tests.backend_support import transports
from tests.test_backend_contract import SpecChecker


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    with launch(tmp_path_factory.mktemp("sim")) as handle:
        yield handle


@pytest.fixture(scope="module")
def checked(sim):
    checker = SpecChecker()
    ts = transports(sim.base_url)
    for transport in ts.values():
        transport._session.hooks["response"].append(checker)
    backends = Backends(ts)
    yield backends, checker
    backends.close()


def citizen(n: int) -> dict:
    return {"id_number": make_id(f"44010619850101{n:03d}"), "name": "测试"}


def days(b, office="THCRJ", business="passport"):
    return b.call("exit_entry.list_appointment_days", params={"business": business, "office_id": office})["days"]


def slots_of(b, day: str, office="THCRJ", business="passport"):
    return b.call("exit_entry.list_appointment_slots", params={"business": business, "office_id": office,
                                                                "date_from": day, "date_to": day})["slots"]


def book(b, who: dict, slot_id: str, **extra):
    body = who | {"phone": "13912345678", "business": "passport", "slot_id": slot_id} | extra
    return b.call("exit_entry.book_appointment", body, idempotency_key=new_idempotency_key())


def free_slot(b, skip: int = 0) -> dict:
    tomorrow = [d for d in days(b) if d["date"] > date.today().isoformat() and d["remaining"]]
    return [s for s in slots_of(b, tomorrow[0]["date"]) if s["remaining"]][skip]


def test_offices_and_days_count_the_free_places_of_the_slots(checked):
    b, checker = checked
    offices = b.call("exit_entry.list_offices", params={"business": "passport"})["offices"]
    assert {o["office_id"] for o in offices} == set(data.OFFICES)
    listed = days(b)
    assert len(listed) >= 11 and all(date.fromisoformat(d["date"]).isoweekday() != 7 for d in listed)
    some = next(d for d in listed if d["remaining"])
    assert some["remaining"] == sum(s["remaining"] for s in slots_of(b, some["date"]))
    thcrj = next(o for o in offices if o["office_id"] == "THCRJ")
    assert thcrj["remaining"] == sum(d["remaining"] for d in listed)
    assert {("exit_entry.list_offices", "GET", 200), ("exit_entry.list_appointment_days", "GET", 200)} \
        <= set(checker.checked)


def test_a_place_taken_meanwhile_is_refused_as_full_and_no_longer_offered(checked):
    b, checker = checked
    slot = free_slot(b)
    for n in range(slot["remaining"]):  # other citizens take every place after this one saw it free
        book(b, citizen(100 + n), slot["slot_id"])
    with pytest.raises(Rejected) as refused:
        book(b, OTHER, slot["slot_id"])
    assert (refused.value.status, [(f.field, f.code) for f in refused.value.fields]) == (409, [("slot_id", "full")])
    fresh = {s["slot_id"]: s for s in slots_of(b, slot["date"])}
    assert fresh[slot["slot_id"]]["remaining"] == 0
    assert ("exit_entry.book_appointment", "POST", 409) in checker.checked


def test_one_booking_per_citizen_the_second_is_refused_with_the_first_returned(sim, checked):
    b, _ = checked
    who = citizen(200)
    first = book(b, who, free_slot(b)["slot_id"], collection="post")
    assert (first["status"], first["collection"]) == ("booked", "post")
    assert b.call("exit_entry.query_appointments", who)["appointments"] == [first | {"slot": first["slot"]}]
    second = free_slot(b, skip=1)
    reply = requests.post(sim.base_url + "/exit-entry/v1/appointments", timeout=10,
                          json=who | {"phone": "13912345678", "business": "taiwan_permit", "slot_id": second["slot_id"]},
                          headers={"Idempotency-Key": new_idempotency_key()})
    assert reply.status_code == 409
    assert reply.json()["fields"][0]["code"] == "already_booked"
    assert reply.json()["appointment"]["appointment_no"] == first["appointment_no"]
    with pytest.raises(Rejected) as refused:  # the kiosk's client accepts the reply as the contract's 409
        book(b, who, second["slot_id"])
    assert [(f.field, f.code) for f in refused.value.fields] == [("id_number", "already_booked")]
    # ... and hands on the booking it carries, validated, but never in its message (logs)
    assert refused.value.carried == {"appointment": first}
    assert first["appointment_no"] not in str(refused.value) and first["appointment_no"] not in repr(refused.value)


def test_cancelling_frees_the_place_and_lets_the_citizen_book_again(checked):
    b, checker = checked
    who = citizen(300)
    slot = free_slot(b)
    booked = book(b, who, slot["slot_id"])
    with pytest.raises(Rejected) as refused:  # somebody else's booking cannot be cancelled
        b.call("exit_entry.cancel_appointment", citizen(301) | {"appointment_no": booked["appointment_no"]},
               idempotency_key=new_idempotency_key())
    assert [(f.field, f.code) for f in refused.value.fields] == [("appointment_no", "not_found")]
    cancelled = b.call("exit_entry.cancel_appointment", who | {"appointment_no": booked["appointment_no"]},
                       idempotency_key=new_idempotency_key())
    assert cancelled["status"] == "cancelled"
    assert {s["slot_id"]: s for s in slots_of(b, slot["date"])}[slot["slot_id"]]["remaining"] == slot["remaining"]
    assert b.call("exit_entry.query_appointments", who)["appointments"] == []
    assert book(b, who, slot["slot_id"])["status"] == "booked"
    assert ("exit_entry.cancel_appointment", "POST", 200) in checker.checked


def test_a_booking_must_match_the_hall_and_day_the_citizen_chose(checked):
    b, _ = checked
    slot = free_slot(b)
    with pytest.raises(Rejected) as refused:
        book(b, citizen(400), slot["slot_id"], office_id="YXCRJ", date=slot["date"])
    assert [(f.field, f.code) for f in refused.value.fields] == [("office_id", "mismatch")]


def _progress(body: dict, now: datetime, con=None) -> dict:
    op = load_contract().operation("exit_entry.query_progress")
    req = Request(op, body, {}, None, con, now, Timing())
    return exit_entry.query_progress(req)[1]


class _NoStoredApplications:
    def execute(self, *_args):
        return self

    def fetchall(self):
        return []


@pytest.mark.parametrize("n", range(40))
def test_progress_moves_on_from_day_to_day_and_says_what_to_do(n):
    who = citizen(500 + n)
    today = datetime(2026, 11, 20, 10, tzinfo=CHINA)
    order = ["received", "reviewing", "producing", ("ready", "posted"), "collected"]

    def rank(stage):
        return next(i for i, s in enumerate(order) if stage == s or stage in s) if stage != "refused" else 9

    before = _progress(who, today, _NoStoredApplications())
    after = _progress(who, today + timedelta(days=1), _NoStoredApplications())
    assert before["applications"]
    for app in before["applications"]:
        rows = [r for r in before["stages"] if r["application_no"] == app["application_no"]]
        assert [r["state"] for r in rows].count("current") == 1
        current = next(r for r in rows if r["state"] == "current")
        assert (current["stage"], current["next_action"]) == (app["stage"], app["next_action"])
        assert all(r["state"] == "done" for r in rows[:rows.index(current)])
        later = next((a for a in after["applications"] if a["application_no"] == app["application_no"]), None)
        if later is not None:  # the same application a day later: never further back
            assert rank(later["stage"]) >= rank(app["stage"])
        assert {"ready": "collect", "posted": "wait_post", "collected": "done", "refused": "counter"}.get(
            app["stage"], "wait") == app["next_action"]


def test_progress_by_application_number_and_over_http(checked):
    b, checker = checked
    everything = b.call("exit_entry.query_progress", CITIZEN)
    number = everything["applications"][0]["application_no"]
    one = b.call("exit_entry.query_progress", CITIZEN | {"application_no": number[2:]})
    assert [a["application_no"] for a in one["applications"]] == [number]
    assert {r["application_no"] for r in one["stages"]} == {number}
    none = b.call("exit_entry.query_progress", CITIZEN | {"application_no": "0" * 14})
    assert none == {"applications": [], "stages": []}
    assert ("exit_entry.query_progress", "POST", 200) in checker.checked
