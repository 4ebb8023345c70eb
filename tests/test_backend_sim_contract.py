"""The reference backend keeps the contract for every citizen and every request, not just the examples:
replies for random valid citizens pass the kiosk's own client; odd but legal requests never crash it;
undeclared methods get the contract's 405; the documents themselves have no stray keys."""
from __future__ import annotations

import uuid
from datetime import date

import pytest
import requests
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from backend_sim import launch
from backend_sim.examples import make_id
from kiosk.backends import Backends, Endpoint, Rejected, Transport, load_contract
from kiosk.backends.contract import API_DIR
from tests.backend_support import DEPARTMENTS

_REGIONS = ("110105", "310104", "440106", "440104", "510107", "650102", "820000")


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    with launch(tmp_path_factory.mktemp("sim")) as handle:
        yield handle


@pytest.fixture(scope="module")
def backends(sim):
    client = Backends({d: Transport(Endpoint(d, sim.base_url, terminal_id="TEST-01")) for d in DEPARTMENTS})
    yield client
    client.close()


@st.composite
def citizens(draw) -> tuple[str, str]:
    """A valid ID number (region, birth date, sequence, check digit) and a Chinese name."""
    born = draw(st.dates(date(1930, 1, 1), date(2007, 12, 31)))
    sequence = draw(st.integers(0, 999))
    id_number = make_id(f"{draw(st.sampled_from(_REGIONS))}{born:%Y%m%d}{sequence:03d}")
    name = draw(st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=2, max_size=4))
    return id_number, name


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(who=citizens(), first=st.integers(2019, date.today().year))
def test_every_reply_for_a_random_valid_citizen_passes_the_kiosks_client(backends, who, first):
    id_number, name = who
    last = min(first + 4, date.today().year)
    records = backends.tax.income_records(id_number, name, first, last)  # BadReply if any amount breaks the pattern
    assert records.total_income == sum(r.income for r in records.records)
    try:
        profile = backends.hall.profile(id_number, name)
    except Rejected as refused:  # one person in ten has no profile yet: the contract's 404
        assert refused.status == 404
    else:
        assert profile.household[0] == ("head", name)
    for client in (backends.tax, backends.exit_entry, backends.registration):
        client.applications(id_number, name)


def _post(sim, op_id: str, body) -> requests.Response:
    op = load_contract().operation(op_id)
    headers = {"Idempotency-Key": str(uuid.uuid4())} if op.submission else {}
    return requests.post(sim.base_url + op.path, json=body, headers=headers, timeout=10)


def test_integers_written_with_a_fraction_are_integers_not_a_crash(sim):
    from backend_sim.examples import CITIZEN, example
    year = date.today().year - 1
    reply = _post(sim, "tax.query_income_records", CITIZEN | {"year_from": float(year), "year_to": float(year)})
    assert reply.status_code == 200 and reply.json()["year_from"] == year
    claim = example("tax.claim_invoices") | {"quantity": 10.0}
    assert _post(sim, "tax.claim_invoices", claim).status_code == 202
    fraction = _post(sim, "tax.query_income_records", CITIZEN | {"year_from": year + 0.5, "year_to": year})
    assert fraction.status_code == 422


@pytest.mark.parametrize("body", [b'{"year_from": NaN}', b'{"year_from": Infinity}', b"[" * 50_000 + b"]" * 50_000])
def test_json_python_accepts_but_json_does_not_is_a_bad_request(sim, body):
    reply = requests.post(sim.base_url + "/tax/v1/income-records/query", data=body,
                          headers={"Content-Type": "application/json"}, timeout=10)
    assert reply.status_code == 400 and reply.json()["error"] == "bad_request"


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "GET"])
def test_an_undeclared_method_is_405_with_allow_and_the_error_body(sim, method):
    reply = requests.request(method, sim.base_url + "/tax/v1/income-records/query", timeout=10)
    assert reply.status_code == 405 and reply.headers["Allow"] == "POST"
    error = reply.json()
    contract = load_contract()
    assert error["error"] == "method_not_allowed"
    assert not contract.reply_problems(contract.operation("tax.query_income_records"), 400, error)  # the Error schema


def test_head_gets_405_without_a_body(sim):
    reply = requests.head(sim.base_url + "/hall/v1/queues", timeout=10)
    assert reply.status_code == 405 and reply.headers["Allow"] == "GET" and reply.content == b""


# -- the documents ------------------------------------------------------------------------------
_SCHEMA_KEYWORDS = {
    "$ref", "$defs", "$id", "$schema", "$comment", "title", "description", "type", "enum", "const", "default",
    "examples", "example", "format", "pattern", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum",
    "exclusiveMaximum", "multipleOf", "minItems", "maxItems", "uniqueItems", "items", "prefixItems", "contains",
    "properties", "patternProperties", "additionalProperties", "unevaluatedProperties", "required", "minProperties",
    "maxProperties", "dependentRequired", "dependentSchemas", "propertyNames", "allOf", "anyOf", "oneOf", "not",
    "if", "then", "else", "readOnly", "writeOnly", "deprecated", "discriminator", "xml", "externalDocs",
}
_SUBSCHEMA = ("items", "not", "if", "then", "else", "contains", "propertyNames", "additionalProperties",
              "unevaluatedProperties")
_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "dependentSchemas")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")


def _stray_keys(schema, where: str) -> list[str]:
    if not isinstance(schema, dict):
        return []
    found = [f"{where}: {key!r}" for key in schema if key not in _SCHEMA_KEYWORDS]
    for key in _SUBSCHEMA:
        found += _stray_keys(schema.get(key), f"{where}.{key}")
    for key in _SCHEMA_MAPS:
        for name, sub in (schema.get(key) or {}).items():
            found += _stray_keys(sub, f"{where}.{key}.{name}")
    for key in _SCHEMA_LISTS:
        for i, sub in enumerate(schema.get(key) or ()):
            found += _stray_keys(sub, f"{where}.{key}[{i}]")
    return found


def _schemas(node, where: str):
    """Every schema object in an OpenAPI document: components.schemas and each ``schema`` member."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "schema":
                yield f"{where}.schema", value
            elif key == "schemas" and where.endswith("components"):
                for name, schema in value.items():
                    yield f"{where}.schemas.{name}", schema
            else:
                yield from _schemas(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _schemas(item, f"{where}[{i}]")


@pytest.mark.parametrize("department", DEPARTMENTS)
def test_no_schema_has_unknown_or_stray_keys(department):
    doc = yaml.safe_load((API_DIR / f"{department}.yaml").read_text(encoding="utf-8"))
    stray = [problem for where, schema in _schemas(doc, department) for problem in _stray_keys(schema, where)]
    assert stray == []


@pytest.mark.parametrize("department", DEPARTMENTS)
def test_every_document_requires_the_kiosks_client_certificate(department):
    doc = yaml.safe_load((API_DIR / f"{department}.yaml").read_text(encoding="utf-8"))
    schemes = doc["components"]["securitySchemes"]
    assert [name for name, scheme in schemes.items() if scheme["type"] == "mutualTLS"] == ["kioskCertificate"]
    assert doc["security"] == [{"kioskCertificate": []}]
