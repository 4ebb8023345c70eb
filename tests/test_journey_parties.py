"""Two people in one session (parties): the tenant of a rental filing places their own card and
passes their own face check after the landlord; both sign; what they gave is reachable as
``$party.lessee.*`` and wiped with the rest. The definition is written here as data."""
import datetime
from dataclasses import dataclass
from pathlib import Path

import pytest

from backend_sim.examples import EXAMPLE_TERMINAL
from kiosk.backends.contract import load_contract
from kiosk.backends.errors import FieldError
from kiosk.catalog import SERVICES_DIR, CatalogError, load_catalog
from kiosk.journeys.definition import DefinitionError, compile_journey
from kiosk.journeys.effects import CancelFace, Enqueue, Outcome, Sign, StartFace
from kiosk.journeys.engine import JourneyEngine
from kiosk.journeys.steps.identity import MSG as IDENTITY
from kiosk.session import CitizenSession
from kiosk.signing import verify
from tests.signature_support import drawn_signature
from tests.test_journey_engine import FakeCard, FakeRunner

TODAY = datetime.date(2026, 11, 21)
T = {"zh_CN": "文字", "zh_HK": "文字", "en": "Text"}
TENANT = {"zh_CN": "承租人", "zh_HK": "承租人", "en": "Tenant"}
HOME = {"district_code": "440106", "street_code": "440106001", "community_code": "440106001001",
        "road_code": "440106001001001", "number_code": "440106001001001065", "room_code": "4401060010010010650302"}
OP = "registration.file_rental"


def steps(*, lessee_card: bool = True, submit_request: dict | None = None) -> list[dict]:
    return [
        {"kind": "consent", "purpose": T},
        {"kind": "card"},
        {"kind": "face"},
        {"kind": "form", "id": "lease", "operation": OP, "fields": [
            {"name": "phone", "widget": "keypad", "label": T, "default": "13800138000"},
            {"name": "area_m2", "widget": "keypad", "label": T, "default": "68"},
            {"name": "monthly_rent", "widget": "keypad", "label": T, "default": "4200"},
            {"name": "use", "widget": "choice", "label": T, "options": {k: T for k in ("residential", "commercial", "office", "industrial", "other")}}]},
        {"kind": "form", "id": "term", "operation": OP, "fields": [
            {"name": "start_date", "widget": "date", "label": T, "default": "$today.iso"},
            {"name": "end_date", "widget": "date", "label": T, "after": "start_date"}]},
        *([{"kind": "card", "party": "lessee"}, {"kind": "face", "party": "lessee"}] if lessee_card else []),
        {"kind": "review", "shows": [{"label": T, "value": "{party.lessee.name} {party.lessee.id_number|mask_id}"}]
         if lessee_card else []},
        {"kind": "signature", "operation": OP, "field": "lessor_signature", "statement": T},
        {"kind": "signature", "operation": OP, "field": "lessee_signature", "statement": T, "party": "lessee"},
        {"kind": "submit", "operation": OP, "confirm": True, "request": submit_request or {
            "id_number": "$card.id_number", "name": "$card.name", "lessee.id_number": "$party.lessee.id_number",
            "lessee.name": "$party.lessee.name", **HOME}},
        {"kind": "rate"},
        {"kind": "farewell"},
    ]


def definition(**kwargs) -> dict:
    return {"queue": "registration", "parties": {"lessee": TENANT}, "steps": steps(**kwargs)}


@dataclass
class Tenant(FakeCard):
    id_number: str = "440104198805124035"
    name: str = "租客"


@pytest.fixture
def world():
    plan = compile_journey("rental_filing", definition(), load_contract())
    session, runner = CitizenSession(60, 20), FakeRunner()
    engine = JourneyEngine(session, {"rental_filing": plan}, runner, load_contract(), face_attempts=3,
                           terminal_id="T-1", today=lambda: TODAY)
    session.start()
    session.choose("rental_filing")
    engine.begin("rental_filing")
    engine.action("agree")
    engine.card_placed(FakeCard(), photo=b"landlord")
    engine.face_decided(runner.last(StartFace)[0], "accept")
    engine.action("set", name="use", value="residential")
    engine.action("next")
    engine.action("set", name="end_date", value="2027-11-20")
    engine.action("next")
    assert engine.kind == "card" and engine.step.party == "lessee"
    return session, runner, engine


def to_tenant_face(runner, engine, card=None):
    engine.card_removed()  # the landlord lifts their card to make room
    engine.card_placed(card or Tenant(), photo=b"tenant")
    assert engine.kind == "face" and engine.step.party == "lessee"
    return runner.last(StartFace)


def to_submission(runner, engine) -> None:
    """The tenant identified, the review confirmed, both signed: the filing is being submitted."""
    token, _ = to_tenant_face(runner, engine)
    engine.face_decided(token, "accept")
    engine.action("next")
    for _ in range(2):
        engine.action("sign", strokes=drawn_signature())
        engine.effect_done(runner.last(Sign)[0], Outcome(True, {"strokes": {}}))


def test_the_tenant_is_asked_by_name_of_their_role_and_checked_against_their_own_photo(world):
    session, runner, engine = world
    assert engine.view.notice == IDENTITY["place_party_card"] and engine.view.notice_args["party"].en == "Tenant"
    assert session.data.face == "verified" and session.data.card.id_number == FakeCard.id_number
    token, start = to_tenant_face(runner, engine)
    assert start.photo == b"tenant"  # the tenant's own card photo, not the landlord's
    engine.face_decided(token, "accept")
    tenant = session.data.parties["lessee"]
    assert tenant.face == "verified" and tenant.photo is None and tenant.card.name == "租客"
    assert engine.kind == "review"
    shown = engine.step.entries(engine, lambda texts: texts.en, {})
    assert shown[0].step is None and shown[0].shown == "租客 4401**********4035"  # masked, and not changeable here


def test_the_same_card_again_is_refused_for_the_second_party(world):
    session, runner, engine = world
    engine.card_placed(FakeCard(), photo=b"landlord")  # the landlord's card placed again
    assert engine.kind == "card" and engine.view.notice == IDENTITY["same_person"]
    assert session.data.parties.get("lessee") is None or session.data.parties["lessee"].card is None


def test_the_tenants_card_lifted_before_their_face_check_returns_to_their_card_step(world):
    session, runner, engine = world
    to_tenant_face(runner, engine)
    cancels = len(runner.all(CancelFace))
    engine.card_removed()
    assert engine.kind == "card" and engine.step.party == "lessee"
    assert engine.view.notice == "Your card was lifted before the check was finished. Please place it again."
    assert len(runner.all(CancelFace)) > cancels  # the tenant's face check stops
    assert session.data.parties["lessee"].card is None and session.data.parties["lessee"].photo is None
    # the landlord is still identified, with everything entered
    assert session.data.card.id_number == FakeCard.id_number and session.data.face == "verified"
    assert session.data.form["end_date"] == "2027-11-20"
    token, _ = to_tenant_face(runner, engine)
    engine.face_decided(token, "accept")
    assert engine.kind == "review"


def test_each_party_signs_the_same_form_with_their_own_face_check(world):
    session, runner, engine = world
    token, _ = to_tenant_face(runner, engine)
    engine.face_decided(token, "accept")
    engine.action("next")
    signs = []
    for signer in (None, "lessee"):
        assert engine.kind == "signature" and engine.step.party == signer
        engine.action("sign", strokes=drawn_signature(strokes=2 if signer is None else 3))
        token, sign = runner.last(Sign)
        signs.append(sign)
        at = datetime.datetime(2026, 11, 21, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
        engine.effect_done(token, Outcome(True, EXAMPLE_TERMINAL.envelope(sign.form, sign.strokes, sign.face_check, signer=sign.signer, signed_at=at)))
    assert signs[0].form == signs[1].form and "lessor_signature" not in signs[1].form  # one form, bound twice
    assert [s.face_check for s in signs] == ["verified", "verified"]
    assert [s.signer for s in signs] == ["applicant", "lessee"]  # the definition here names no lessor role
    assert signs[0].form["lessee"] == {"id_number": Tenant.id_number, "name": "租客"}
    _, enqueue = runner.last(Enqueue)
    assert enqueue.confirm and enqueue.body["lessee"]["name"] == "租客"
    bare = {k: v for k, v in enqueue.body.items() if not k.endswith("_signature")}
    for name in ("lessor_signature", "lessee_signature"):
        assert verify(enqueue.body[name], bare, EXAMPLE_TERMINAL.public)


def test_a_term_the_department_refuses_returns_to_the_form_with_the_field_marked(world):
    session, runner, engine = world
    to_submission(runner, engine)
    assert engine.kind == "submit"
    token, _ = runner.last(Enqueue)
    engine.effect_done(token, Outcome(True, ("R-1", "rejected", {}, (FieldError("end_date", "before_start"),))))
    assert engine.kind == "form" and engine.step.id == "term"
    assert engine.view.errors == {"end_date": ("The end must not be before the start.", {})}
    assert session.data.parties["lessee"].face == "verified"  # the tenant need not identify again


def test_the_kiosk_refuses_an_end_that_is_not_after_the_start(world):
    session, runner, engine = world
    engine.goto(engine.plan.steps.index(next(s for s in engine.plan.steps if s.id == "term")))
    engine.action("set", name="end_date", value="2026-11-21")
    engine.action("next")
    assert engine.kind == "form" and engine.view.errors["end_date"] == ("This must be after {other}.",
                                                                       {"other": "start_date"})


def test_the_department_reply_is_kept_when_it_arrives_while_they_wait(world):
    session, runner, engine = world
    to_submission(runner, engine)
    engine.effect_done(runner.last(Enqueue)[0], Outcome(True, ("R-1", "delivered", {"filing_no": "BA1"}, ())))
    assert engine.kind == "rate" and session.data.reply == {"filing_no": "BA1", "receipt_no": "R-1",
                                                           "delivery": "delivered"}


def test_the_second_party_is_wiped_with_everything_at_session_end(world):
    session, runner, engine = world
    tenant_card = Tenant()
    token, _ = to_tenant_face(runner, engine, tenant_card)
    engine.face_decided(token, "accept")
    party = session.data.parties["lessee"]
    session.end("timeout")
    assert tenant_card.wiped and party.card is None and party.face is None
    assert session.data.is_empty()


def test_a_binding_to_a_party_no_step_identifies_is_a_load_error():
    with pytest.raises(DefinitionError) as caught:
        compile_journey("rental_filing", definition(lessee_card=False), load_contract())
    assert str(caught.value) == ("journey step 8 (signature): a signature binds the signer's face check: put a "
                                 "face step with party = 'lessee' before it")
    raw = definition(lessee_card=False)
    raw["steps"] = [s for s in raw["steps"] if s.get("party") != "lessee"]
    with pytest.raises(DefinitionError) as caught:
        compile_journey("rental_filing", raw, load_contract())
    assert str(caught.value) == ("journey step 8 (submit): request.lessee.id_number: 'party.lessee.id_number' is "
                                 "used before a card step with party = 'lessee' identifies that person")
    raw = definition()
    raw["steps"][1] = {"kind": "card", "party": "landlord"}
    with pytest.raises(DefinitionError, match=r"journey step 2 \(card\): party: no party 'landlord' in "
                                              r"\[journey.parties\]; declared: lessee"):
        compile_journey("rental_filing", raw, load_contract())
    raw = definition()
    raw["steps"][-3]["request"]["lessee.name"] = "$party.lessee.nickname"
    with pytest.raises(DefinitionError, match=r"journey step 11 \(submit\): request.lessee.name: the ID card has "
                                              r"no 'nickname'"):
        compile_journey("rental_filing", raw, load_contract())


def test_a_signer_role_the_contract_does_not_know_is_a_load_error():
    raw = definition()
    raw["steps"][-5]["signer"] = "landlord"
    with pytest.raises(DefinitionError, match=r"journey step 9 \(signature\): signer: 'landlord' is not a signer role "
                                              r"of the envelope 'lessor_signature' of registration.file_rental; set "
                                              r"signer to one of: applicant, lessor, lessee"):
        compile_journey("rental_filing", raw, load_contract())


def test_the_catalog_names_the_file_the_step_and_the_key(tmp_path: Path):
    text = (SERVICES_DIR / "rental_filing.toml").read_text(encoding="utf-8")
    old = 'kind = "card"\nid = "lessee_card"\nparty = "lessee"'
    assert old in text
    # the tenant's card step goes: nothing identifies the tenant any more
    (tmp_path / "rental_filing.toml").write_text(text.replace(old, 'kind = "rate"', 1), encoding="utf-8")
    with pytest.raises(CatalogError) as caught:
        load_catalog(tmp_path)
    message = str(caught.value)
    assert message.startswith(str(tmp_path / "rental_filing.toml")) and "\n" not in message
    assert "(face): party: no card step for 'lessee' before this face check" in message


def test_the_rental_receipt_draws_both_signatures_each_under_its_party():
    from drivers.printer.receipt import Origin
    from kiosk.journeys.document import render_document

    plan = next(s.plan for s in load_catalog() if s.id == "rental_filing")
    document = next(s for s in plan.steps if s.kind == "print").settings.document
    lessor, lessee = drawn_signature(strokes=2), drawn_signature(strokes=3)
    scope = {"form": {"lessor_signature": {"strokes": lessor}, "lessee_signature": {"strokes": lessee}}}
    receipt = render_document(document, scope, plan.codes, lambda texts: texts["zh_CN"],
                              Origin("厅", "T-1", datetime.datetime(2026, 11, 21, 10, 0)), "补打")
    assert [d.caption for d in receipt.drawings] == ["出租人签名：", "承租人签名："]
    assert [sum(len(line) for line in d.lines) for d in receipt.drawings] == \
        [len(lessor["points"]), len(lessee["points"])]  # each party's own strokes under their own caption


def early_world(place):
    """The landlord lifts their card while still on a form, ``place(engine)`` lays a card on the reader
    there, then the landlord finishes the term form: the tenant's card step starts."""
    plan = compile_journey("rental_filing", definition(), load_contract())
    session, runner = CitizenSession(60, 20), FakeRunner()
    engine = JourneyEngine(session, {"rental_filing": plan}, runner, load_contract(), face_attempts=3,
                           terminal_id="T-1", today=lambda: TODAY)
    session.start()
    session.choose("rental_filing")
    engine.begin("rental_filing")
    engine.action("agree")
    engine.card_placed(FakeCard(), photo=b"landlord")
    engine.face_decided(runner.last(StartFace)[0], "accept")
    engine.action("set", name="use", value="residential")
    engine.action("next")
    assert engine.step.id == "term"
    engine.card_removed()  # the landlord makes room while still entering the term
    place(engine)
    engine.action("set", name="end_date", value="2027-11-20")
    engine.action("next")
    return session, runner, engine


def test_a_tenant_card_laid_on_the_reader_early_is_taken_at_the_tenants_card_step():
    session, runner, engine = early_world(lambda e: e.card_placed(Tenant(), photo=b"tenant"))
    assert engine.kind == "face" and engine.step.party == "lessee"  # nobody waits for a card lying there
    assert runner.last(StartFace)[1].photo == b"tenant" and session.data.parties["lessee"].card.name == "租客"
    assert session.data.card.id_number == FakeCard.id_number  # the landlord is still the landlord
    assert session.data.waiting_card is None


def test_the_landlords_own_card_laid_again_early_is_refused_at_the_tenants_card_step():
    session, runner, engine = early_world(lambda e: e.card_placed(FakeCard(), photo=b"landlord"))
    assert engine.kind == "card" and engine.step.party == "lessee" and engine.view.notice == IDENTITY["same_person"]


def test_a_card_laid_early_and_lifted_again_is_not_taken_and_is_wiped():
    early = Tenant()

    def lay_and_lift(engine):
        engine.card_placed(early, photo=b"tenant")
        engine.card_removed()

    session, runner, engine = early_world(lay_and_lift)
    assert engine.kind == "card" and engine.step.party == "lessee" and engine.view.notice == IDENTITY["place_party_card"]
    assert early.wiped and session.data.parties["lessee"].card is None
