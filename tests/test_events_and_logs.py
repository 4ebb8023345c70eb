"""The shared event channel and the redacting logger."""
import logging

import pytest

from common.device_status import Action, DeviceState, DeviceStatus
from common.events import Event, EventBus
from kiosk.logs import RedactingFormatter, redact


def test_status_is_published_only_when_it_changes():
    bus, seen = EventBus(), []
    bus.subscribe(seen.append, kinds={"status"})
    ok = DeviceStatus("printer", DeviceState.ONLINE)
    bus.publish_status(ok)
    bus.publish_status(DeviceStatus("printer", DeviceState.ONLINE))
    out = DeviceStatus("printer", DeviceState.USER_ERROR, "paper_out", Action.REPLENISH, {"paper": "out"})
    bus.publish_status(out)
    assert [e.payload for e in seen] == [ok, out]
    assert bus.last_status("printer") == out and not out.ready


def test_a_failing_subscriber_does_not_stop_the_others():
    bus, seen = EventBus(), []
    bus.subscribe(lambda e: 1 / 0)
    bus.subscribe(seen.append)
    bus.publish(Event("idcard", "card_placed", {"name": "张三"}))
    assert len(seen) == 1


def test_event_repr_hides_the_payload():
    event = Event("idcard", "card_placed", {"name": "张三", "id_number": "11010519491231002X"})
    assert "张三" not in repr(event) and "1101" not in str(event)


def test_redaction_removes_ids_phones_bytes_and_cjk():
    line = "card 11010519491231002X name 张三 phone 13800138000 raw b'\\xaa\\x96' permit C12345678"
    cleaned = redact(line)
    for secret in ("11010519491231002X", "张三", "13800138000", "\\xaa", "C12345678"):
        assert secret not in cleaned


def test_tracebacks_are_redacted_too():
    formatter = RedactingFormatter("%(message)s")
    try:
        raise ValueError("bad name 李四 in 34052419800101001X")
    except ValueError:
        import sys
        record = logging.LogRecord("t", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    text = formatter.format(record)
    assert "ValueError" in text and "李四" not in text and "34052419800101001X" not in text


@pytest.mark.parametrize("written", [
    "+8613912345678", "+86 139 1234 5678", "+86-139-1234-5678", "0086 13912345678", "139 1234 5678",
    "139-1234-5678", "440106 19900307 2318", "440106-19900307-2318", "4401 0619 9003 0723 18",
    "11010519491231002X", "110105 19491231 002X", "110105 491231 002",
])
def test_redaction_catches_numbers_written_with_a_country_code_spaces_or_dashes(written):
    cleaned = redact(f"value was {written}.")
    assert not any(ch.isdigit() for ch in cleaned), cleaned


def test_redaction_leaves_timestamps_and_counts_alone():
    line = "2026-11-29 17:04:03,123 INFO outbox: 5000 items, 12 sent in 0.25 s, HTTP 503"
    assert redact(line) == line
