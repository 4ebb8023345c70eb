"""No card field may reach a log line: plant every fixture card, capture all logging at DEBUG
(before any redaction), and look for every field value."""
import logging
import re

from drivers.idcard.sim import SimulatedReader
from drivers.idcard.simcards import fixture_names
from drivers.idcard.supervisor import ReaderSupervisor
from drivers.idcard.wlt import DemoWltDecoder
from common.device_status import DeviceState
from common.events import EventBus
from tests.idcard_support import EventRecorder, fixture, iso, write_demo_image

CJK = re.compile(r"[\u3400-\u9fff\U00020000-\U0003ffff]")


def secrets() -> set[str]:
    """Every field value of every fixture that is long enough to be recognisable."""
    values = set()
    for name in fixture_names():
        spec = fixture(name)
        for key, value in spec["fields"].items():
            values.add(value)
            if key in ("birth_date", "valid_from", "valid_to"):
                values.add(iso(value))
        values.add(spec.get("new_address", ""))
    return {v for v in values if len(v) >= 4}


def test_no_card_field_in_any_log_record(caplog, tmp_path):
    caplog.set_level(logging.DEBUG)
    write_demo_image(tmp_path)
    sim = SimulatedReader(realistic_delays=False)
    sim.start()
    bus = EventBus()
    events = EventRecorder(bus)
    bus.subscribe(lambda e: 1 / 0, kinds={"card_placed"})  # a failing subscriber logs a traceback
    supervisor = ReaderSupervisor(sim.port, 0, 0.05, bus, DemoWltDecoder(tmp_path),
                                  backoff_initial_s=0.05, backoff_max_s=0.1)
    supervisor.start()
    try:
        events.status(DeviceState.ONLINE)
        for name in fixture_names():
            sim.place(name)
            events.next("card_unreadable" if name == "resident_bad_check" else "card_placed")
            sim.remove()
            events.next("card_removed")
        sim.fault("checksum", count=1, command="read")  # a retried read
        sim.place("resident")
        events.next("card_placed")
        sim.unplug()  # connection lost mid-placement
        events.status(DeviceState.NO_DEVICE)
        sim.replug()
        events.status(DeviceState.ONLINE)
    finally:
        assert supervisor.stop()
        sim.stop()

    records = caplog.records
    assert any("reader connected" in r.getMessage() for r in records)  # the capture did see the driver
    assert any(r.exc_text or r.exc_info for r in records)              # and a traceback
    handler_text = caplog.text  # formatted lines, tracebacks included
    texts = [r.getMessage() for r in records] + [handler_text]
    for secret in secrets():
        leaks = [t for t in texts if secret in t]
        assert not leaks, f"a card field reached the log: {leaks[0][:200]!r}"
    assert not any(CJK.search(t) for t in texts)
