"""The reference backend behaves like a department: idempotent, faulty on demand, believable."""
from __future__ import annotations

import socket
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from backend_sim import data, launch
from backend_sim.checks import uscc_valid
from backend_sim.examples import CITIZEN, OTHER, example, make_id
from kiosk.backends import Backends, Rejected, new_idempotency_key
from tests.backend_support import signed, transports, wait_for


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    with launch(tmp_path_factory.mktemp("sim")) as handle:
        yield handle


@pytest.fixture(scope="module")
def backends(sim):
    b = Backends(transports(sim.base_url))
    yield b
    b.close()


def post(base_url: str, path: str, body: dict, key: str | None = None) -> requests.Response:
    return requests.post(base_url + path, json=body, headers={"Idempotency-Key": key} if key else {}, timeout=10)


def ledger_entry(sim, key: str) -> dict:
    return next(s for s in sim.submissions()["submissions"] if s["idempotency_key"] == key)


def test_a_repeated_key_gets_the_original_reply_and_is_counted_but_does_nothing_new(sim):
    key, body = str(uuid.uuid4()), example("registration.register_residence")
    effects_before = sim.submissions()["effects"]["applications"]
    first = post(sim.base_url, "/registration/v1/residence-registrations", body, key)
    again = post(sim.base_url, "/registration/v1/residence-registrations", body, key)
    assert first.status_code == again.status_code == 202
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert ledger_entry(sim, key)["received"] == 2
    assert sim.submissions()["effects"]["applications"] == effects_before + 1


def test_a_key_reused_for_another_request_is_refused(sim):
    key = str(uuid.uuid4())
    post(sim.base_url, "/hall/v1/ratings", example("hall.submit_rating"), key)
    other = post(sim.base_url, "/hall/v1/ratings", example("hall.submit_rating") | {"rating": "satisfied"}, key)
    assert other.status_code == 422 and other.json()["error"] == "idempotency_mismatch"


def test_injected_failures_do_nothing_and_dropped_replies_are_committed(tmp_path):
    key, body = str(uuid.uuid4()), example("hall.submit_rating")
    with launch(tmp_path, fail_rate=1.0) as failing:
        assert post(failing.base_url, "/hall/v1/ratings", body, key).status_code == 503
        assert failing.submissions() == {"submissions": [], "effects": dict.fromkeys(
            ("applications", "appointments", "cancellations", "documents", "invoice_collections", "tickets",
             "ratings", "payment_orders", "refunds"), 0)}
    with launch(tmp_path, drop_reply_rate=1.0) as dropping:
        with pytest.raises(requests.ConnectionError):
            post(dropping.base_url, "/hall/v1/ratings", body, key)
        assert ledger_entry(dropping, key)["received"] == 1
    with launch(tmp_path) as healthy:  # same database: the retry finds the committed answer
        retry = post(healthy.base_url, "/hall/v1/ratings", body, key)
        assert retry.status_code == 201 and retry.headers["Idempotent-Replayed"] == "true"
        assert ledger_entry(healthy, key)["received"] == 2
        assert healthy.submissions()["effects"]["ratings"] == 1


def test_applications_move_from_received_to_accepted_to_done(tmp_path):
    with launch(tmp_path, accept_after_s=0.2, done_after_s=0.4) as sim:
        b = Backends(transports(sim.base_url))
        receipt = b.submit("registration.register_sole_proprietor",
                           signed(b, sim, example("registration.register_sole_proprietor")), new_idempotency_key())
        assert receipt["status"] == "received"

        def done():
            [app] = b.registration.applications(CITIZEN["id_number"], CITIZEN["name"], receipt["application_no"])
            return app if app.status == "done" else None

        app = wait_for(done, timeout_s=10)
        assert [status for status, _ in app.history] == ["received", "accepted", "done"]
        assert app.result_ref.startswith("92") and uscc_valid(app.result_ref)
        b.close()


def test_slots_fill_up(backends):
    day = date.today() + timedelta(days=2)
    slots = backends.exit_entry.slots("passport", day, day + timedelta(days=3))
    slot = next(s for s in slots if s.remaining >= 1)
    for n in range(slot.remaining):
        citizen = {"id_number": make_id(f"44010619700101{n:03d}"), "name": "测试"}
        backends.exit_entry.book(citizen["id_number"], citizen["name"], "13912345678", "passport", slot.slot_id)
    with pytest.raises(Rejected) as refused:
        backends.exit_entry.book(OTHER["id_number"], OTHER["name"], "13912345678", "passport", slot.slot_id)
    assert (refused.value.status, refused.value.code) == (409, "conflict")
    again = {s.slot_id: s for s in backends.exit_entry.slots("passport", day, day + timedelta(days=3))}
    assert again[slot.slot_id].remaining == 0


def test_income_records_are_the_same_every_time_and_add_up(backends):
    first = backends.tax.income_records(CITIZEN["id_number"], CITIZEN["name"], 2021, 2022)
    assert first == backends.tax.income_records(CITIZEN["id_number"], CITIZEN["name"], 2021, 2022)
    assert (len(first.records), first.total_income, first.total_tax_withheld) == (29, Decimal("250520.50"),
                                                                                   Decimal("13421.93"))
    assert first.total_income == sum(r.income for r in first.records)
    assert {r.income_item for r in first.records} <= {"wages", "labour_remuneration", "annual_bonus"}
    assert all(uscc_valid(r.payer_tax_id) for r in first.records)


@pytest.mark.parametrize("service, change, field, code", [
    ("registration.register_residence", {"id_number": "440106199003072315"}, "id_number", "checksum"),
    ("registration.register_residence", {"move_in_date": (date.today() + timedelta(days=3)).isoformat()},
     "move_in_date", "in_future"),
    ("registration.file_rental", {"end_date": "2025-01-01"}, "end_date", "before_start"),
    ("exit_entry.apply_endorsement", {"permit_number": "C00000000"}, "permit_number", "mismatch"),
    ("exit_entry.apply_endorsement", {}, "offer_id", "not_found"),
    ("tax.claim_invoices", {"taxpayer_id": "91350100M000100Y43"}, "taxpayer_id", "not_sole_proprietor"),
    ("tax.claim_invoices", {"quantity": 30}, "quantity", "over_limit"),
    ("tax.claim_invoices", {"delivery": "post", "postal_address": None}, "postal_address", "invalid_type"),
    ("hall.submit_rating", {"reasons": [], "comment": " "}, "reasons", "required"),
])
def test_business_checks_name_the_field(backends, service, change, field, code):
    body = {k: v for k, v in (example(service) | change).items()}
    with pytest.raises(Rejected) as refused:
        backends.submit(service, body, new_idempotency_key())
    assert [(f.field, f.code) for f in refused.value.fields] == [(field, code)]


def test_someone_without_a_profile_gets_not_found(backends):
    newcomer = next(make_id(f"44010619850101{i:03d}") for i in range(1000)
                    if not data.has_profile(make_id(f"44010619850101{i:03d}")))
    with pytest.raises(Rejected) as refused:
        backends.hall.profile(newcomer, "新来者")
    assert (refused.value.status, refused.value.code) == (404, "not_found")
    assert refused.value.msgid == "No record was found for you."


def test_a_request_cut_off_mid_body_is_not_processed(sim):
    """A sender killed while sending must not leave a half request on record under its key."""
    key, body = str(uuid.uuid4()), example("hall.submit_rating")
    url = urlsplit(sim.base_url)
    with socket.create_connection((url.hostname, url.port), timeout=10) as s:
        s.sendall(f"POST /hall/v1/ratings HTTP/1.1\r\nHost: {url.netloc}\r\nContent-Type: application/json\r\n"
                  f"Idempotency-Key: {key}\r\nContent-Length: 300\r\n\r\n{{\"service_id\": ".encode())
        s.shutdown(socket.SHUT_WR)
        assert s.recv(1000) == b""  # the server hung up without answering: the handler is done
    full = post(sim.base_url, "/hall/v1/ratings", body, key)
    assert full.status_code == 201 and "Idempotent-Replayed" not in full.headers
    assert ledger_entry(sim, key)["received"] == 1


@pytest.mark.parametrize("launcher", ["backend_sim.launch:launch", "backend_sim.console:launch_console"])
def test_a_server_whose_launcher_is_killed_stops_by_itself(tmp_path, launcher):
    """A test killed at its timeout, or a kiosk killed by its watchdog, used to leave its servers running."""
    import subprocess
    import sys

    import psutil

    module, function = launcher.split(":")
    code = (f"import sys, threading; from {module} import {function}; handle = {function}(sys.argv[1]); "
            "print(handle.process.pid, flush=True); threading.Event().wait()")
    parent = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE, text=True,
                              cwd=Path(__file__).resolve().parents[1])
    try:
        server = psutil.Process(int(parent.stdout.readline()))
        assert server.is_running() and server.status() != psutil.STATUS_ZOMBIE
    finally:
        parent.kill()  # no goodbye: SIGKILL
        parent.wait()
    wait_for(lambda: not server.is_running() or server.status() == psutil.STATUS_ZOMBIE, 15)


def test_requests_leave_no_open_database_file_behind(tmp_path):
    """The server answers each request on a thread of its own. With one SQLite connection per
    thread, each request left the database open once more (SQLite cannot close a descriptor while
    another connection of the process holds a lock), so a demo kiosk left running on the reference
    backend would end at the open-files limit."""
    with launch(tmp_path) as handle:
        database = str(Path(handle.data_dir) / "backend.db")

        def open_database() -> int:
            count = 0
            for fd in Path(f"/proc/{handle.process.pid}/fd").iterdir():
                try:
                    count += str(fd.readlink()) == database
                except OSError:  # closed meanwhile
                    pass
            return count

        for _ in range(30):
            handle.submissions()
        assert open_database() <= 2
