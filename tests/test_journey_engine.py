"""The journey engine running the tax records definition: every branch of the old controller,
moved onto the engine, without Kivy or devices (a fake runner records the effects)."""
import datetime
from dataclasses import dataclass

import pytest

from kiosk.backends.contract import load_contract
from kiosk.catalog import load_catalog
from kiosk.journeys.effects import Call, CancelFace, Enqueue, IssueTicket, Outcome, Print, Speak, StartFace
from kiosk.journeys.engine import MSG as ENGINE_MSG
from kiosk.journeys.engine import JourneyEngine
from kiosk.journeys.steps.closing import MSG as CLOSING_MSG
from kiosk.journeys.steps.identity import MSG as ID_MSG
from kiosk.journeys.steps.paper import MSG as PAPER_MSG
from kiosk.session import CitizenSession, Step

TODAY = datetime.date(2026, 11, 21)
PLANS = {s.id: s.plan for s in load_catalog() if s.plan is not None}
REPLY = {"year_from": 2025, "year_to": 2026, "records": [], "totals": {"income": "0.00", "tax_withheld": "0.00"}}
DOCUMENT = REPLY | {"document_no": "20264401060000000001", "verification_code": "ABCDEFGH23456723", "reprint": False}


@dataclass
class FakeCard:
    valid_to: datetime.date = datetime.date(2030, 1, 1)
    id_number: str = "440106199001011234"
    name: str = "测试"
    wiped: bool = False

    def expired(self, today):
        return self.valid_to < today

    def wipe(self):
        self.wiped = True


class FakeRunner:
    def __init__(self):
        self.effects, self.ready, self.ended = [], True, 0
        self.a4_ready = True  # the A4 printer, apart from the receipt printer

    def run(self, token, effect):
        self.effects.append((token, effect))

    def printer_ready(self, printer="receipt"):
        return self.a4_ready if printer == "a4" else self.ready

    def render(self, document, scope, codes):
        return ("document", document.kind, scope["receipt_no"])

    def ticket_document(self, ticket, queue):
        return ("ticket", queue)

    def session_ended(self):
        self.ended += 1

    def last(self, kind):
        return [(t, e) for t, e in self.effects if isinstance(e, kind)][-1]

    def all(self, kind):
        return [e for _, e in self.effects if isinstance(e, kind)]

    @property
    def spoken(self):
        return [e.msgid for e in self.all(Speak)]


def engine_for(session, runner):
    return JourneyEngine(session, PLANS, runner, load_contract(), face_attempts=3, terminal_id="T-1",
                         today=lambda: TODAY)


@pytest.fixture
def world():
    session, runner = CitizenSession(60, 20), FakeRunner()
    engine = engine_for(session, runner)
    session.start()
    session.choose("tax_records")
    engine.begin("tax_records")
    return session, runner, engine


def to_form(session, runner, engine, card=None):
    engine.action("agree")
    engine.card_placed(card or FakeCard(), photo=bytearray(b"photo"))
    engine.face_decided(runner.last(StartFace)[0], "accept")
    assert engine.kind == "form"


def to_records(session, runner, engine):
    to_form(session, runner, engine)
    engine.action("next")
    token, call = runner.last(Call)
    engine.effect_done(token, Outcome(True, REPLY))
    assert engine.kind == "query" and engine.data.reply == REPLY


def test_happy_path_to_farewell_and_wipe(world):
    session, runner, engine = world
    assert session.step is Step.JOURNEY and engine.kind == "consent"
    card = FakeCard()
    to_form(session, runner, engine, card)
    assert session.data.photo is None and session.data.face == "verified"
    assert session.data.form == {"year_from": 2025, "year_to": 2026}  # defaults from the definition
    engine.action("set", name="year_from", value=2024)
    engine.action("next")
    assert engine.kind == "query" and engine.view.busy
    token, call = runner.last(Call)
    assert call.operation == "tax.query_income_records"
    assert call.body == {"id_number": card.id_number, "name": card.name, "year_from": 2024, "year_to": 2026}
    engine.effect_done(token, Outcome(True, REPLY))
    assert not engine.view.busy
    engine.action("next")
    assert engine.kind == "send" and not runner.last(Call)[1].operation.startswith("tax.issue")
    engine.action("send")
    token, call = runner.last(Call)
    assert call.operation == "tax.issue_income_record" and call.idempotency_key
    assert call.body == {"id_number": card.id_number, "name": card.name, "year_from": 2024, "year_to": 2026}
    engine.effect_done(token, Outcome(True, DOCUMENT))
    assert engine.kind == "print" and session.data.receipt_no == DOCUMENT["document_no"]
    engine.action("print")
    token, printed = runner.last(Print)
    assert printed.receipt == ("document", "income_tax_record", DOCUMENT["document_no"])
    assert printed.printer == "a4"  # the official record, as its definition says
    engine.effect_done(token, Outcome(True))
    assert engine.view.print_state == "printed"
    engine.action("print")
    assert len(runner.all(Print)) == 1  # never twice without asking
    engine.action("next")
    assert engine.kind == "rate"
    engine.action("send", level="very_satisfied", reason=None)
    rating = runner.last(Enqueue)[1]
    assert rating.operation == "hall.submit_rating"
    assert rating.body["rating"] == "very_satisfied" and rating.body["service_id"] == "tax_records"
    assert rating.body["receipt_no"] == session.data.receipt_no and "reasons" not in rating.body
    assert engine.kind == "farewell" and CLOSING_MSG["take_card"] in runner.spoken
    engine.card_removed()
    assert session.step is Step.ATTRACT and session.data.is_empty() and runner.ended == 1


def test_card_on_attract_starts_session_and_skips_the_card_step():
    session, runner = CitizenSession(60, 20), FakeRunner()
    engine = engine_for(session, runner)
    engine.card_placed(FakeCard(), photo=b"p")
    assert session.step is Step.HOME and session.data.card is not None
    session.choose("tax_records")
    engine.begin("tax_records")
    engine.action("agree")
    assert engine.kind == "face"


def test_cancelling_consent_goes_home_without_reading(world):
    session, runner, engine = world
    engine.action("cancel")
    assert session.step is Step.HOME and engine.kind == ""
    assert not [e for e in runner.effects if not isinstance(e[1], (Speak, CancelFace))]


def test_expired_card_is_refused_with_a_message(world):
    session, runner, engine = world
    engine.action("agree")
    engine.card_placed(FakeCard(valid_to=datetime.date(2020, 1, 1)), photo=b"p")
    assert engine.kind == "card" and engine.view.notice == ENGINE_MSG["card_expired"]
    assert session.data.card is None


def test_unreadable_card_asks_to_place_it_again(world):
    session, _, engine = world
    engine.action("agree")
    engine.card_unreadable()
    assert engine.kind == "card" and engine.view.notice == ID_MSG["card_unreadable"]


def test_card_lifted_during_face_check_goes_back_to_the_card_step(world):
    session, runner, engine = world
    engine.action("agree")
    engine.card_placed(FakeCard(), photo=b"p")
    token = runner.last(StartFace)[0]
    engine.card_removed()
    assert engine.kind == "card" and engine.view.notice == ENGINE_MSG["card_removed"]
    assert runner.all(CancelFace) and session.data.card is None
    engine.face_decided(token, "accept")  # a late decision for the lifted card counts for nothing
    assert engine.kind == "card"


def test_no_photo_decoder_offers_the_counter_route(world):
    session, _, engine = world
    engine.action("agree")
    engine.card_placed(FakeCard(), photo=None)
    assert engine.kind == "ticket" and engine.view.notice == ID_MSG["no_photo"]


def test_face_mismatch_retries_then_offers_a_queue_ticket(world):
    session, runner, engine = world
    engine.action("agree")
    engine.card_placed(FakeCard(), photo=b"p")
    token = runner.last(StartFace)[0]
    engine.face_decided(token, "retry", attempts_left=2)
    assert engine.kind == "face" and engine.view.notice_args == {"attempts": 2}
    assert len(runner.all(StartFace)) == 1  # the check goes on by itself
    engine.face_decided(token, "retry", attempts_left=1)
    engine.face_decided(token, "reject")
    assert engine.kind == "ticket" and engine.view.notice == ID_MSG["face_failed"]
    assert runner.all(CancelFace) and session.data.photo is None
    runner.a4_ready = False  # a queue ticket is not an official document: the roll prints it
    engine.action("take")
    token, ticket = runner.last(IssueTicket)
    assert ticket.queue == "tax"
    engine.effect_done(token, Outcome(True, {"number": "A012"}))
    assert engine.view.ticket == {"number": "A012"} and runner.last(Print)[1].kind == "queue_ticket"
    assert runner.last(Print)[1].printer == "receipt"
    engine.effect_done(runner.last(Print)[0], Outcome(True))
    assert engine.view.notice == PAPER_MSG["ticket_printed"]  # says what happened: printed
    engine.action("done")
    assert engine.kind == "rate"


def test_a_new_attempt_after_a_failed_face_check_says_why_it_goes_to_the_counter(world):
    session, runner, engine = world
    engine.action("agree")
    engine.card_placed(FakeCard(), photo=b"p")
    engine.face_decided(runner.last(StartFace)[0], "reject")
    engine.action("home")  # Cancel on the ticket screen; the card stays on the reader
    session.choose("tax_records")
    engine.begin("tax_records")
    engine.action("agree")
    assert engine.kind == "ticket" and engine.view.notice == ID_MSG["face_failed"]  # not "cannot check this card"
    assert runner.spoken[-1] == ID_MSG["face_failed"] and len(runner.all(StartFace)) == 1
    engine.action("home")
    engine.card_removed()  # lifted at home and placed again: its photo is read again and checked afresh
    engine.card_placed(FakeCard(), photo=b"p")
    session.choose("tax_records")
    engine.begin("tax_records")
    engine.action("agree")
    assert engine.kind == "face" and len(runner.all(StartFace)) == 2


def test_ticket_on_screen_when_printer_cannot_print(world):
    session, runner, engine = world
    engine.action("agree")
    engine.card_placed(FakeCard(), photo=None)
    runner.ready = False
    engine.action("take")
    engine.effect_done(runner.last(IssueTicket)[0], Outcome(True, {"number": "A013"}))
    assert engine.view.print_state == "unavailable" and engine.view.ticket == {"number": "A013"}
    assert engine.view.notice == PAPER_MSG["ticket_on_screen"] and not runner.all(Print)


def test_backend_failure_shows_the_clients_message_and_allows_retry(world):
    session, runner, engine = world
    to_form(session, runner, engine)
    engine.action("next")
    engine.effect_done(runner.last(Call)[0], Outcome(False, msgid="Please try again later."))
    assert engine.kind == "query" and not engine.view.busy
    assert engine.view.notice == "Please try again later."
    engine.action("retry")
    assert engine.view.busy and len(runner.all(Call)) == 2


def test_cancelled_query_ignores_the_late_answer(world):
    session, runner, engine = world
    to_form(session, runner, engine)
    engine.action("next")
    token = runner.last(Call)[0]
    engine.action("cancel")
    assert not engine.view.busy and engine.kind == "form"
    engine.effect_done(token, Outcome(True, REPLY))
    assert engine.kind == "form" and session.data.reply is None


@pytest.mark.parametrize("years", [(2026, 2025), (2020, 2026), (2025, 2027)])
def test_year_range_is_checked(world, years):
    session, runner, engine = world
    to_form(session, runner, engine)
    engine.action("set", name="year_from", value=years[0])
    engine.action("set", name="year_to", value=years[1])
    engine.action("next")
    assert engine.kind == "form" and engine.view.errors and not runner.all(Call)


def test_printer_out_of_paper_shows_the_receipt_number_instead(world):
    session, runner, engine = world
    to_records(session, runner, engine)
    engine.action("next")
    engine.action("send")
    engine.effect_done(runner.last(Call)[0], Outcome(True, DOCUMENT))
    runner.a4_ready = False  # the record's printer; the receipt roll is fine and is not used instead
    engine.action("print")
    assert engine.view.print_state == "unavailable" and session.data.receipt_no == DOCUMENT["document_no"]
    assert engine.view.notice == PAPER_MSG["printer_unavailable"] and not runner.all(Print)


def test_a_printer_known_to_be_out_of_paper_is_said_on_arrival_with_the_number_on_screen(world):
    session, runner, engine = world
    to_records(session, runner, engine)
    engine.action("next")
    runner.a4_ready = False  # out of paper before the citizen reaches the print step
    engine.action("send")
    engine.effect_done(runner.last(Call)[0], Outcome(True, DOCUMENT))
    assert engine.kind == "print" and engine.view.print_state == "unavailable"  # without pressing Print
    assert engine.view.notice == PAPER_MSG["printer_unavailable"] and session.data.receipt_no == DOCUMENT["document_no"]
    runner.a4_ready = True  # paper back: Print still works
    engine.action("print")
    assert engine.view.print_state == "printing" and runner.all(Print)


def test_negative_rating_needs_a_reason(world):
    session, runner, engine = world
    to_records(session, runner, engine)
    engine.jump("rate")
    engine.action("send", level="dissatisfied", reason=None)
    assert engine.kind == "rate" and engine.view.notice == CLOSING_MSG["reason_needed"]
    engine.action("send", level="dissatisfied", reason="slow")
    assert engine.kind == "farewell" and runner.last(Enqueue)[1].body["reasons"] == ["slow"]


def test_skipping_the_rating_sends_nothing(world):
    session, runner, engine = world
    to_records(session, runner, engine)
    engine.jump("rate")
    engine.action("send", level=None)
    assert engine.kind == "farewell" and not runner.all(Enqueue)


def test_timeout_mid_journey_wipes_and_cancels(world):
    session, runner, engine = world
    engine.action("agree")
    engine.card_placed(FakeCard(), photo=bytearray(b"photo"))
    token = runner.last(StartFace)[0]
    session.end("timeout")
    assert session.data.is_empty() and runner.all(CancelFace) and runner.ended == 1
    engine.face_decided(token, "accept")
    assert session.step is Step.ATTRACT and engine.kind == ""


def test_back_returns_to_the_previous_step_the_citizen_acts_on(world):
    session, runner, engine = world
    to_records(session, runner, engine)
    engine.action("back")
    assert engine.kind == "form"  # the face and card steps are done: Back skips them
    engine.action("back")
    assert engine.kind == "consent"
    engine.action("back")
    assert session.step is Step.HOME


def test_back_to_the_records_does_not_ask_the_department_again(world):
    session, runner, engine = world
    to_records(session, runner, engine)
    engine.action("next")
    engine.action("back")
    assert engine.kind == "query" and len(runner.all(Call)) == 1 and session.data.reply == REPLY


def test_progress_counts_the_steps_the_citizen_acts_on(world):
    session, runner, engine = world
    number, total, steps = engine.progress()
    assert (number, total) == (1, 9) and [s.kind for s in steps][:2] == ["consent", "card"]


def test_the_idle_timer_stands_still_while_the_kiosk_works(world):
    session, runner, engine = world
    to_form(session, runner, engine)
    engine.action("next")
    assert session.working
    engine.effect_done(runner.last(Call)[0], Outcome(True, REPLY))
    assert not session.working


def test_consent_lists_what_the_journey_reads_and_sends(world):
    _, _, engine = world
    reads = engine.consent_reads()
    assert reads[0].startswith("Read your ID card") and "face" in reads[1]
    assert reads[2] == "Send your name and ID number to the tax service."


def test_lifting_an_expired_card_asks_for_a_valid_one_again(world):
    session, runner, engine = world
    engine.action("agree")
    engine.card_placed(FakeCard(valid_to=datetime.date(2020, 1, 1)), photo=b"p")
    assert "lift it" in engine.view.notice
    engine.card_removed()
    assert engine.kind == "card" and engine.view.notice == ID_MSG["place_card"]


def test_an_expired_card_placed_before_the_journey_is_explained_at_the_card_step():
    session, runner = CitizenSession(60, 20), FakeRunner()
    engine = engine_for(session, runner)
    engine.card_placed(FakeCard(valid_to=datetime.date(2020, 1, 1)), photo=b"p")  # on the attract screen
    assert session.step is Step.ATTRACT and engine.refused_card == ENGINE_MSG["card_expired"]
    assert runner.spoken[-1] == ENGINE_MSG["card_expired"]
    session.start()
    session.choose("tax_records")
    engine.begin("tax_records")
    engine.action("agree")
    assert engine.kind == "card" and engine.view.notice == ENGINE_MSG["card_expired"]  # not "place your card"
    engine.card_removed()
    assert engine.refused_card == "" and engine.view.notice == ID_MSG["place_card"]


def test_the_ticket_route_is_not_numbered_as_a_step(world):
    session, runner, engine = world
    engine.action("agree")
    engine.card_placed(FakeCard(), photo=None)
    assert engine.kind == "ticket" and engine.progress()[0] == 0
