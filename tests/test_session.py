"""The citizen session state machine, without Kivy."""
import pytest

from kiosk.session import CitizenSession, Step, TransitionError


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def session(clock):
    return CitizenSession(idle_timeout_s=60, countdown_s=20, clock=clock)


def test_touch_on_attract_leads_home_and_service_opens_guide(session):
    session.start()
    assert session.step is Step.HOME
    session.choose("tax_records")
    assert session.step is Step.GUIDE
    assert session.data.service_id == "tax_records"


def test_idle_countdown_then_wipe_and_attract(session, clock):
    seen = []
    session.on_countdown(seen.append)
    session.start()
    session.choose("tax_records")
    session.data.card = object()
    session.data.form = {"years": (2023, 2024)}
    clock.now += 59
    session.tick()
    assert session.countdown is None
    clock.now += 1
    session.tick()
    assert session.countdown == 20
    clock.now += 19.5
    session.tick()
    assert session.countdown == 1
    clock.now += 0.5
    session.tick()
    assert session.step is Step.ATTRACT
    assert session.data.is_empty()
    assert seen == [20, 1, None]


def test_touch_during_countdown_cancels_it(session, clock):
    session.start()
    clock.now += 65
    session.tick()
    assert session.countdown is not None
    session.touch()
    assert session.countdown is None
    clock.now += 30
    session.tick()
    assert session.step is Step.HOME


def test_attract_screen_never_times_out(session, clock):
    clock.now += 10_000
    session.tick()
    assert session.step is Step.ATTRACT and session.countdown is None


def test_bytearrays_are_overwritten_on_wipe(session):
    photo = bytearray(b"\x01\x02\x03")
    session.start()
    session.data.photo = photo
    session.end()
    assert photo == bytearray(3)


def test_switching_service_drops_the_old_form_but_keeps_the_card_intact(session):
    session.start()
    session.choose("tax_records")
    card, photo = object(), bytearray(b"face")
    session.data.card, session.data.photo, session.data.form = card, photo, {"x": 1}
    session.home()
    session.choose("residence_registration")
    assert session.data.card is card and session.data.form is None
    assert session.data.photo == bytearray(b"face")  # not overwritten by the wipe


def test_illegal_transition_is_refused(session):
    with pytest.raises(TransitionError):
        session.go(Step.JOURNEY)  # a journey starts from the guide, never from the attract screen


def test_failure_wipes_and_shows_unavailable(session):
    session.start()
    session.data.card = object()
    session.fail()
    assert session.step is Step.UNAVAILABLE and session.data.is_empty()
