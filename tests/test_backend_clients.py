"""The clients' error boundary: every way a call can fail becomes one of a few errors with a message a
citizen understands, and nothing personal ends up in an exception."""
from __future__ import annotations

import socket

import pytest

from backend_sim import launch
from backend_sim.examples import CITIZEN, example
from backend_sim.tls import ensure_test_pki
from kiosk.backends import (
    Backends, BadReply, Endpoint, Rejected, ServerError, Timeout, TlsError, Transport, Unreachable, new_idempotency_key,
)
from kiosk.backends.clients import HallClient, TaxClient
from kiosk.backends.transport import EndpointConfigError
from kiosk.config import BackendSection, ConfigError, Settings
from tests.backend_support import CannedServer

ID, NAME = CITIZEN["id_number"], CITIZEN["name"]


class FakeSleep:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def canned():
    servers = []

    def make(*args, **kwargs) -> CannedServer:
        servers.append(CannedServer(*args, **kwargs))
        return servers[-1]

    yield make
    for server in servers:
        server.close()


def tax_over(base_url: str, sleep: FakeSleep | None = None, **options) -> TaxClient:
    return TaxClient(Transport(Endpoint("tax", base_url, **options), sleep=sleep or FakeSleep()))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_server_error_is_transient_and_says_try_later(canned):
    server = canned(500, {"error": "internal", "message": "boom"})
    with pytest.raises(ServerError) as failed:
        tax_over(server.base_url).income_records(ID, NAME, 2022, 2023)
    assert failed.value.status == 500 and failed.value.transient
    assert failed.value.msgid == "The tax service is not answering. Please try again later."


def test_a_query_is_retried_with_jittered_backoff_but_a_submission_never(canned):
    server, sleep = canned(503, {"error": "unavailable", "message": "down"}), FakeSleep()
    with pytest.raises(ServerError):
        tax_over(server.base_url, sleep, query_attempts=3).income_records(ID, NAME, 2022, 2023)
    assert server.requests == 3
    assert len(sleep.calls) == 2 and 0 <= sleep.calls[0] <= 0.25 and 0 <= sleep.calls[1] <= 0.5
    server.requests = 0
    with pytest.raises(ServerError):
        tax_over(server.base_url, sleep, query_attempts=3).payment_certificate(ID, NAME, ["320180300000000001"])
    assert server.requests == 1


def test_connection_refused_is_unreachable_and_retried_for_queries():
    sleep = FakeSleep()
    with pytest.raises(Unreachable) as failed:
        tax_over(f"http://127.0.0.1:{free_port()}", sleep, query_attempts=2).income_records(ID, NAME, 2022, 2023)
    assert type(failed.value) is Unreachable and len(sleep.calls) == 1


def test_a_slow_reply_is_a_read_timeout_and_not_retried(tmp_path):
    sleep = FakeSleep()
    with launch(tmp_path, latency_ms=800) as slow:
        with pytest.raises(Timeout) as failed:
            tax_over(slow.base_url, sleep, read_timeout_s=0.2, query_attempts=3).income_records(ID, NAME, 2022, 2023)
    assert failed.value.phase == "read" and sleep.calls == []
    assert failed.value.msgid == "The tax service is not answering. Please try again later."


@pytest.mark.parametrize("status, body, content_type", [
    (200, b"<html>maintenance</html>", "text/html"),                  # not JSON
    (200, {"year_from": 2022, "records": "none"}, "application/json"),  # JSON, but not the contract's
    (403, b"<html>forbidden by gateway</html>", "text/html"),         # a gateway's page, not a refusal
    (201, {"year_from": 2022}, "application/json"),                    # a status the contract does not allow
])
def test_a_reply_that_breaks_the_contract_is_a_bad_reply_not_a_crash(canned, status, body, content_type):
    server = canned(status, body, content_type)
    with pytest.raises(BadReply) as failed:
        tax_over(server.base_url).income_records(ID, NAME, 2022, 2023)
    assert failed.value.transient


def test_a_bad_reply_never_quotes_the_values_it_carried(canned):
    reply = {"year_from": 2022, "year_to": 2022, "totals": {"income": "1.00", "tax_withheld": "0.00"},
             "records": [{"year": 2022, "month": 1, "income_item": "wages", "income_item_name": "工资薪金",
                          "payer_name": NAME, "payer_tax_id": ID, "income": 12.5, "tax_withheld": "0.00"}]}
    with pytest.raises(BadReply) as failed:
        tax_over(canned(200, reply).base_url).income_records(ID, NAME, 2022, 2022)
    text = str(failed.value) + repr(failed.value)
    assert "income" in text and NAME not in text and ID not in text and "12.5" not in text


def test_a_refusal_maps_fields_back_to_the_form_without_personal_data(canned):
    refusal = {"error": "validation", "message": "validation failed",
               "fields": [{"field": "year_to", "code": "out_of_range", "message": "year_to: out of range"},
                          {"field": "id_number", "code": "checksum"}]}
    with pytest.raises(Rejected) as refused:
        tax_over(canned(422, refusal).base_url).income_records(ID, NAME, 2022, 2030)
    error = refused.value
    assert not error.transient and error.msgid == "Please check the marked entries."
    assert {f.field: f.msgid for f in error.fields} == {
        "year_to": "This value is outside the allowed range.",
        "id_number": "This number is not valid. Please check it.",
    }
    assert ID not in str(error) and NAME not in str(error)


def test_tls_against_the_private_test_ca_with_a_client_certificate(tmp_path):
    with launch(tmp_path, tls=True, require_client_cert=True) as sim:
        assert sim.base_url.startswith("https://")
        good = Endpoint("hall", sim.base_url, ca_file=sim.ca_file, client_cert=sim.client_cert,
                        client_key=sim.client_key)
        assert HallClient(Transport(good)).profile(ID, NAME).household[0] == ("head", NAME)

        other_ca = ensure_test_pki(tmp_path / "other") / "ca.pem"
        wrong_ca = Endpoint("hall", sim.base_url, ca_file=str(other_ca), client_cert=sim.client_cert,
                            client_key=sim.client_key)
        with pytest.raises(TlsError):
            HallClient(Transport(wrong_ca)).profile(ID, NAME)

        no_client_cert = Endpoint("hall", sim.base_url, ca_file=sim.ca_file, query_attempts=1)
        with pytest.raises(Unreachable):  # refused during or right after the handshake
            HallClient(Transport(no_client_cert)).profile(ID, NAME)


def test_missing_tls_files_are_configuration_errors(tmp_path):
    with pytest.raises(EndpointConfigError, match="ca_file"):
        Transport(Endpoint("tax", "https://127.0.0.1:1", ca_file=str(tmp_path / "nope.pem")))
    settings = Settings(backend=BackendSection(base_url="https://127.0.0.1:1", client_cert=str(tmp_path / "c.pem")))
    with pytest.raises(ConfigError, match="client_cert"):
        Backends.from_settings(settings)


def test_sim_url_starts_the_reference_backend_and_a_department_can_go_elsewhere(tmp_path, canned):
    gateway = canned(200, {"queues": []})
    settings = Settings(backend=BackendSection(base_url="sim", hall_url=gateway.base_url,
                                               sim_data_dir=str(tmp_path / "sim")))
    backends = Backends.from_settings(settings)
    try:
        assert backends.sim is not None and backends.sim.process.poll() is None
        assert backends.tax.income_records(ID, NAME, 2022, 2022).records
        assert backends.hall.queues() == () and gateway.requests == 1
        with pytest.raises(BadReply):  # the canned gateway answers a rating with a queue list
            backends.submit("hall.submit_rating", example("hall.submit_rating"), new_idempotency_key())
        assert backends.up() == {"tax": True, "hall": False}
    finally:
        backends.close()
    assert backends.sim.process.poll() is not None
