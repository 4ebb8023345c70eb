"""Invoice services for individual businesses at the reference backend, through the kiosk's own
clients: only this person's eligible businesses, only after the phone's real-name confirmation
for that business, and collections that lower what may still be collected."""
from __future__ import annotations

import pytest

from backend_sim import launch
from backend_sim.examples import CITIZEN, OTHER
from kiosk.backends import Backends, Rejected, new_idempotency_key
from tests.backend_support import transports


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    with launch(tmp_path_factory.mktemp("sim")) as handle:
        yield handle


@pytest.fixture(scope="module")
def backends(sim):
    b = Backends(transports(sim.base_url))
    yield b
    b.close()


def businesses(backends, who=CITIZEN) -> list[dict]:
    return backends.call("tax.query_businesses", who)["businesses"]


def confirmed(sim, backends, business: dict, action: str = "confirm") -> str:
    opened = backends.call("tax.query_realname_code", CITIZEN | {"taxpayer_id": business["taxpayer_id"],
                                                                 "purpose": "invoice_services"})
    sim.handoff(action, opened["handoff_id"])
    return opened["handoff_id"]


def refused_fields(call) -> list[tuple[str, str]]:
    with pytest.raises(Rejected) as refused:
        call()
    return [(f.field, f.code) for f in refused.value.fields]


def test_ineligible_business_says_why_and_cannot_open_the_phone_check(backends):
    found = businesses(backends)
    assert [b["eligible"] for b in found] == [True, False] and found[1]["reason"] == "not_registered"
    assert refused_fields(lambda: backends.call("tax.query_realname_code", CITIZEN | {
        "taxpayer_id": found[1]["taxpayer_id"], "purpose": "invoice_services"})) == [("taxpayer_id", "not_allowed")]
    assert businesses(backends, OTHER) == []


def test_services_need_the_confirmation_for_that_business(sim, backends):
    business = businesses(backends)[0]
    body = CITIZEN | {"taxpayer_id": business["taxpayer_id"]}
    pending = backends.call("tax.query_realname_code", body | {"purpose": "invoice_services"})["handoff_id"]
    assert refused_fields(lambda: backends.call("tax.query_invoice_services", body | {"handoff_id": pending})) \
        == [("handoff_id", "not_signed")]
    declined = confirmed(sim, backends, business, "refuse")
    assert refused_fields(lambda: backends.call("tax.query_invoice_services", body | {"handoff_id": declined})) \
        == [("handoff_id", "not_signed")]
    handoff_id = confirmed(sim, backends, business)
    services = backends.call("tax.query_invoice_services", body | {"handoff_id": handoff_id})
    assert services["business_name"] == business["business_name"] and services["paper_kinds"]
    assert refused_fields(lambda: backends.call("tax.query_invoice_services", OTHER | {
        "taxpayer_id": business["taxpayer_id"], "handoff_id": handoff_id})) == [("taxpayer_id", "not_found")]


def test_collection_reserves_numbers_and_lowers_what_may_be_collected(sim, backends):
    business = businesses(backends)[0]
    body = CITIZEN | {"taxpayer_id": business["taxpayer_id"], "handoff_id": confirmed(sim, backends, business)}
    kind = next(k for k in backends.call("tax.query_invoice_services", body)["paper_kinds"] if k["can_collect"])
    collect = body | {"invoice_kind": kind["invoice_kind"], "quantity": kind["can_collect"]}
    assert kind["can_collect"] < 25  # the business holds some already
    assert refused_fields(lambda: backends.call("tax.collect_paper_invoices", collect | {"quantity": kind["can_collect"] + 1},
                                                idempotency_key=new_idempotency_key())) == [("quantity", "over_limit")]
    slip = backends.call("tax.collect_paper_invoices", collect, idempotency_key=new_idempotency_key())
    assert int(slip["last_no"]) - int(slip["first_no"]) + 1 == kind["can_collect"]
    after = next(k for k in backends.call("tax.query_invoice_services", body)["paper_kinds"]
                 if k["invoice_kind"] == kind["invoice_kind"])
    assert after["can_collect"] == 0 and after["in_hand"] == 25
