"""The reference backend's individual business registration: the scope catalogue, the name rules
and availability, family members from the household, and the submission's checks, above all the
real-name signature it names (confirmed by the same citizen, for this purpose, used once)."""
import pytest

from backend_sim import launch
from backend_sim.checks import id_check_digit
from backend_sim.data import has_profile, profile
from backend_sim.examples import CITIZEN, OTHER, example
from kiosk.backends import Backends, Rejected, new_idempotency_key
from tests.backend_support import signed, transports

APPLY = "registration.register_sole_proprietor"
CHECK = "registration.query_trade_name"


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    with launch(tmp_path_factory.mktemp("sim"), handoff_expiry_s=30) as handle:
        backends = Backends(transports(handle.base_url))
        yield handle, backends
        backends.close()


def refusal(call) -> tuple[int, list[tuple[str, str]]]:
    with pytest.raises(Rejected) as caught:
        call()
    return caught.value.status, [(f.field, f.code) for f in caught.value.fields]


def check(backends, name, district="天河区", scope=("5211",)):
    return backends.call(CHECK, {"trade_name": name, "premises_district": district, "business_scope": list(scope)})


def test_the_catalogue_names_each_class_once_and_the_licences_it_needs(sim):
    _, backends = sim
    scopes = backends.call("registration.list_business_scopes")["scopes"]
    assert len({s["code"] for s in scopes}) == len(scopes) >= 30
    food = next(s for s in scopes if s["code"] == "6210")
    assert (food["name"], food["licence"], food["licence_note"]) == ("餐饮服务", "食品经营许可证", "需另办食品经营许可证")
    assert next(s for s in scopes if s["code"] == "5211")["licence"] == ""


def test_a_free_name_gets_its_full_registered_form(sim):
    _, backends = sim
    assert check(backends, "晓敏", "海珠区", ("6210", "5211"))["full_name"] == "广州市海珠区晓敏餐饮店"


@pytest.mark.parametrize("name, district, status, code", [
    ("鸿运", "白云区", 409, "taken"),        # registered in every district
    ("金牌", "天河区", 409, "taken"),        # registered in this district
    ("广州", "天河区", 422, "not_allowed"),  # a place name of city level
    ("天河美食", "天河区", 422, "not_allowed"),
    ("晓敏公司", "天河区", 422, "not_allowed"),  # a word for another kind of business
    ("Xiaomin", "天河区", 422, "invalid_format"),
])
def test_names_the_rules_refuse(sim, name, district, status, code):
    _, backends = sim
    assert refusal(lambda: check(backends, name, district)) == (status, [("trade_name", code)])


def test_the_same_name_in_another_district_is_free(sim):
    _, backends = sim
    assert check(backends, "金牌", "越秀区")["full_name"].startswith("广州市越秀区金牌")


def test_a_registered_name_is_taken_afterwards(sim):
    handle, backends = sim
    body = signed(backends, handle, example(APPLY) | {"trade_name": "新开"})
    backends.submit(APPLY, body, new_idempotency_key())
    assert refusal(lambda: check(backends, "新开")) == (409, [("trade_name", "taken")])
    assert check(backends, "新开", "黄埔区")


def test_family_members_are_the_household_without_the_citizen(sim):
    _, backends = sim
    person = next(p for p in (_person(i) for i in range(200)) if len(_household(p)) >= 1)
    members = backends.call("registration.query_family_members", person)["members"]
    assert members == _household(person) and person["name"] not in [m["name"] for m in members]
    newcomer = next(p for p in (_person(i) for i in range(200)) if not has_profile(p["id_number"]))
    assert backends.call("registration.query_family_members", newcomer)["members"] == []


@pytest.mark.parametrize("change, field, code", [
    ({"business_scope": ["5211", "9999"]}, "business_scope", "not_found"),
    ({"organisation_form": "family"}, "family_members", "required"),
    ({"family_members": ["林晓敏"]}, "family_members", "not_allowed"),
    ({"organisation_form": "family", "family_members": ["不在户籍"]}, "family_members", "not_found"),
    ({"trade_name": "鸿运"}, "trade_name", "taken"),
])
def test_the_application_checks_name_the_field(sim, change, field, code):
    handle, backends = sim
    body = signed(backends, handle, example(APPLY)) | change
    assert refusal(lambda: backends.submit(APPLY, body, new_idempotency_key()))[1] == [(field, code)]


def test_a_family_business_with_its_members(sim):
    handle, backends = sim
    person = next(p for p in (_person(i) for i in range(200)) if _household(p))
    body = signed(backends, handle, example(APPLY, person) | {
        "organisation_form": "family", "family_members": [_household(person)[0]["name"]], "trade_name": "家和"})
    assert backends.submit(APPLY, body, new_idempotency_key())["status"] == "received"


# -- the signature the application relies on ----------------------------------------------------------
def open_handoff(backends, citizen=CITIZEN, purpose="sole_proprietor_registration"):
    return backends.call("registration.query_signing_code", {**citizen, "purpose": purpose})["handoff_id"]


def test_an_unsigned_application_is_refused(sim):
    _, backends = sim
    assert refusal(lambda: backends.submit(APPLY, example(APPLY), new_idempotency_key())) == \
        (422, [("signing_id", "not_found")])


@pytest.mark.parametrize("phone, code", [(None, "not_signed"), ("refuse", "not_signed"), ("expire", "expired")])
def test_a_signature_not_confirmed_on_the_phone_is_refused(sim, phone, code):
    handle, backends = sim
    handoff_id = open_handoff(backends)
    if phone:
        handle.handoff(phone, handoff_id)
    body = example(APPLY) | {"signing_id": handoff_id}
    assert refusal(lambda: backends.submit(APPLY, body, new_idempotency_key()))[1] == [("signing_id", code)]


def test_another_citizens_signature_is_refused(sim):
    handle, backends = sim
    handoff_id = open_handoff(backends, OTHER)
    handle.handoff("confirm", handoff_id)
    body = example(APPLY) | {"signing_id": handoff_id}
    assert refusal(lambda: backends.submit(APPLY, body, new_idempotency_key()))[1] == [("signing_id", "mismatch")]


def test_a_signature_counts_for_one_application_but_a_retry_is_the_same_one(sim):
    handle, backends = sim
    body = signed(backends, handle, example(APPLY) | {"trade_name": "一签"})
    key = new_idempotency_key()
    first = backends.submit(APPLY, body, key)
    assert backends.submit(APPLY, body, key) == first  # the outbox's retry: replayed, not refused
    again = body | {"trade_name": "二签"}
    assert refusal(lambda: backends.submit(APPLY, again, new_idempotency_key()))[1] == [("signing_id", "used")]


def test_a_document_changed_after_it_was_confirmed_on_the_phone_is_refused(sim):
    handle, backends = sim
    confirmed = example(APPLY) | {"trade_name": "初签"}
    body = signed(backends, handle, confirmed)
    changed = body | {"capital": "90000"}  # a field changed after the citizen confirmed on the phone
    assert refusal(lambda: backends.submit(APPLY, changed, new_idempotency_key())) == (422, [("signing_id", "changed")])
    assert backends.submit(APPLY, body, new_idempotency_key())["status"] == "received"  # exactly what was confirmed


def _person(i: int) -> dict:
    first17 = f"44010619800101{i:03d}"
    return {"id_number": first17 + id_check_digit(first17), "name": "测试者"}


def _household(person: dict) -> list[dict]:
    if not has_profile(person["id_number"]):
        return []
    return [m for m in profile(person["id_number"], person["name"])["household"] if m["relation"] != "head"]
