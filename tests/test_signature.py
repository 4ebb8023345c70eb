"""The on-screen signature: the terminal's key, what the pad refuses, the binding to the submitted
request (verified by the reference backend, which refuses a changed form, an unknown key and a
reused signature), and the residence registration journey around it."""
import datetime
import os
import stat
import uuid

import pytest

from backend_sim import launch
from backend_sim.examples import EXAMPLE_TERMINAL, example
from kiosk.backends import Backends
from kiosk.backends.contract import load_contract
from kiosk.backends.errors import Rejected
from kiosk.catalog import load_catalog
from kiosk.journeys.effects import Call, Enqueue, Outcome, Sign, StartFace
from kiosk.journeys.engine import JourneyEngine
from kiosk.journeys.steps.signature import MSG, refusal
from kiosk.session import CitizenSession
from kiosk.signing import SigningKeyError, TerminalKey
from tests.backend_support import transports
from tests.signature_support import drawn_signature
from tests.test_journey_engine import FakeCard, FakeRunner

RESIDENCE = "registration.register_residence"
NOW = datetime.datetime(2026, 11, 21, 10, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))


# -- the terminal's key ---------------------------------------------------------------------------
def test_the_key_is_created_owner_only_on_first_start_and_kept(tmp_path):
    path = tmp_path / "state" / "signature.key"
    first = TerminalKey.load_or_create(path, "T-1")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert TerminalKey.load_or_create(path, "T-1").key_id == first.key_id
    assert first.key_id not in repr(first.private) and "PRIVATE" not in repr(first)


def test_a_key_readable_by_others_is_refused_with_the_fix(tmp_path):
    path = tmp_path / "signature.key"
    TerminalKey.load_or_create(path, "T-1")
    path.chmod(0o644)
    with pytest.raises(SigningKeyError, match="chmod 600"):
        TerminalKey.load_or_create(path, "T-1")


# -- what the pad refuses ---------------------------------------------------------------------------
def test_an_empty_or_trivially_short_signature_is_refused():
    assert refusal(None) == refusal({"width": 1000, "height": 400, "points": []}) == MSG["empty"]
    dot = {"width": 1000, "height": 400, "points": [[500, 200, 0, 1], [501, 200, 30, 0]]}
    assert refusal(dot) == MSG["too_short"]
    tick = {"width": 1000, "height": 400, "points": [[500, 200, t * 10, 1] for t in range(30)]}
    assert refusal(tick) == MSG["too_short"]  # many points, but the pen hardly moved
    assert refusal(drawn_signature()) == ""


# -- the binding, verified by the reference backend -------------------------------------------------
@pytest.fixture(scope="module")
def backends(tmp_path_factory):
    with launch(tmp_path_factory.mktemp("sim")) as sim:
        b = Backends(transports(sim.base_url))
        yield b
        b.close()


def submit(backends, body):
    return backends.submit(RESIDENCE, body, str(uuid.uuid4()))


def test_a_form_changed_after_signing_is_refused(backends):
    body = example(RESIDENCE)
    body["phone"] = "13700000000"  # changed after the envelope was made
    with pytest.raises(Rejected) as refused:
        submit(backends, body)
    assert [(f.field, f.code) for f in refused.value.fields] == [("signature", "mismatch")]


def test_changed_strokes_or_a_forged_signature_are_refused(backends):
    body = example(RESIDENCE)
    body["signature"]["strokes"]["points"][0][0] += 5
    with pytest.raises(Rejected, match="signature/mismatch"):
        submit(backends, body)


def test_a_key_never_enrolled_is_refused_and_an_enrolled_one_accepted(backends, tmp_path):
    key = TerminalKey.load_or_create(tmp_path / "signature.key", "T-9")
    form = {k: v for k, v in example(RESIDENCE).items() if k != "signature"}
    body = form | {"signature": key.envelope(form, drawn_signature(), "verified", NOW, "applicant")}
    with pytest.raises(Rejected, match="signature/not_found"):
        submit(backends, body)
    backends.submit("registration.enroll_signing_key", key.enrolment(), str(uuid.uuid4()))
    body = form | {"signature": key.envelope(form, drawn_signature(), "verified", NOW, "applicant")}
    assert submit(backends, body)["status"] == "received"


def test_swapped_envelopes_of_two_parties_are_refused(backends):
    rental = "registration.file_rental"
    body = example(rental)
    assert (body["lessor_signature"]["signer"], body["lessee_signature"]["signer"]) == ("lessor", "lessee")
    swapped = body | {"lessor_signature": body["lessee_signature"], "lessee_signature": body["lessor_signature"]}
    with pytest.raises(Rejected) as refused:
        backends.submit(rental, swapped, str(uuid.uuid4()))
    assert [(f.field, f.code) for f in refused.value.fields] == [("lessor_signature", "signer")]
    # relabelling the lessee's envelope as the lessor's breaks its digest: the role is signed too
    relabelled = body | {"lessor_signature": body["lessee_signature"] | {"signer": "lessor"}}
    with pytest.raises(Rejected, match="lessor_signature/mismatch"):
        backends.submit(rental, relabelled, str(uuid.uuid4()))
    assert backends.submit(rental, body, str(uuid.uuid4()))["status"] == "received"


def test_a_signature_is_never_accepted_twice(backends):
    body = example(RESIDENCE)
    assert submit(backends, body)["status"] == "received"
    with pytest.raises(Rejected, match="signature/reused"):
        submit(backends, body)  # the same signed request again under a new key: a second application


# -- the residence registration journey --------------------------------------------------------------
@pytest.fixture
def journey():
    plan = next(s.plan for s in load_catalog() if s.id == "residence_registration")
    session, runner = CitizenSession(60, 20), FakeRunner()
    engine = JourneyEngine(session, {"residence_registration": plan}, runner, load_contract(), face_attempts=3,
                           terminal_id="T-1", today=lambda: NOW.date())
    session.start()
    session.choose("residence_registration")
    engine.begin("residence_registration")
    engine.action("agree")
    engine.card_placed(FakeCard(), photo=b"p")
    engine.face_decided(runner.last(StartFace)[0], "accept")
    engine.effect_done(runner.last(Call)[0], Outcome(True, {"phone": "13800138000", "household": []}))
    return session, runner, engine


def test_the_address_dictionary_down_is_said_and_can_be_tried_again(journey):
    session, runner, engine = journey
    token, call = runner.last(Call)
    assert engine.kind == "choose" and call.operation == "registration.query_address_units"
    engine.effect_done(token, Outcome(False, msgid="The registration service is not answering."))
    assert engine.view.notice == "The registration service is not answering." and engine.kind == "choose"
    engine.action("retry")
    assert runner.last(Call)[0] > token and runner.last(Call)[1].body == {"level": "district"}


def walk_to(engine, runner, step_id):
    """Pick the first unit of each address level, choose rented housing and go on to ``step_id``."""
    while engine.step.id != step_id:
        if engine.kind == "choose":
            level = runner.last(Call)[1].body["level"]
            code = {"district": "440106", "street": "440106001", "community": "440106001001",
                    "road": "440106001001001", "number": "440106001001001065",
                    "room": "4401060010010010650302"}[level]
            engine.effect_done(runner.last(Call)[0], Outcome(True, {"units": [{"code": code, "name": "某"}]}))
            engine.action("pick", value=code)
        elif engine.step.id == "housing":
            engine.action("set", name="housing", value="owned")
        elif engine.step.id == "reason":
            engine.action("set", name="reason", value="family")
        engine.action("next")


def test_a_moving_in_date_in_the_future_is_explained_not_just_refused(journey):
    session, runner, engine = journey
    walk_to(engine, runner, "moved_in")
    engine.action("set", name="move_in_date", value=(NOW.date() + datetime.timedelta(days=2)).isoformat())
    engine.action("next")
    assert engine.step.id == "moved_in" and engine.view.errors == {"move_in_date": ("", {"explain": "too_high"})}
    rule = engine.step.field("move_in_date").explain["too_high"].en
    assert "cannot be after today" in rule and "within three working days" in rule
    engine.action("set", name="move_in_date", value=(NOW.date() - datetime.timedelta(days=40)).isoformat())
    engine.action("next")  # late is still accepted: the hint says to register now
    assert engine.kind == "review"


def test_the_signature_binds_exactly_what_is_submitted_and_is_never_reused(journey):
    session, runner, engine = journey
    walk_to(engine, runner, "moved_in")
    engine.action("next")
    engine.action("next")  # review: confirm
    assert engine.kind == "signature"
    engine.action("sign", strokes={"width": 1000, "height": 400, "points": []})
    assert engine.view.notice == MSG["empty"] and not runner.all(Sign)
    engine.action("sign", strokes=drawn_signature())
    token, sign = runner.last(Sign)
    envelope = EXAMPLE_TERMINAL.envelope(sign.form, sign.strokes, sign.face_check, signer=sign.signer, signed_at=NOW)
    engine.effect_done(token, Outcome(True, envelope))
    # a last look at what was signed, with the signature itself drawn
    assert engine.kind == "review" and engine.step.id == "signed"
    [drawing] = engine.step.drawings(engine, lambda texts: texts.zh_CN)
    assert drawing.caption == "申报人签名：" and sum(len(line) for line in drawing.lines) == len(sign.strokes["points"])
    engine.action("next")
    assert engine.kind == "submit"
    body = runner.last(Enqueue)[1].body
    assert {k: v for k, v in body.items() if k != "signature"} == sign.form and body["signature"] is envelope
    assert sign.face_check == "verified" and sign.form["phone"] == "13800138000"
    engine.back()  # back past the last review to the pad (the citizen cancelled the wait): sign again
    engine.back()
    assert engine.kind == "signature" and "signature" not in session.data.form


def test_the_address_chain_starts_at_the_address_on_record_and_can_be_changed():
    from kiosk.journeys.steps.choose import MSG as CHOOSE

    plan = next(s.plan for s in load_catalog() if s.id == "residence_registration")
    session, runner = CitizenSession(60, 20), FakeRunner()
    engine = JourneyEngine(session, {"residence_registration": plan}, runner, load_contract(), face_attempts=3,
                           terminal_id="T-1", today=lambda: NOW.date())
    session.start()
    session.choose("residence_registration")
    engine.begin("residence_registration")
    engine.action("agree")
    engine.card_placed(FakeCard(), photo=b"p")
    engine.face_decided(runner.last(StartFace)[0], "accept")
    units = {"district": "440106", "street": "440106001", "community": "440106001002", "road": "440106001002001",
             "number": "440106001002001065", "room": "4401060010020010650302"}
    engine.effect_done(runner.last(Call)[0], Outcome(True, {"phone": "13800138000", "household": [],
                                                            "address_units": units}))

    def listed(*codes):
        engine.effect_done(runner.last(Call)[0], Outcome(True, {"units": [{"code": c, "name": c} for c in codes]}))

    assert engine.step.id == "district"
    listed("440104", "440106")
    assert engine.data.form["district_code"] == "440106" and engine.view.notice == CHOOSE["from_records"]
    shown = engine.step.options(engine, lambda t: t.en, {})
    assert [(o.value, o.chosen, o.from_records) for o in shown] == [("440104", False, False), ("440106", True, True)]
    engine.action("next")
    assert engine.step.id == "street" and runner.last(Call)[1].body == {"level": "street", "parent": "440106"}
    listed("440106001", "440106002")
    assert engine.data.form["street_code"] == "440106001"
    engine.action("pick", value="440106002")  # the citizen lives elsewhere now
    assert engine.view.notice == "" and not any(o.from_records for o in engine.step.options(engine, lambda t: t.en, {}))
    engine.action("next")
    listed("440106002001")  # another street's communities: the one on record is not among them
    assert "community_code" not in engine.data.form and engine.view.notice == ""
