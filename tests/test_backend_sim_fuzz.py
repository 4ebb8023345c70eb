"""Property-based contract testing of the reference backend with Schemathesis, all four documents.

For every operation, random requests valid against the schema (positive) and random requests that
break it (negative) go to the real server; each reply must be declared by the contract (status,
content type, headers, body schema), never a 5xx, and a broken request is never accepted.

Valid requests get their ID numbers repaired (a real birth date, the right check digit) so that
they reach the handlers' business logic instead of stopping at the checksum refusal.
Bounded: ``_EXAMPLES`` requests per operation and mode (about 70 s for the whole contract on 2 cores).
"""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance, negative_data_rejection, response_headers_conformance, response_schema_conformance,
    status_code_conformance,
)

from backend_sim import launch
from backend_sim.checks import id_check_digit
from kiosk.backends.contract import API_DIR
from tests.backend_support import DEPARTMENTS

_EXAMPLES = 20
_CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
           response_schema_conformance, negative_data_rejection]
_ID = re.compile(r"[0-9]{17}[0-9X]")


def _operations():
    for department in DEPARTMENTS:
        schema = schemathesis.openapi.from_path(str(API_DIR / f"{department}.yaml"))
        for result in schema.get_all_operations():
            operation = result.ok()
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                yield pytest.param(operation, mode, id=f"{operation.label}-{mode.name.lower()}")


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    with launch(tmp_path_factory.mktemp("sim"), seed=18) as handle:
        yield handle


def _repair_ids(value):
    """Give every well-formed ID number a real birth date and the right check digit."""
    if isinstance(value, dict):
        return {key: _repair_ids(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_repair_ids(item) for item in value]
    if isinstance(value, str) and _ID.fullmatch(value):
        born = date(1940, 1, 1) + timedelta(days=int(value[6:14]) % 24000)
        first17 = f"{value[:6]}{born:%Y%m%d}{value[14:17]}"
        return first17 + id_check_digit(first17)
    return value


def _repaired(case):
    case.body = _repair_ids(case.body)
    return case


@pytest.mark.parametrize("operation, mode", list(_operations()))
def test_the_reference_backend_keeps_the_contract_for_random_requests(sim, operation, mode):
    strategy = operation.as_strategy(generation_mode=mode)
    if mode is GenerationMode.POSITIVE:
        strategy = strategy.map(_repaired)

    @given(strategy)
    @settings(max_examples=_EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    def check(case):
        case.call_and_validate(base_url=sim.base_url, checks=_CHECKS, timeout=10)

    try:
        check()
    except Unsatisfiable:  # nothing to break: the operation takes no input (e.g. GET /hall/v1/queues)
        assert mode is GenerationMode.NEGATIVE and not operation.body and not list(operation.iter_parameters())
