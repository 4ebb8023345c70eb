"""Servers that misbehave on purpose: the transport's one set of rules (no redirects, an overall
deadline, a size cap after decoding, a bound on nesting) holds for every operation."""
from __future__ import annotations

import json
import threading
import time
import tracemalloc
import zlib

import pytest

from backend_sim.examples import CITIZEN, example
from kiosk.backends import BadReply, Endpoint, Timeout, Transport, new_idempotency_key
from kiosk.backends.clients import TaxClient
from tests.backend_support import CannedServer, RawServer, http_reply

ID, NAME = CITIZEN["id_number"], CITIZEN["name"]
VALID = json.dumps({"year_from": 2022, "year_to": 2022, "totals": {"income": "0.00", "tax_withheld": "0.00"},
                    "records": []}).encode()


@pytest.fixture
def servers():
    made = []

    def make(server):
        made.append(server)
        return server

    yield make
    for server in made:
        server.close()


def tax_over(base_url: str, **options) -> TaxClient:
    return TaxClient(Transport(Endpoint("tax", base_url, query_attempts=1, **options)))


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_a_bad_reply_and_nothing_is_sent_to_where_it_points(servers, status):
    elsewhere = servers(CannedServer(200, VALID))
    redirecting = servers(RawServer(lambda conn: conn.sendall(http_reply(
        status, b"", f"Location: {elsewhere.base_url}/tax/v1/income-records"))))
    with pytest.raises(BadReply) as failed:
        tax_over(redirecting.base_url).income_records(ID, NAME, 2022, 2022)
    assert failed.value.status == status
    transport = Transport(Endpoint("hall", redirecting.base_url))
    with pytest.raises(BadReply):  # the outbox's submission path too
        transport.call("hall.submit_rating", example("hall.submit_rating"), idempotency_key=new_idempotency_key())
    assert redirecting.requests == 2 and elsewhere.requests == 0


def _drip(server: RawServer, head: bytes, tail: bytes):
    def reply(conn):
        conn.sendall(head)
        for byte in tail:
            if server.stop.wait(0.1):
                return
            conn.sendall(bytes([byte]))
    return reply


@pytest.mark.parametrize("phase", ["headers", "body"])
def test_a_server_dripping_its_reply_is_cut_off_at_the_overall_deadline(servers, phase):
    server = servers(RawServer(lambda conn: None))
    whole = http_reply(200, VALID + b" " * 200, "Content-Type: application/json")
    split = 10 if phase == "headers" else whole.index(b"\r\n\r\n") + 4
    server._reply = _drip(server, whole[:split], whole[split:])  # every byte arrives well within read_timeout_s
    started = time.monotonic()
    with pytest.raises(Timeout) as failed:
        tax_over(server.base_url, connect_timeout_s=0.5, read_timeout_s=1.0).income_records(ID, NAME, 2022, 2022)
    assert failed.value.phase == "reply" and time.monotonic() - started < 4.0
    assert failed.value.msgid == "The tax service is not answering. Please try again later."


def test_a_valid_reply_within_the_deadline_is_accepted(servers):
    server = servers(RawServer(lambda conn: conn.sendall(http_reply(200, VALID, "Content-Type: application/json"))))
    assert tax_over(server.base_url).income_records(ID, NAME, 2022, 2022).year_from == 2022


def test_a_huge_reply_is_refused_without_reading_all_of_it(servers):
    big = b" " * (8 * 1024 * 1024) + VALID  # valid JSON, and the contract's shape, after 8 MB of blanks
    server = servers(RawServer(lambda conn: conn.sendall(http_reply(200, big, "Content-Type: application/json"))))
    with pytest.raises(BadReply) as failed:
        tax_over(server.base_url).income_records(ID, NAME, 2022, 2022)
    assert "larger than" in str(failed.value)


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_a_compression_bomb_is_refused_before_it_inflates(servers, encoding):
    packer = zlib.compressobj(9, zlib.DEFLATED, 31 if encoding == "gzip" else 15)
    bomb = packer.compress(b" " * (64 * 1024 * 1024)) + packer.compress(VALID) + packer.flush()
    assert len(bomb) < 200_000
    server = servers(RawServer(lambda conn: conn.sendall(http_reply(
        200, bomb, "Content-Type: application/json", f"Content-Encoding: {encoding}"))))
    tracemalloc.start()
    try:
        with pytest.raises(BadReply):
            tax_over(server.base_url).income_records(ID, NAME, 2022, 2022)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 1024 * 1024


def test_a_small_compressed_reply_is_decoded(servers):
    packed = zlib.compress(VALID, wbits=31)
    server = servers(RawServer(lambda conn: conn.sendall(http_reply(
        200, packed, "Content-Type: application/json", "Content-Encoding: gzip"))))
    assert tax_over(server.base_url).income_records(ID, NAME, 2022, 2022).year_to == 2022


@pytest.mark.parametrize("depth", [900, 100_000])
def test_deeply_nested_json_is_a_bad_reply_not_a_recursion_error(servers, depth):
    nested = b"[" * depth + b"]" * depth
    server = servers(CannedServer(200, nested))
    with pytest.raises(BadReply):
        tax_over(server.base_url).income_records(ID, NAME, 2022, 2022)
    # and as the body of a refusal, where the error body is checked too
    refusal = servers(CannedServer(422, b'{"error": "validation", "fields": ' + nested + b"}"))
    with pytest.raises(BadReply):
        tax_over(refusal.base_url).income_records(ID, NAME, 2022, 2022)


def test_the_deadline_watch_ends_with_the_call(servers):
    server = servers(RawServer(lambda conn: conn.sendall(http_reply(200, VALID, "Content-Type: application/json"))))
    before = threading.active_count()
    client = tax_over(server.base_url, read_timeout_s=30)
    for _ in range(5):
        client.income_records(ID, NAME, 2022, 2022)
    assert threading.active_count() <= before + 2  # no timer thread left per call (server threads may linger)
