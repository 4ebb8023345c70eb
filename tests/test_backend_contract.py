"""The contract: valid OpenAPI documents, and every client call against the reference backend with
each request and reply checked by openapi-core (an independent validator) against the documents."""
from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
import requests
import yaml
from openapi_core import Config, OpenAPI
from openapi_core.security.factories import SecurityProviderFactory
from openapi_core.security.providers import BaseProvider
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse
from openapi_spec_validator import validate as validate_spec

from backend_sim import launch
from backend_sim.examples import CITIZEN, OUTBOX_SERVICES, example
from backend_sim.server import HANDLERS
from kiosk.backends import Backends, Endpoint, Rejected, Transport, load_contract, new_idempotency_key
from kiosk.backends.contract import API_DIR
from backend_sim import data
from tests.backend_support import DEPARTMENTS, signed

SHARED_SCHEMAS = ("IdNumber", "PersonName", "Phone", "Amount", "Timestamp", "Address", "CitizenQuery",
                  "ApplicationsQuery", "ApplicationStatus", "ApplicationReceipt", "Application", "Applications",
                  "FieldError", "Error")


def documents() -> dict[str, dict]:
    return {d: yaml.safe_load((API_DIR / f"{d}.yaml").read_text(encoding="utf-8")) for d in DEPARTMENTS}


@pytest.mark.parametrize("department", DEPARTMENTS)
def test_each_document_is_valid_openapi_3_1(department):
    doc = documents()[department]
    assert doc["openapi"].startswith("3.1")
    validate_spec(doc)


def test_shared_parts_are_identical_in_every_document():
    docs = documents()
    tax = docs["tax"]["components"]
    for department, doc in docs.items():
        c = doc["components"]
        assert c["parameters"] == tax["parameters"], department
        assert c["responses"] == tax["responses"], department
        for name in SHARED_SCHEMAS:
            assert c["schemas"][name] == tax["schemas"][name], (department, name)


def test_every_submission_requires_an_idempotency_key_and_no_path_carries_personal_data():
    contract = load_contract()
    for op in contract.operations():
        creates = op.method == "POST" and not op.id.split(".")[1].startswith("query")
        assert op.submission == creates, op.id
        assert "{" not in op.path and "id_number" not in op.path, op.id
        assert op.path.startswith("/" + op.department.replace("_", "-") + "/v1/"), op.id


def test_the_reference_backend_implements_every_operation():
    assert set(HANDLERS) == {op.id for op in load_contract().operations()}


# -- every call, checked by openapi-core --------------------------------------------------------
class _CertificateShownInTheHandshake(BaseProvider):
    """``mutualTLS`` is proven by the TLS layer (see the client tests with the test CA), not by anything
    in the request; openapi-core 0.23 knows no provider for it."""

    def __call__(self, parameters) -> bool:
        return True


class _Security(SecurityProviderFactory):
    PROVIDERS = {**SecurityProviderFactory.PROVIDERS, "mutualTLS": _CertificateShownInTheHandshake}


class SpecChecker:
    """A requests response hook: every reply (and request) is validated against its department's document."""

    def __init__(self, requests_too: bool = True) -> None:
        self.requests_too = requests_too
        config = Config(security_provider_factory=_Security())
        self.specs = {d: OpenAPI.from_file_path(str(API_DIR / f"{d}.yaml"), config=config) for d in DEPARTMENTS}
        self.checked: list[tuple[str, str, int]] = []

    def __call__(self, response: requests.Response, *args, **kwargs) -> None:
        path = requests.utils.urlparse(response.url).path
        op = next(o for o in load_contract().operations() if o.path == path)
        spec = self.specs[op.department]
        request = RequestsOpenAPIRequest(response.request)
        if self.requests_too:
            spec.validate_request(request)
        spec.validate_response(request, RequestsOpenAPIResponse(response))
        self.checked.append((op.id, response.request.method, response.status_code))
        response.raw = _Replay(response.content)  # reading it above consumed the stream the transport reads


class _Replay:
    """Stands in for a consumed urllib3 response: the transport streams the body from ``raw``."""

    def __init__(self, content: bytes) -> None:
        self._content = content

    def stream(self, amt: int, decode_content: bool = False):
        yield self._content

    def close(self) -> None:
        pass


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    with launch(tmp_path_factory.mktemp("sim")) as handle:
        yield handle


@pytest.fixture(scope="module")
def checked(sim):
    checker = SpecChecker()
    transports = {}
    for d in DEPARTMENTS:
        transport = Transport(Endpoint(d, sim.base_url, terminal_id="TEST-01"))
        transport._session.hooks["response"].append(checker)
        transports[d] = transport
    backends = Backends(transports)
    yield backends, checker
    backends.close()


def test_tax_calls(checked):
    backends, checker = checked
    records = backends.tax.income_records(CITIZEN["id_number"], CITIZEN["name"], 2022, 2023)
    assert records.records and records.total_income == sum(r.income for r in records.records)
    vouchers = backends.call("tax.query_tax_vouchers", CITIZEN | {"tax_kind": "individual_income_tax", "year": 2018})
    numbers = [v["voucher_no"] for v in vouchers["vouchers"][:3]]
    certificate = backends.tax.payment_certificate(CITIZEN["id_number"], CITIZEN["name"], numbers)
    assert certificate.total == sum(i.amount for i in certificate.items) > 0 and len(certificate.items) == 3
    receipt = backends.submit("tax.claim_invoices", example("tax.claim_invoices"), new_idempotency_key())
    [application] = backends.tax.applications(CITIZEN["id_number"], CITIZEN["name"], receipt["application_no"])
    assert application.status == "received"
    with pytest.raises(Rejected) as refused:
        backends.tax.income_records(CITIZEN["id_number"], CITIZEN["name"], 2023, 2021)
    assert [(f.field, f.code) for f in refused.value.fields] == [("year_to", "before_start")]
    assert {op for op, _, _ in checker.checked} >= {"tax.query_income_records", "tax.issue_payment_certificate",
                                                     "tax.claim_invoices", "tax.query_applications"}


def test_exit_entry_calls(checked, sim):
    backends, checker = checked
    start = date.today() + timedelta(days=1)
    slots = backends.exit_entry.slots("endorsement", start, start + timedelta(days=6), office_id="THCRJ")
    free = next(s for s in slots if s.remaining > 0)
    appointment = backends.exit_entry.book(CITIZEN["id_number"], CITIZEN["name"], "13912345678", "endorsement",
                                           free.slot_id)
    assert appointment.slot.remaining == free.remaining - 1
    who = {"id_number": CITIZEN["id_number"], "name": CITIZEN["name"]}
    permit = backends.call("exit_entry.query_endorsement_options", who | {"permit_number": data.permit(who["id_number"])[0]})
    offer = next(o for o in permit["options"] if o["count"] == 2)
    order = backends.payment.create_order(offer["offer_id"], offer["fee"], "TEST-01")
    sim.pay(order.order_id)
    assert backends.payment.order(order.order_id).status == "paid"
    body = example("exit_entry.apply_endorsement") | {"offer_id": offer["offer_id"], "payment_order_id": order.order_id}
    receipt = backends.submit("exit_entry.apply_endorsement", body, new_idempotency_key())
    assert receipt["fee"] == "30.00"
    assert backends.exit_entry.applications(CITIZEN["id_number"], CITIZEN["name"])
    full = next(s for s in slots if s.remaining == 0)
    with pytest.raises(Rejected) as refused:
        backends.exit_entry.book(CITIZEN["id_number"], CITIZEN["name"], "13912345678", "endorsement", full.slot_id)
    assert refused.value.status == 409 and refused.value.fields[0].code == "full"
    assert ("exit_entry.book_appointment", "POST", 409) in checker.checked


def test_registration_calls(checked, sim):
    backends, _ = checked
    for service in ("registration.register_residence", "registration.file_rental",
                    "registration.register_sole_proprietor"):
        body = example(service)
        body = signed(backends, sim, body) if service.endswith("sole_proprietor") else body
        assert backends.submit(service, body, new_idempotency_key())["status"] == "received"
    kinds = {a.kind for a in backends.registration.applications(CITIZEN["id_number"], CITIZEN["name"])}
    assert kinds == {"residence_registration", "rental_filing", "sole_proprietor_registration"}


def test_signing_handoff_calls(checked, sim):
    backends, checker = checked
    handoff = backends.call("registration.query_signing_code", CITIZEN | {"purpose": "sole_proprietor_registration"})
    status = {"handoff_id": handoff["handoff_id"]}
    assert backends.call("registration.query_signing_status", status)["status"] == "pending"
    sim.handoff("confirm", handoff["handoff_id"])
    assert backends.call("registration.query_signing_status", status)["status"] == "confirmed"
    with pytest.raises(Rejected):
        backends.call("registration.query_signing_status", {"handoff_id": "0" * 32})
    assert {("registration.query_signing_code", "POST", 200), ("registration.query_signing_status", "POST", 200),
            ("registration.query_signing_status", "POST", 404)} <= set(checker.checked)


def test_hall_calls(checked):
    backends, checker = checked
    profile = backends.hall.profile(CITIZEN["id_number"], CITIZEN["name"])
    assert profile.household[0] == ("head", CITIZEN["name"])
    first = backends.hall.ticket("tax")
    second = backends.hall.ticket("tax", id_number=CITIZEN["id_number"], name=CITIZEN["name"])
    assert second.waiting_ahead == first.waiting_ahead + 1
    assert {q.queue: q.waiting for q in backends.hall.queues()}["tax"] >= 2
    assert backends.submit("hall.submit_rating", example("hall.submit_rating"), new_idempotency_key())["rating_id"]
    assert ("hall.submit_rating", "POST", 201) in checker.checked
    assert backends.hall.heartbeat(heartbeat_example()) is False
    assert ("hall.send_heartbeat", "POST", 201) in checker.checked


def heartbeat_example() -> dict:
    from datetime import datetime, timezone

    from common.device_status import DeviceState, DeviceStatus
    from kiosk.heartbeat import heartbeat_body
    from kiosk.outbox.outbox import OutboxStatus
    return heartbeat_body("TEST-01", 12.5, {"printer": DeviceStatus("printer", DeviceState.USER_ERROR, "paper_out")},
                          OutboxStatus(3, 1, 0, 0, 10, 42.0, ()), {"settings": 2}, "rejected:expired",
                          datetime.now(timezone.utc))


def test_error_replies_conform_too(sim):
    checker = SpecChecker(requests_too=False)  # these requests are broken on purpose
    for service in OUTBOX_SERVICES:  # a 422 with field errors for each submission
        broken = example(service) | {"surprise": 1}
        response = requests.post(sim.base_url + load_contract().operation(service).path, json=broken,
                                 headers={"Idempotency-Key": str(uuid.uuid4())}, hooks={"response": checker})
        assert response.status_code == 422
        assert {"field": "surprise", "code": "unknown_field"} in [
            {k: f[k] for k in ("field", "code")} for f in response.json()["fields"]]
    missing_key = requests.post(sim.base_url + "/hall/v1/ratings", json=example("hall.submit_rating"),
                                hooks={"response": checker})
    assert missing_key.status_code == 400
    assert missing_key.json()["fields"][0]["field"] == "Idempotency-Key"
    assert len(checker.checked) == len(OUTBOX_SERVICES) + 1
