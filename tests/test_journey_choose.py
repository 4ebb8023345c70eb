"""The choose step: a list from a department, one pick (or several) that a later operation sends,
the pick shown on the review and in templates, a pick that is gone when the list comes back, and
the pinyin-initial search of long lists."""
import datetime

import pytest

from kiosk.backends.contract import load_contract
from kiosk.journeys.definition import DefinitionError, compile_journey
from kiosk.journeys.effects import Call, Enqueue, Outcome, StartFace
from kiosk.journeys.engine import JourneyEngine
from kiosk.journeys.steps.choose import matches
from kiosk.session import CitizenSession
from backend_sim import launch
from kiosk.backends import Backends
from tests.backend_support import transports
from tests.test_journey_engine import FakeCard, FakeRunner

TODAY = datetime.date(2026, 11, 21)
T = {"zh_CN": "文字", "zh_HK": "文字", "en": "Text"}
SLOTS = {"kind": "choose", "id": "slot", "title": {"zh_CN": "选时间", "zh_HK": "選時間", "en": "Pick a time"},
         "operation": "exit_entry.list_appointment_slots",
         "request": {"business": "passport", "date_from": "$today.iso", "date_to": "2026-11-30"},
         "items": "slots", "target": "exit_entry.book_appointment", "field": "slot_id", "value": "slot_id",
         "label": "{row.date} {row.start}-{row.end}", "detail": "{row.office_name}", "enabled": "remaining",
         "empty": T}
BOOKING = {"queue": "exit_entry", "steps": [
    {"kind": "consent", "purpose": T},
    {"kind": "card"},
    {"kind": "face"},
    SLOTS,
    {"kind": "form", "operation": "exit_entry.book_appointment",
     "fields": [{"name": "phone", "widget": "keypad", "label": T}]},
    {"kind": "review"},
    {"kind": "submit", "operation": "exit_entry.book_appointment",
     "request": {"id_number": "$card.id_number", "name": "$card.name", "business": "passport"}},
    {"kind": "print", "document": {"kind": "slip", "title": T,
                                   "fields": [{"label": T, "value": "{picked.slot.date} {picked.slot.start}"}]}},
    {"kind": "farewell"},
]}


def slot(slot_id, start, remaining=3):
    return {"slot_id": slot_id, "office_id": "GZ01", "office_name": "天河办证大厅", "date": "2026-11-23",
            "start": start, "end": "10:00", "capacity": 5, "remaining": remaining}


A, B, FULL = slot("GZ01-20261123-0900", "09:00"), slot("GZ01-20261123-0930", "09:30"), \
    slot("GZ01-20261123-1000", "10:00", remaining=0)


@pytest.fixture
def world():
    plan = compile_journey("exit_entry_appointment", BOOKING, load_contract())
    session, runner = CitizenSession(60, 20), FakeRunner()
    engine = JourneyEngine(session, {"exit_entry_appointment": plan}, runner, load_contract(), face_attempts=3,
                           terminal_id="T-1", today=lambda: TODAY)
    session.start()
    session.choose("exit_entry_appointment")
    engine.begin("exit_entry_appointment")
    engine.action("agree")
    engine.card_placed(FakeCard(), photo=b"p")
    engine.face_decided(runner.last(StartFace)[0], "accept")
    return session, runner, engine


def listed(runner, engine, rows):
    token, call = runner.last(Call)
    assert call.operation == "exit_entry.list_appointment_slots" and engine.view.busy
    engine.effect_done(token, Outcome(True, {"slots": rows}))
    return call


def en(engine):
    return [(o.label, o.enabled, o.chosen) for o in engine.step.options(engine, lambda t: t.en, {})]


def test_the_list_is_asked_with_the_bound_inputs_and_shown_with_full_rows_greyed(world):
    session, runner, engine = world
    call = listed(runner, engine, [A, FULL])
    assert call.body == {"business": "passport", "date_from": "2026-11-21", "date_to": "2026-11-30"}
    assert engine.kind == "choose" and not engine.view.busy
    assert en(engine) == [("2026-11-23 09:00-10:00", True, False), ("2026-11-23 10:00-10:00", False, False)]


def test_next_needs_a_pick_and_a_full_row_cannot_be_picked(world):
    session, runner, engine = world
    listed(runner, engine, [A, FULL])
    engine.action("next")
    assert engine.kind == "choose" and engine.view.notice == "Please choose one."
    engine.action("pick", value=FULL["slot_id"])
    assert "slot_id" not in session.data.form
    engine.action("pick", value=A["slot_id"])
    engine.action("next")
    assert engine.kind == "form" and session.data.form["slot_id"] == A["slot_id"]


def test_the_pick_is_sent_shown_on_the_review_and_printed(world):
    session, runner, engine = world
    listed(runner, engine, [A, B])
    engine.action("pick", value=B["slot_id"])
    engine.action("next")
    engine.action("set", name="phone", value="13800138000")
    engine.action("next")
    entries = engine.step.entries(engine, lambda t: t.en, {})
    assert [(e.label, e.shown) for e in entries] == [("Pick a time", "2026-11-23 09:30-10:00"),
                                                     ("Text", "13800138000")]
    engine.action("next")
    token, enqueue = runner.last(Enqueue)
    assert enqueue.body["slot_id"] == B["slot_id"] and enqueue.body["phone"] == "13800138000"
    engine.effect_done(token, Outcome(True, "EE-1"))
    assert engine.scope()["picked"]["slot"]["start"] == "09:30"


def test_coming_back_asks_again_and_a_pick_taken_meanwhile_is_dropped_with_a_reason(world):
    session, runner, engine = world
    listed(runner, engine, [A, B])
    engine.action("pick", value=A["slot_id"])
    engine.action("next")
    engine.action("back")
    assert engine.kind == "choose" and engine.view.busy  # slots fill up: asked afresh
    listed(runner, engine, [{**A, "remaining": 0}, B])
    assert "slot_id" not in session.data.form and "slot" not in session.data.picked
    assert engine.view.notice == "This one can no longer be chosen. Please choose another."


def test_a_department_failure_offers_try_again(world):
    session, runner, engine = world
    engine.effect_done(runner.last(Call)[0], Outcome(False, msgid="The service is not answering."))
    assert engine.step.rows(engine) is None and engine.view.notice == "The service is not answering."
    engine.action("next")
    assert engine.kind == "choose"
    engine.action("retry")
    listed(runner, engine, [A])
    assert en(engine)[0][1]


def test_the_session_end_wipes_the_picks(world):
    session, runner, engine = world
    listed(runner, engine, [A])
    engine.action("pick", value=A["slot_id"])
    session.end("timeout")
    assert session.data.is_empty()


def test_several_can_be_picked_when_the_target_takes_a_list():
    contract = load_contract()
    definition = {**BOOKING, "steps": [{**s, "multiple": True} if s is SLOTS else s for s in BOOKING["steps"]]}
    with pytest.raises(DefinitionError, match=r"journey step 4 \(choose\): multiple: .*slot_id is one value"):
        compile_journey("x", definition, contract)


@pytest.mark.parametrize("change, message", [
    ({"items": "slot"}, r"items: 'slot' is not a list of objects in the reply of exit_entry.list_appointment_slots"),
    ({"value": "slot"}, r"value: rows of .* have no 'slot'"),
    ({"label": "{row.room}"}, r"label: rows have no 'room'"),
    ({"field": "slot"}, r"field: 'slot' is not in the request of exit_entry.book_appointment"),
    ({"request": {"business": "passport"}}, r"request: .* requires date_from, date_to"),
    ({"operation": "exit_entry.book_appointment"}, r"is a submission"),
    ({"title": None}, r"title: a choose step needs a title"),
])
def test_broken_choose_steps_are_refused_at_load(change, message):
    step = {k: v for k, v in {**SLOTS, **change}.items() if v is not None}
    definition = {**BOOKING, "steps": [step if s is SLOTS else s for s in BOOKING["steps"]]}
    with pytest.raises(DefinitionError, match=message):
        compile_journey("x", definition, load_contract())


def test_a_template_may_only_use_picks_of_earlier_choose_steps():
    steps = list(BOOKING["steps"])
    steps[-2] = {**steps[-2], "document": {**steps[-2]["document"], "fields": [{"label": T, "value": "{picked.hall.name}"}]}}
    with pytest.raises(DefinitionError, match=r"no earlier choose step 'hall'"):
        compile_journey("x", {**BOOKING, "steps": steps}, load_contract())


@pytest.mark.parametrize("label, letters, found", [
    ("天河区", "TH", True), ("天河区", "THQ", True), ("天河区", "TIANH", True), ("天河区", "HQ", False),
    ("越秀区", "YX", True), ("Tianhe District", "TD", True), ("Tianhe District", "TIANHE", True),
    ("石牌街道", "SP", True), ("石牌街道", "SB", False),
])
def test_search_by_pinyin_initials(label, letters, found):
    assert matches(label, letters) is found


def test_search_narrows_the_list_on_screen(world):
    session, runner, engine = world
    row_b = {**B, "date": "越秀"}  # the label starts with the date: a Chinese one shows the pinyin search
    listed(runner, engine, [A, row_b])
    engine.action("search", letters="yx")
    assert engine.view.search == "YX"
    assert [o.value for o in engine.step.options(engine, lambda t: t.en, {})] == [B["slot_id"]]
    assert len(engine.step.options(engine, lambda t: t.en, {}, searched=False)) == 2


def test_a_get_operation_takes_its_inputs_in_the_url_against_the_reference_backend(tmp_path):
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)  # today in China at any UTC hour
    with launch(tmp_path) as sim:
        backends = Backends(transports(sim.base_url))
        reply = backends.call("exit_entry.list_appointment_slots",
                              {"business": "passport", "date_from": tomorrow.isoformat(),
                               "date_to": (tomorrow + datetime.timedelta(days=3)).isoformat()})
        backends.close()
    assert reply["slots"] and all(s["slot_id"] for s in reply["slots"])
