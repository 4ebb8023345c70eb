"""Status replies (DLE EOT 1/2/3/4, GS r 1) mapped into the shared device-status vocabulary."""
import pytest

from common.device_status import Action, DeviceState

from drivers.printer.status import completion_paper, interpret, is_completion_reply, is_status_reply

OK = 0x12  # every DLE EOT reply has bits 1 and 4 set


def test_all_well_is_online_with_paper():
    status = interpret(OK, OK)
    assert (status.state, status.action, dict(status.conditions)) == (DeviceState.ONLINE, Action.NONE, {"paper": "ok"})
    assert status.ready


def test_near_end_is_still_online_but_asks_for_paper():
    status = interpret(OK, OK | 0x0C)
    assert status.state is DeviceState.ONLINE and status.ready
    assert status.conditions["paper"] == "near_end"
    assert status.action is Action.REPLENISH


def test_paper_out_is_a_user_error_to_replenish():
    status = interpret(OK | 0x08, OK | 0x6C, offline_cause=OK | 0x20, error=OK)
    assert (status.state, status.reason, status.action) == (DeviceState.USER_ERROR, "paper_out", Action.REPLENISH)
    assert status.conditions == {"paper": "out", "cover": "closed"}
    assert not status.ready


def test_cover_open_is_a_user_error_to_clear():
    status = interpret(OK | 0x08, OK, offline_cause=OK | 0x04, error=OK)
    assert (status.state, status.reason, status.action) == (DeviceState.USER_ERROR, "cover_open", Action.CLEAR)
    assert status.conditions["cover"] == "open"


@pytest.mark.parametrize("error, state, reason, action", [
    (OK | 0x08, DeviceState.USER_ERROR, "cutter_error", Action.CLEAR),
    (OK | 0x20, DeviceState.HARDWARE_ERROR, "unrecoverable_error", Action.MAINTENANCE),
    (OK | 0x40, DeviceState.OFFLINE, "head_overheated", Action.WAIT),
    (OK, DeviceState.OFFLINE, "offline", Action.RESET),
])
def test_offline_causes(error, state, reason, action):
    status = interpret(OK | 0x08, OK, offline_cause=OK | 0x40, error=error)
    assert (status.state, status.reason, status.action) == (state, reason, action)


@pytest.mark.parametrize("printer, paper, reason", [
    (None, None, "no_answer"),
    (0x00, OK, "unreadable_answer"),       # wrong fixed bits: not a status byte
    (0xFF, OK, "unreadable_answer"),
    (OK, None, "paper_sensor_unreadable"),
    (OK, 0x7F, "paper_sensor_unreadable"),  # bit 0 set: not a status byte, not "paper out"
])
def test_what_cannot_be_read_is_unknown_never_out_or_offline(printer, paper, reason):
    status = interpret(printer, paper)
    assert status.state is DeviceState.UNKNOWN
    assert status.reason == reason
    assert "paper" not in status.conditions


def test_completion_reply_is_told_apart_from_status_replies():
    assert is_status_reply(0x12) and is_status_reply(0x7E) and not is_status_reply(0x00)
    assert is_completion_reply(0x00) and is_completion_reply(0x0F) and not is_completion_reply(0x12)
    assert [completion_paper(b) for b in (0x00, 0x03, 0x0C, 0x0F)] == ["ok", "near_end", "out", "out"]
