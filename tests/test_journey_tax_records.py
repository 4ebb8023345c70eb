"""The tax records journey as a state machine: every branch, without Kivy or devices."""
import datetime
from dataclasses import dataclass

import pytest

from kiosk.journeys.tax_records import MSG, TaxRecordsJourney
from kiosk.session import CitizenSession, Step

TODAY = datetime.date(2026, 11, 21)


@dataclass
class FakeCard:
    valid_to: datetime.date = datetime.date(2030, 1, 1)
    wiped: bool = False

    def expired(self, today):
        return self.valid_to < today

    def wipe(self):
        self.wiped = True


@dataclass
class FakeRecords:
    receipt_no: str = "TR-0001"


class FakePorts:
    def __init__(self):
        self.calls, self.ready, self.spoken = [], True, []

    def start_face_check(self, token, photo): self.calls.append(("face", token))
    def cancel_face_check(self): self.calls.append(("cancel_face",))
    def query_tax_records(self, token, card, y1, y2): self.calls.append(("query", token, y1, y2))
    def printer_ready(self): return self.ready
    def print_tax_records(self, token, card, records, receipt_no): self.calls.append(("print", token, receipt_no))
    def request_queue_ticket(self, token, service_id): self.calls.append(("ticket", token))
    def print_queue_ticket(self, token, ticket): self.calls.append(("print_ticket", token))
    def submit_rating(self, payload): self.calls.append(("rating", payload)); return "R-1"
    def speak(self, msgid): self.spoken.append(msgid)

    def last(self, kind):
        return [c for c in self.calls if c[0] == kind][-1]


@pytest.fixture
def world():
    session = CitizenSession(60, 20)
    ports = FakePorts()
    journey = TaxRecordsJourney(session, ports, face_attempts=3, today=lambda: TODAY)
    session.start()
    session.choose("tax_records")
    journey.begin()
    return session, ports, journey


def to_form(session, ports, journey, card=None):
    journey.consent(True)
    journey.card_placed(card or FakeCard(), photo=bytearray(b"photo"))
    journey.face_decided(ports.last("face")[1], "accept")
    assert session.step is Step.FORM


def test_happy_path_to_farewell_and_wipe(world):
    session, ports, journey = world
    assert session.step is Step.CONSENT
    card = FakeCard()
    to_form(session, ports, journey, card)
    assert session.data.photo is None and session.data.face == "verified"
    journey.choose_years(2024, 2025)
    assert journey.view.busy
    _, token, y1, y2 = ports.last("query")
    assert (y1, y2) == (2024, 2025)
    journey.records_arrived(token, FakeRecords())
    assert session.step is Step.RESULT and not journey.view.busy
    journey.print_records()
    journey.print_finished(ports.last("print")[1], ok=True)
    assert journey.view.print_state == "printed"
    journey.print_records()
    assert len([c for c in ports.calls if c[0] == "print"]) == 1  # never twice without asking
    journey.to_rating()
    journey.rate("very_satisfied")
    assert ports.last("rating")[1] == {"service_id": "tax_records", "level": "very_satisfied", "reason": None}
    assert session.step is Step.FAREWELL and MSG["take_card"] in ports.spoken
    journey.card_removed()
    assert session.step is Step.ATTRACT and session.data.is_empty() and card.wiped


def test_card_on_attract_starts_session_and_skips_the_card_step():
    session, ports = CitizenSession(60, 20), FakePorts()
    journey = TaxRecordsJourney(session, ports, 3, today=lambda: TODAY)
    journey.card_placed(FakeCard(), photo=b"p")
    assert session.step is Step.HOME and session.data.card is not None
    session.choose("tax_records")
    journey.begin()
    journey.consent(True)
    assert session.step is Step.FACE


def test_cancelling_consent_goes_home_without_reading(world):
    session, ports, journey = world
    journey.consent(False)
    assert session.step is Step.HOME and not ports.calls


def test_expired_card_is_refused_with_a_message(world):
    session, ports, journey = world
    journey.consent(True)
    journey.card_placed(FakeCard(valid_to=datetime.date(2020, 1, 1)), photo=b"p")
    assert session.step is Step.CARD and journey.view.notice == MSG["card_expired"]
    assert session.data.card is None


def test_unreadable_card_asks_to_place_it_again(world):
    session, _, journey = world
    journey.consent(True)
    journey.card_unreadable()
    assert session.step is Step.CARD and journey.view.notice == MSG["card_unreadable"]


def test_card_lifted_during_face_check_goes_back_to_the_card_step(world):
    session, ports, journey = world
    journey.consent(True)
    journey.card_placed(FakeCard(), photo=b"p")
    token = ports.last("face")[1]
    journey.card_removed()
    assert session.step is Step.CARD and journey.view.notice == MSG["card_removed"]
    assert ("cancel_face",) in ports.calls and session.data.card is None
    journey.face_decided(token, "accept")  # a late decision for the lifted card counts for nothing
    assert session.step is Step.CARD


def test_no_photo_decoder_offers_the_counter_route(world):
    session, _, journey = world
    journey.consent(True)
    journey.card_placed(FakeCard(), photo=None)
    assert session.step is Step.FALLBACK and journey.view.notice == MSG["no_photo"]


def test_face_mismatch_retries_then_offers_a_queue_ticket(world):
    session, ports, journey = world
    journey.consent(True)
    journey.card_placed(FakeCard(), photo=b"p")
    token = ports.last("face")[1]
    journey.face_decided(token, "retry", attempts_left=2)
    assert session.step is Step.FACE and journey.view.notice_args == {"attempts": 2}
    assert len([c for c in ports.calls if c[0] == "face"]) == 1  # the check goes on by itself
    journey.face_decided(token, "retry", attempts_left=1)
    journey.face_decided(token, "reject")
    assert session.step is Step.FALLBACK and journey.view.notice == MSG["face_failed"]
    assert ("cancel_face",) in ports.calls
    assert session.data.photo is None
    journey.request_ticket()
    journey.ticket_issued(ports.last("ticket")[1], {"number": "A012"})
    assert journey.view.ticket == {"number": "A012"} and ports.last("print_ticket")
    journey.finish_fallback()
    assert session.step is Step.RATE


def test_ticket_on_screen_when_printer_cannot_print(world):
    session, ports, journey = world
    journey.consent(True)
    journey.card_placed(FakeCard(), photo=None)
    ports.ready = False
    journey.request_ticket()
    journey.ticket_issued(ports.last("ticket")[1], {"number": "A013"})
    assert journey.view.print_state == "unavailable" and journey.view.ticket == {"number": "A013"}


def test_backend_failure_shows_the_clients_message_and_allows_retry(world):
    session, ports, journey = world
    to_form(session, ports, journey)
    journey.choose_years(2025, 2026)
    journey.records_failed(ports.last("query")[1], "Please try again later.")
    assert session.step is Step.FORM and not journey.view.busy
    assert journey.view.notice == "Please try again later."


def test_cancelled_query_ignores_the_late_answer(world):
    session, ports, journey = world
    to_form(session, ports, journey)
    journey.choose_years(2025, 2026)
    token = ports.last("query")[1]
    journey.cancel_query()
    assert not journey.view.busy
    journey.records_arrived(token, FakeRecords())
    assert session.step is Step.FORM and session.data.result is None


@pytest.mark.parametrize("years", [(2026, 2025), (2020, 2026), (2025, 2027)])
def test_year_range_is_checked(world, years):
    session, ports, journey = world
    to_form(session, ports, journey)
    journey.choose_years(*years)
    assert not journey.view.busy and not [c for c in ports.calls if c[0] == "query"]


def test_printer_out_of_paper_shows_the_receipt_number_instead(world):
    session, ports, journey = world
    to_form(session, ports, journey)
    journey.choose_years(2025, 2026)
    journey.records_arrived(ports.last("query")[1], FakeRecords("TR-42"))
    ports.ready = False
    journey.print_records()
    assert journey.view.print_state == "unavailable" and journey.receipt_no == "TR-42"
    assert journey.view.notice == MSG["printer_unavailable"]


def test_negative_rating_needs_a_reason(world):
    session, ports, journey = world
    to_form(session, ports, journey)
    journey.choose_years(2025, 2026)
    journey.records_arrived(ports.last("query")[1], FakeRecords())
    journey.to_rating()
    journey.rate("dissatisfied")
    assert session.step is Step.RATE and journey.view.notice == MSG["reason_needed"]
    journey.rate("dissatisfied", "slow")
    assert session.step is Step.FAREWELL and ports.last("rating")[1]["reason"] == "slow"


def test_skipping_the_rating_sends_nothing(world):
    session, ports, journey = world
    to_form(session, ports, journey)
    journey.choose_years(2025, 2026)
    journey.records_arrived(ports.last("query")[1], FakeRecords())
    journey.to_rating()
    journey.rate(None)
    assert session.step is Step.FAREWELL and not [c for c in ports.calls if c[0] == "rating"]


def test_timeout_mid_journey_wipes_and_cancels(world):
    session, ports, journey = world
    journey.consent(True)
    journey.card_placed(FakeCard(), photo=bytearray(b"photo"))
    token = ports.last("face")[1]
    session.end("timeout")
    assert session.data.is_empty() and ("cancel_face",) in ports.calls
    journey.face_decided(token, "accept")
    assert session.step is Step.ATTRACT
