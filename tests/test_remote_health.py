"""Health and metrics: the Prometheus exposition (no personal data, atomically written, served on
127.0.0.1) and the heartbeat to the hall service of the reference backend."""
import json
import sqlite3
import urllib.request
from datetime import datetime, timezone

import pytest

from backend_sim import launch
from backend_sim.examples import CITIZEN, example
from common.device_status import DeviceState, DeviceStatus
from kiosk.backends import Backends
from kiosk.heartbeat import Heartbeat, heartbeat_body
from kiosk.metrics import KioskMetrics, MetricsExporter
from kiosk.outbox.outbox import Outbox
from tests.backend_support import transports

STATUSES = {"printer": DeviceStatus("printer", DeviceState.USER_ERROR, "paper_out", conditions={"paper": "out"}),
            "idcard": DeviceStatus("idcard", DeviceState.ONLINE)}


def parse(text: str) -> dict[str, float]:
    """``{'name{labels}': value}`` of an exposition; fails on a malformed line."""
    samples = {}
    for line in text.splitlines():
        if line.startswith("#"):
            assert line.split()[1] in ("HELP", "TYPE"), line
            continue
        key, value = line.rsplit(" ", 1)
        samples[key] = float(value)
    return samples


@pytest.fixture
def outbox(tmp_path):
    box = Outbox(tmp_path / "outbox.db", tmp_path / "outbox.key", "T-0001")
    yield box
    box.close()


def test_metrics_show_devices_outbox_and_sessions_and_no_personal_data(outbox):
    outbox.enqueue("registration.register_residence", example("registration.register_residence"))
    metrics = KioskMetrics("T-0001", statuses=lambda: STATUSES, outbox=outbox)
    metrics.session_ended("finished")
    text = metrics.text()
    samples = parse(text)
    assert samples['kiosk_device_ready{device="printer"}'] == 0
    assert samples['kiosk_device_state{device="printer",reason="paper_out",state="user_error"}'] == 1
    assert samples['kiosk_device_condition{condition="paper",device="printer",value="out"}'] == 1
    assert samples["kiosk_outbox_pending"] == 1
    assert samples['kiosk_sessions_total{reason="finished"}'] == 1
    for personal in (CITIZEN["id_number"], CITIZEN["name"], "13912345678"):
        assert personal not in text


def test_ratings_are_counted_by_service_and_grade_from_the_runner_without_who_rated(outbox):
    import threading
    from types import SimpleNamespace

    from common.events import EventBus
    from kiosk.journeys.effects import Enqueue
    from kiosk.journeys.runner import EffectRunner

    bus = EventBus()
    metrics = KioskMetrics("T-0001", statuses=lambda: STATUSES, outbox=outbox, bus=bus)
    runner = EffectRunner(SimpleNamespace(outbox=outbox, bus=bus), None, None, lambda fn, *a: fn(*a), None)
    stored = threading.Semaphore(0)
    bus.subscribe(lambda _e: stored.release(), {"rating_stored"})
    ratings = [("tax_records", "very_satisfied", None), ("tax_records", "very_satisfied", None),
               ("tax_records", "dissatisfied", "slow"), ("exit_entry_appointment", "satisfied", None)]
    for service, grade, reason in ratings:
        body = {"service_id": service, "receipt_no": "R202406150001", "terminal_id": "T-0001", "rating": grade}
        runner.run(0, Enqueue("hall.submit_rating", {**body, **({"reasons": [reason]} if reason else {})}))
        assert stored.acquire(timeout=10)
    text = metrics.text()
    samples = parse(text)
    assert samples['kiosk_ratings_total{grade="very_satisfied",service="tax_records"}'] == 2
    assert samples['kiosk_ratings_total{grade="dissatisfied",service="tax_records"}'] == 1
    assert samples['kiosk_ratings_total{grade="very_dissatisfied",service="tax_records"}'] == 0  # zeros shown
    assert samples['kiosk_ratings_total{grade="satisfied",service="exit_entry_appointment"}'] == 1
    assert len([k for k in samples if k.startswith("kiosk_ratings_total")]) == 2 * 5  # services x five grades
    assert "# TYPE kiosk_ratings_total counter" in text
    for personal in ("R202406150001", "slow", CITIZEN["id_number"], CITIZEN["name"]):
        assert personal not in text


def test_the_textfile_is_replaced_whole_and_the_endpoint_serves_the_same(tmp_path, outbox):
    metrics = KioskMetrics("T-0001", statuses=lambda: STATUSES, outbox=outbox)
    exporter = MetricsExporter(metrics, tmp_path / "prom" / "kiosk.prom", 0, 15)
    exporter.write_once()
    assert parse((tmp_path / "prom" / "kiosk.prom").read_text())["kiosk_outbox_pending"] == 0
    assert [p.name for p in (tmp_path / "prom").iterdir()] == ["kiosk.prom"]

    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    served = MetricsExporter(metrics, None, port, 15)
    served.start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as reply:
            assert reply.headers["Content-Type"].startswith("text/plain; version=0.0.4")
            assert parse(reply.read().decode())['kiosk_up{terminal="T-0001"}'] == 1
    finally:
        served.stop()


def test_the_heartbeat_reaches_the_hall_and_can_ask_for_an_update_check(tmp_path):
    with launch(tmp_path / "sim") as sim:
        backends = Backends(transports(sim.base_url))
        asked = []
        beat = Heartbeat(backends.hall.heartbeat,
                         lambda: heartbeat_body("T-0001", 3.0, STATUSES, None, {"settings": 2}, "rejected:expired",
                                                datetime.now(timezone.utc)),
                         lambda: asked.append(1), 60)
        beat.beat()
        db = sqlite3.connect(sim.data_dir / "backend.db")
        body = json.loads(db.execute("SELECT body FROM heartbeats WHERE terminal_id = 'T-0001'").fetchone()[0])
        assert body["devices"] == {"idcard": "online", "printer": "user_error"}
        assert body["config_versions"] == {"settings": 2} and body["last_update_result"] == "rejected:expired"
        assert asked == []
        db.execute("INSERT INTO counters VALUES ('poll_now:T-0001', 1)")
        db.commit()
        beat.beat()
        assert asked == [1] and beat.sent == 2
        backends.close()


def test_a_heartbeat_the_hall_cannot_take_is_not_an_error(tmp_path):
    backends = Backends(transports("http://127.0.0.1:9"))  # nothing listens there
    beat = Heartbeat(backends.hall.heartbeat, lambda: heartbeat_body("T-0001", 1.0, {}, None, {}, "",
                                                                     datetime.now(timezone.utc)), lambda: None, 60)
    beat.beat()
    assert beat.sent == 0
    backends.close()


def test_times_keep_their_precision():
    from kiosk.metrics import render
    text = render([("kiosk_remote_last_check_ok_timestamp_seconds", {}, 1764440000.25),
                   ("kiosk_outbox_pending", {}, 3)])
    assert parse(text) == {"kiosk_remote_last_check_ok_timestamp_seconds": 1764440000.25, "kiosk_outbox_pending": 3}
