"""The phone hand-off step: open a hand-off, show its QR code, poll until the citizen confirms on
the phone, refuses, or the time runs out; Try again; a way back; bound to what was asked for.
And the reference backend's generic hand-off store with its simulated phone."""
import datetime
import threading
import urllib.error

import pytest

from backend_sim import launch
from backend_sim.examples import CITIZEN
from kiosk.backends import Backends
from kiosk.backends.contract import load_contract
from kiosk.backends.errors import Rejected
from kiosk.journeys.definition import DefinitionError, compile_journey
from kiosk.journeys.effects import After, Call, Outcome, StartFace
from kiosk.journeys.engine import JourneyEngine
from kiosk.journeys.runner import EffectRunner
from kiosk.journeys.steps.handoff import MSG
from kiosk.session import CitizenSession
from tests.backend_support import transports
from tests.test_journey_engine import FakeCard, FakeRunner

T = {"zh_CN": "文字", "zh_HK": "文字", "en": "Text"}
START = "registration.query_signing_code"
STATUS = "registration.query_signing_status"
HANDOFF = {"kind": "handoff", "id": "sign", "start": START, "status": STATUS, "digest": "document_digest",
           "start_request": {"id_number": "$card.id_number", "name": "$card.name",
                             "purpose": "sole_proprietor_registration"},
           "status_request": {"handoff_id": "$handoff.handoff_id"}, "instructions": T}
JOURNEY = {"queue": "registration", "steps": [
    {"kind": "consent", "purpose": T},
    {"kind": "card"},
    {"kind": "face"},
    {"kind": "form", "operation": "registration.register_sole_proprietor",
     "fields": [{"name": "trade_name", "widget": "text", "label": T}]},
    HANDOFF,
    {"kind": "print", "document": {"kind": "signed", "title": T,
                                   "fields": [{"label": T, "value": "{handoff.handoff_id}"}]}},
    {"kind": "rate"},
    {"kind": "farewell"},
]}
START_REPLY = {"handoff_id": "a" * 32, "qr_content": "https://sign.zwfw.example/handoff/x", "expires_in_s": 120}
NOON = datetime.datetime(2026, 11, 21, 12, 0, 0)


class World:
    def __init__(self):
        self.clock = [NOON]
        self.plan = compile_journey("signing", JOURNEY, load_contract())
        self.session, self.runner = CitizenSession(60, 20), FakeRunner()
        self.engine = JourneyEngine(self.session, {"signing": self.plan}, self.runner, load_contract(),
                                    face_attempts=3, terminal_id="T-1", now=lambda: self.clock[0])
        self.session.start()
        self.session.choose("signing")
        engine = self.engine
        engine.begin("signing")
        engine.action("agree")
        engine.card_placed(FakeCard(), photo=b"p")
        engine.face_decided(self.runner.last(StartFace)[0], "accept")
        engine.action("set", name="trade_name", value="思远")
        engine.action("next")

    def later(self, seconds):
        self.clock[0] += datetime.timedelta(seconds=seconds)

    def answer(self, kind, outcome):
        token, effect = self.runner.last(kind)
        self.engine.effect_done(token, outcome)
        return effect

    def started(self, reply=START_REPLY):
        return self.answer(Call, Outcome(True, dict(reply)))

    def poll(self, status, after=2):
        """The pause ends, the status request goes out and ``status`` comes back."""
        self.later(after)
        self.answer(After, Outcome(True))
        call = self.answer(Call, Outcome(True, {"handoff_id": "a" * 32, "status": status, "expires_in_s": 60}))
        assert call.operation == STATUS and call.body == {"handoff_id": "a" * 32}


@pytest.fixture
def world():
    return World()


def test_the_hand_off_opens_with_what_is_signed(world):
    engine, runner = world.engine, world.runner
    assert engine.kind == "handoff" and engine.view.busy
    token, call = runner.last(Call)
    assert call.operation == START
    assert set(call.body) == {"id_number", "name", "purpose", "document_digest"}
    assert call.body["purpose"] == "sole_proprietor_registration" and len(call.body["document_digest"]) == 64
    world.started()
    handoff = engine.data.handoff
    assert handoff.state == "waiting" and handoff.values["qr_content"] == START_REPLY["qr_content"]
    assert handoff.deadline == NOON + datetime.timedelta(seconds=120)
    assert engine.view.notice == MSG["waiting"] and not engine.view.busy
    assert runner.last(After)[1].seconds == 2  # the first poll after a pause, not at once


def test_confirmed_on_the_phone_goes_on_and_later_steps_read_the_hand_off(world):
    engine = world.engine
    world.started()
    world.poll("pending")
    assert engine.kind == "handoff" and engine.data.handoff.state == "waiting"
    assert isinstance(world.runner.effects[-1][1], After)  # pending: another pause, then another request
    world.poll("confirmed")
    assert engine.kind == "print"
    assert engine.scope()["handoff"]["handoff_id"] == "a" * 32
    assert engine.scope()["handoff"]["status"] == "confirmed"


def test_the_idle_timer_stands_still_while_the_citizen_works_on_the_phone(world):
    engine, session = world.engine, world.session
    world.started()
    assert session.working  # the citizen looks at the phone, not at the kiosk
    world.later(121)
    world.answer(After, Outcome(True))
    assert engine.data.handoff.state == "expired" and not session.working  # but not past the deadline


def test_the_kiosk_times_out_by_itself_when_the_department_never_decides(world):
    engine, runner = world.engine, world.runner
    world.started()
    for _ in range(3):
        world.poll("pending", after=30)
    calls = len(runner.all(Call))
    world.later(31)  # 121 s after the start
    world.answer(After, Outcome(True))
    assert engine.data.handoff.state == "expired" and engine.view.notice == MSG["expired"]
    assert len(runner.all(Call)) == calls and engine.kind == "handoff"  # no more requests
    assert engine.view.notice in runner.spoken
    engine.action("retry")
    assert runner.last(Call)[1].operation == START and engine.data.handoff.state == "starting"


def test_expired_at_the_department_is_the_same_time_out(world):
    world.started()
    world.poll("expired")
    assert world.engine.data.handoff.state == "expired" and world.engine.view.notice == MSG["expired"]


def test_refused_on_the_phone_offers_try_again_and_back(world):
    engine, runner = world.engine, world.runner
    world.started()
    world.poll("refused")
    assert engine.kind == "handoff" and engine.data.handoff.state == "refused"
    assert engine.view.notice == MSG["refused"] and not engine.view.waiting
    engine.action("retry")
    assert runner.last(Call)[1].operation == START
    world.started({**START_REPLY, "handoff_id": "b" * 32})
    assert engine.data.handoff.values["handoff_id"] == "b" * 32
    engine.action("back")
    assert engine.kind == "form"


def test_retry_is_ignored_while_a_hand_off_is_open(world):
    world.started()
    calls = len(world.runner.all(Call))
    world.engine.action("retry")
    assert len(world.runner.all(Call)) == calls


def test_a_department_that_cannot_open_one_says_so(world):
    engine = world.engine
    world.answer(Call, Outcome(False, msgid="The registration office is not answering. Please try again later."))
    assert engine.data.handoff.state == "failed" and "not answering" in engine.view.notice
    assert not engine.view.busy and not engine.data.handoff.values.get("qr_content")
    engine.action("retry")
    assert engine.data.handoff.state == "starting"


def test_a_lost_status_request_keeps_waiting(world):
    engine, runner = world.engine, world.runner
    world.started()
    world.later(2)
    world.answer(After, Outcome(True))
    world.answer(Call, Outcome(False, msgid="no answer"))
    assert engine.data.handoff.state == "waiting" and engine.view.notice == MSG["interrupted"]
    assert isinstance(runner.effects[-1][1], After)
    world.poll("confirmed")
    assert engine.kind == "print"


def test_going_back_stops_the_polling(world):
    engine, runner = world.engine, world.runner
    world.started()
    engine.action("back")
    assert engine.kind == "form" and not world.session.working
    effects = len(runner.effects)
    world.answer(After, Outcome(True))  # the pause of the step left behind ends: nobody asks again
    assert len(runner.effects) == effects


def test_a_confirmed_hand_off_counts_only_for_what_was_asked(world):
    engine, runner = world.engine, world.runner
    world.started()
    world.poll("confirmed")
    assert engine.kind == "print"
    engine.action("back")  # the confirmed hand-off is passed over: back to the form
    assert engine.kind == "form"
    starts = len([c for c in runner.all(Call) if c.operation == START])
    engine.action("next")  # unchanged: still confirmed
    assert engine.kind == "print" and len([c for c in runner.all(Call) if c.operation == START]) == starts
    engine.action("back")
    engine.action("set", name="trade_name", value="晓敏")
    engine.action("next")  # changed after signing: sign again
    assert engine.kind == "handoff" and engine.data.handoff.state == "starting"
    assert runner.last(Call)[1].body["document_digest"] != runner.all(Call)[0].body["document_digest"]


def test_the_session_end_wipes_the_hand_off(world):
    world.started()
    handoff = world.engine.data.handoff
    world.session.end("finished")
    assert world.session.data.is_empty() and handoff.values == {} and handoff.deadline is None


# -- load-time checks -------------------------------------------------------------------------------
def journey_with(**changes):
    steps = [dict(s) for s in JOURNEY["steps"]]
    steps[4] = {**HANDOFF, **changes}
    return {**JOURNEY, "steps": steps}


def test_the_start_must_answer_a_hand_off():
    with pytest.raises(DefinitionError, match=r"journey step 5 \(handoff\): start: hall.query_profile must answer "
                                              r"handoff_id \(string\)"):
        compile_journey("x", journey_with(start="hall.query_profile", start_request={
            "id_number": "$card.id_number", "name": "$card.name"}, digest=None), load_contract())


def test_the_status_must_answer_the_four_states():
    with pytest.raises(DefinitionError, match=r"status: registration.query_applications must answer status"):
        compile_journey("x", journey_with(status="registration.query_applications"), load_contract())


def test_a_submission_cannot_open_a_hand_off():
    with pytest.raises(DefinitionError, match=r"start: registration.register_sole_proprietor is a submission"):
        compile_journey("x", journey_with(start="registration.register_sole_proprietor"), load_contract())


def test_the_start_request_must_cover_the_required_properties():
    with pytest.raises(DefinitionError, match=r"start_request: registration.query_signing_code requires purpose"):
        compile_journey("x", journey_with(start_request={"id_number": "$card.id_number", "name": "$card.name"}),
                        load_contract())


def test_the_hand_off_is_read_only_after_its_step():
    steps = [dict(s) for s in JOURNEY["steps"]]
    steps[4], steps[5] = steps[5], steps[4]
    with pytest.raises(DefinitionError, match=r"journey step 5 \(print\): .*'handoff.handoff_id' is used before any "
                                              r"handoff step"):
        compile_journey("x", {**JOURNEY, "steps": steps}, load_contract())


def test_the_digest_goes_into_a_text_property_of_the_start_request():
    with pytest.raises(DefinitionError, match=r"digest: 'colour' is not a text property"):
        compile_journey("x", journey_with(digest="colour"), load_contract())


# -- the runner's pause -------------------------------------------------------------------------------
def test_the_pause_comes_back_on_the_engines_thread_with_its_token():
    done = threading.Event()
    results = []

    class Engine:
        def effect_done(self, token, outcome):
            results.append((token, outcome.ok, threading.current_thread().name))
            done.set()

    delivered = []
    runner = EffectRunner(None, None, None, lambda fn, *args: (delivered.append(fn), fn(*args)), None)
    runner.engine = Engine()
    runner.run(7, After(0.05))
    assert done.wait(5) and results[0][:2] == (7, True) and len(delivered) == 1


# -- the reference backend: a generic hand-off store and its simulated phone --------------------------
@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    with launch(tmp_path_factory.mktemp("sim"), handoff_expiry_s=30) as handle:
        backends = Backends(transports(handle.base_url))
        yield handle, backends
        backends.close()


def open_one(backends):
    return backends.call(START, {**CITIZEN, "purpose": "sole_proprietor_registration"})


def test_the_simulated_phone_confirms_the_newest_pending_hand_off(sim):
    handle, backends = sim
    older, newer = open_one(backends), open_one(backends)
    assert newer["expires_in_s"] == 30 and newer["qr_content"].startswith("https://")
    assert backends.call(STATUS, {"handoff_id": newer["handoff_id"]})["status"] == "pending"
    assert handle.handoff("confirm")["handoff_id"] == newer["handoff_id"]
    assert backends.call(STATUS, {"handoff_id": newer["handoff_id"]})["status"] == "confirmed"
    assert backends.call(STATUS, {"handoff_id": older["handoff_id"]})["status"] == "pending"


def test_the_simulated_phone_refuses_and_lets_one_expire(sim):
    handle, backends = sim
    refused, expired = open_one(backends), open_one(backends)
    handle.handoff("refuse", refused["handoff_id"])
    handle.handoff("expire", expired["handoff_id"])
    assert backends.call(STATUS, {"handoff_id": refused["handoff_id"]})["status"] == "refused"
    status = backends.call(STATUS, {"handoff_id": expired["handoff_id"]})
    assert status["status"] == "expired" and status["expires_in_s"] == 0
    with pytest.raises(urllib.error.HTTPError) as caught:
        handle.handoff("confirm", expired["handoff_id"])  # too late: the phone cannot confirm it any more
    assert caught.value.code == 404


def test_an_unknown_hand_off_is_not_found(sim):
    _, backends = sim
    with pytest.raises(Rejected) as caught:
        backends.call(STATUS, {"handoff_id": "0" * 32})
    assert caught.value.status == 404
