"""The appointment and progress journeys (their definitions in assets/services/) through the engine
against the reference backend: a time taken between choice and booking, a booking already held
(shown, cancelled or kept), a second booking refused with the first one shown, a lost reply tried
again without booking twice, and progress by ID card or by 受理编号."""
import datetime
import itertools

import pytest

from backend_sim import launch
from kiosk.backends import Backends, Rejected, new_idempotency_key
from kiosk.backends.contract import load_contract
from kiosk.catalog import SERVICES_DIR, CatalogError, load_catalog
from kiosk.journeys.effects import Call, CancelFace, Outcome, Print, Speak, StartFace
from kiosk.journeys.engine import JourneyEngine
from kiosk.session import CitizenSession
from tests.backend_support import transports
from tests.test_journey_definitions import demo_card
from backend_sim.examples import make_id

_SEQUENCE = itertools.count(100)
PLANS = {s.id: s.plan for s in load_catalog() if s.id in ("exit_entry_appointment", "application_progress")}


class SimRunner:
    """Carries out effects one at a time, when the test says so, against the reference backend."""

    def __init__(self, backends: Backends) -> None:
        self.backends = backends
        self.pending: list = []
        self.keys: list[str | None] = []  # the idempotency key of every submission sent
        self.operations: list[str] = []    # every operation called
        self.lose_next_reply = False

    def run(self, token, effect):
        if not isinstance(effect, (Speak, CancelFace)):
            self.pending.append((token, effect))

    def printer_ready(self, printer="receipt"):
        return True

    def render(self, document, scope, codes):
        from drivers.printer.receipt import Origin
        from kiosk.journeys.document import render_document

        return render_document(document, scope, codes, lambda t: t["zh_CN"], Origin.now("厅", "T"), "补打")

    def session_ended(self):
        pass

    def answer(self, effect) -> Outcome:
        if isinstance(effect, Print):
            return Outcome(True, effect.receipt)
        assert isinstance(effect, Call), effect
        op = self.backends._contract.operation(effect.operation)
        self.operations.append(effect.operation)
        if op.submission:
            self.keys.append(effect.idempotency_key)
        try:
            value = self.backends.call(effect.operation, effect.body, idempotency_key=effect.idempotency_key)
        except Rejected as e:
            return Outcome(False, msgid=e.msgid, fields=e.fields, refusal=e.carried)
        if self.lose_next_reply:  # done by the department, but the answer never arrives
            self.lose_next_reply = False
            return Outcome(False, msgid="The department did not answer.")
        return Outcome(True, value)


@pytest.fixture(scope="module")
def backends(tmp_path_factory):
    with launch(tmp_path_factory.mktemp("sim")) as sim:
        b = Backends(transports(sim.base_url))
        yield b
        b.close()


class Citizen:
    """One citizen at the kiosk (a fresh ID number per test, so bookings do not meet)."""

    def __init__(self, backends: Backends, service: str) -> None:
        self.card = demo_card()
        self.card.id_number = make_id(f"44010619900307{next(_SEQUENCE):03d}")
        self.backends = backends
        self.session, self.runner = CitizenSession(60, 20), SimRunner(backends)
        self.engine = JourneyEngine(self.session, PLANS, self.runner, load_contract(), face_attempts=3,
                                    terminal_id="T-1", today=datetime.date.today)
        self.session.start()
        self.session.choose(service)
        self.engine.begin(service)

    def settle(self) -> None:
        """Answer every pending effect (and those they lead to)."""
        for _ in range(20):
            if not self.runner.pending:
                return
            token, effect = self.runner.pending.pop(0)
            if isinstance(effect, StartFace):
                self.engine.face_decided(token, "accept")
            else:
                self.engine.effect_done(token, self.runner.answer(effect))
        raise AssertionError("effects keep coming")

    def identify(self) -> None:
        self.engine.action("agree")
        self.engine.card_placed(self.card, photo=b"photo")
        self.settle()

    @property
    def step(self) -> str:
        return self.engine.step.id if self.engine.step is not None else ""

    def pick_first(self, skip: int = 0) -> object:
        usable = [o for o in self.engine.step.options(self.engine, lambda t: t.zh_CN, {}) if o.enabled]
        self.engine.action("pick", value=usable[skip].value)
        self.engine.action("next")
        self.settle()
        return usable[skip].value

    def to_review(self) -> None:
        assert self.step == "document"
        self.engine.action("next")
        self.settle()
        for step in ("hall", "day", "slot"):
            assert self.step == step, (step, self.step, self.engine.view.notice)
            self.pick_first()
        assert self.step == "contact"
        self.engine.action("set", name="phone", value="13912345678")
        self.engine.action("next")
        assert self.engine.kind == "review"

    def book_elsewhere(self, slot_id: str) -> dict:
        return self.backends.call("exit_entry.book_appointment",
                                  {"id_number": self.card.id_number, "name": self.card.name, "phone": "13800000000",
                                   "business": "passport", "slot_id": slot_id}, idempotency_key=new_idempotency_key())


def fill(backends: Backends, slot_id: str) -> None:
    """Other citizens take every place left in a slot."""
    day = slot_id.split("-")[1]
    date = f"{day[:4]}-{day[4:6]}-{day[6:]}"
    [slot] = [s for s in backends.call("exit_entry.list_appointment_slots", params={
        "business": "passport", "office_id": slot_id.split("-")[0], "date_from": date, "date_to": date})["slots"]
        if s["slot_id"] == slot_id]
    for _ in range(slot["remaining"]):
        other = {"id_number": make_id(f"44010419800101{next(_SEQUENCE):03d}"), "name": "别人"}
        backends.call("exit_entry.book_appointment", other | {"phone": "13700000000", "business": "passport",
                                                             "slot_id": slot_id}, idempotency_key=new_idempotency_key())


def test_a_citizen_without_a_booking_goes_straight_to_the_document_and_books(backends):
    c = Citizen(backends, "exit_entry_appointment")
    c.identify()
    assert c.step == "document"  # the lookup of a held booking found none and passed by itself
    c.to_review()
    c.engine.action("next")
    c.settle()
    assert c.engine.kind == "print"
    reply = c.engine.data.reply
    assert reply["status"] == "booked" and c.engine.data.receipt_no == reply["appointment_no"]
    assert reply["slot"]["slot_id"] == c.engine.data.form["slot_id"]
    c.engine.action("print")
    token, effect = c.runner.pending.pop(0)
    receipt = effect.receipt
    assert receipt.barcode == reply["appointment_no"]
    assert ("预约号", reply["appointment_no"]) in receipt.fields
    assert any(note.startswith("请带：本人居民身份证原件") for note in receipt.notes)
    c.engine.action("back")  # back from the slip and confirm again: the booking is done, not sent twice
    assert c.engine.kind == "review"
    c.engine.action("next")
    assert c.engine.kind == "print" and not c.runner.pending and len(c.runner.keys) == 1
    held = backends.call("exit_entry.query_appointments", {"id_number": c.card.id_number, "name": c.card.name})
    assert [a["appointment_no"] for a in held["appointments"]] == [reply["appointment_no"]]


def test_a_time_taken_between_choice_and_booking_brings_back_fresh_times(backends):
    c = Citizen(backends, "exit_entry_appointment")
    c.identify()
    c.to_review()
    taken = c.engine.data.form["slot_id"]
    fill(backends, taken)  # while the citizen reads the review
    c.engine.action("next")
    c.settle()
    assert c.step == "slot"  # back at the times, fetched afresh
    options = {o.value: o for o in c.engine.step.options(c.engine, lambda t: t.zh_CN, {})}
    assert not options[taken].enabled and "slot_id" not in c.engine.data.form
    assert c.engine.view.notice == "This one can no longer be chosen. Please choose another."
    second = c.pick_first()
    assert second != taken
    c.engine.action("next")  # the contact form kept its values
    c.engine.action("next")  # the review
    c.settle()
    assert c.engine.kind == "print" and c.engine.data.reply["slot"]["slot_id"] == second
    assert len(set(c.runner.keys)) == 2  # a new request, a new key


def test_a_held_booking_is_shown_and_can_be_cancelled_then_another_booked(backends):
    c = Citizen(backends, "exit_entry_appointment")
    slots = backends.call("exit_entry.list_appointment_slots", params={
        "business": "passport", "office_id": "YXCRJ", "date_from": str(datetime.date.today() + datetime.timedelta(1)),
        "date_to": str(datetime.date.today() + datetime.timedelta(3))})["slots"]
    held = c.book_elsewhere(next(s for s in slots if s["remaining"])["slot_id"])
    c.identify()
    assert c.step == "existing"
    assert [a["appointment_no"] for a in c.engine.data.reply["appointments"]] == [held["appointment_no"]]
    c.engine.action("next")
    assert c.step == "cancel" and not c.runner.pending  # it asks first
    c.engine.action("send")
    c.settle()
    assert c.engine.data.reply["status"] == "cancelled" and c.step == "cancel"
    assert backends.call("exit_entry.query_appointments",
                         {"id_number": c.card.id_number, "name": c.card.name})["appointments"] == []
    c.engine.action("next")  # Continue: book another time
    c.settle()
    assert c.step == "document"
    c.to_review()
    c.engine.action("next")
    c.settle()
    assert c.engine.kind == "print" and c.engine.data.reply["status"] == "booked"


def test_keeping_a_held_booking_cancels_nothing_and_goes_to_the_rating(backends):
    c = Citizen(backends, "exit_entry_appointment")
    slot = next(s for s in backends.call("exit_entry.list_appointment_slots", params={
        "business": "passport", "office_id": "THCRJ", "date_from": str(datetime.date.today() + datetime.timedelta(2)),
        "date_to": str(datetime.date.today() + datetime.timedelta(4))})["slots"] if s["remaining"])
    held = c.book_elsewhere(slot["slot_id"])
    c.identify()
    c.engine.action("next")
    c.engine.action("finish")
    assert c.engine.kind == "rate" and not c.runner.pending
    assert [a["appointment_no"] for a in backends.call("exit_entry.query_appointments", {
        "id_number": c.card.id_number, "name": c.card.name})["appointments"]] == [held["appointment_no"]]


def test_a_second_booking_is_refused_and_the_one_held_is_shown(backends):
    c = Citizen(backends, "exit_entry_appointment")
    c.identify()
    c.to_review()
    other_day = next(s for s in backends.call("exit_entry.list_appointment_slots", params={
        "business": "passport", "office_id": "YXCRJ", "date_from": str(datetime.date.today() + datetime.timedelta(5)),
        "date_to": str(datetime.date.today() + datetime.timedelta(7))})["slots"] if s["remaining"])
    held = c.book_elsewhere(other_day["slot_id"])  # on the phone, while at the kiosk
    c.runner.operations.clear()
    c.engine.action("next")
    c.settle()
    assert c.step == "existing"
    assert c.engine.view.told is not None and "already have a booking" in c.engine.view.told.en
    # The booking the refusal carried is shown (its number, hall, date and time), not asked for again.
    assert c.runner.operations == ["exit_entry.book_appointment"]
    assert c.engine.data.reply["appointments"] == [held]
    assert len(backends.call("exit_entry.query_appointments", {
        "id_number": c.card.id_number, "name": c.card.name})["appointments"]) == 1
    c.engine.action("next")  # the way to cancel it
    assert c.step == "cancel"
    c.engine.action("send")
    c.settle()
    assert c.engine.data.reply["appointment_no"] == held["appointment_no"]
    c.engine.action("next")  # Continue: the same time again is a new request, with a new key
    c.settle()
    c.to_review()
    c.engine.action("next")
    c.settle()
    assert c.engine.kind == "print" and c.engine.data.reply["status"] == "booked"
    assert c.runner.keys[0] != c.runner.keys[-1]


def test_a_lost_reply_is_tried_again_with_the_same_key_and_books_once(backends):
    c = Citizen(backends, "exit_entry_appointment")
    c.identify()
    c.to_review()
    c.runner.lose_next_reply = True
    c.engine.action("next")
    c.settle()
    assert c.step == "book" and c.engine.view.notice == "The department did not answer."
    c.engine.action("retry")
    c.settle()
    assert c.engine.kind == "print"
    assert len(c.runner.keys) == 2 and c.runner.keys[0] == c.runner.keys[1]
    held = backends.call("exit_entry.query_appointments", {"id_number": c.card.id_number, "name": c.card.name})
    assert [a["appointment_no"] for a in held["appointments"]] == [c.engine.data.reply["appointment_no"]]


def test_progress_by_card_lists_every_stage_and_by_number_only_that_application(backends):
    c = Citizen(backends, "application_progress")
    c.identify()
    assert c.step == "number"
    c.engine.action("next")
    c.settle()
    reply = c.engine.data.reply
    assert c.step == "progress" and reply["applications"]
    assert {r["application_no"] for r in reply["stages"]} == {a["application_no"] for a in reply["applications"]}
    number = reply["applications"][0]["application_no"]
    c.engine.action("back")
    assert c.step == "number"
    c.engine.action("set", name="application_no", value="12X")
    c.engine.action("next")
    assert c.step == "number" and "application_no" in c.engine.view.errors  # the contract's pattern
    c.engine.action("set", name="application_no", value=number[2:])
    c.engine.action("next")
    c.settle()
    assert [a["application_no"] for a in c.engine.data.reply["applications"]] == [number]
    c.engine.action("next")
    c.engine.action("print")
    _token, effect = c.runner.pending.pop(0)
    assert effect.receipt.table.rows and all(row[0] == number for row in effect.receipt.table.rows)
    assert effect.receipt.qr == c.engine.data.receipt_no


# -- load-time checks of what the appointment definition uses ------------------------------------
APPOINTMENT = SERVICES_DIR / "exit_entry_appointment.toml"


def broken(tmp_path, old: str, new: str) -> str:
    text = APPOINTMENT.read_text(encoding="utf-8")
    assert old in text, old
    (tmp_path / APPOINTMENT.name).write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(CatalogError) as caught:
        load_catalog(tmp_path)
    return str(caught.value)


@pytest.mark.parametrize("old, new, expected", [
    ('step = "slot"', 'step = "slots"', "refusals.full.step: no earlier step 'slots'"),
    ('when = { found = "existing.appointments" }', 'when = { found = "existing.bookings" }',
     "when.found: the reply of 'existing' has no list 'bookings'"),
    ('when = { found = "existing.appointments" }', 'when = { found = "nowhere.appointments" }',
     "when.found: no earlier query step 'nowhere'"),
    ('confirm_label = { zh_CN = "取消预约", zh_HK = "取消預約", en = "Cancel the booking" }\n', '',
     "confirm: give confirm and confirm_label together"),
    ('receipt = "appointment_no"', 'receipt = "number"', "receipt: the reply of exit_entry.book_appointment has no"),
    ('reply = { appointments = "appointment" }', 'reply = { bookings = "appointment" }',
     "refusals.already_booked.reply.bookings: the reply of 'existing' has no 'bookings'"),
    ('reply = { appointments = "appointment" }', 'reply = { appointments = "booking" }',
     "refusals.already_booked.reply.appointments: the refusals of exit_entry.book_appointment carry no 'booking'"),
    ('step = "existing"\nreply', 'step = "document"\nreply',
     "refusals.already_booked.reply: 'document' is not a query step"),
    ('rows = "reply.appointments"\n', 'rows = "reply.appointments"\n', None),
])
def test_a_broken_appointment_definition_names_the_step_and_key(tmp_path, old, new, expected):
    if expected is None:  # the unchanged file loads (the cases above fail for their own reason)
        (tmp_path / APPOINTMENT.name).write_text(APPOINTMENT.read_text(encoding="utf-8"), encoding="utf-8")
        assert [s.id for s in load_catalog(tmp_path)] == ["exit_entry_appointment"]
        return
    assert expected in broken(tmp_path, old, new)


def test_pass_empty_needs_a_table(tmp_path):
    text = APPOINTMENT.read_text(encoding="utf-8")
    start = text.index("[journey.steps.table]\nrows = \"reply.appointments\"")
    end = text.index("[[journey.steps]]", start)
    (tmp_path / APPOINTMENT.name).write_text(text[:start] + text[end:], encoding="utf-8")
    with pytest.raises(CatalogError) as caught:
        load_catalog(tmp_path)
    assert "journey step 5 (query): pass_empty: needs a table" in str(caught.value)
