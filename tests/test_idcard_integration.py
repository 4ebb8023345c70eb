"""The driver against the simulated module over a real pseudo-terminal: every card type, placements
with both re-read behaviours, unplug and re-plug, every fault mode, and 9600-baud probing."""
from datetime import date

import pytest

from drivers.idcard.device import from_settings
from drivers.idcard.reader import connect
from drivers.idcard.sim import SimulatedReader
from drivers.idcard.simcards import fixture_names
from drivers.idcard.supervisor import READ_ATTEMPTS, ReaderSupervisor
from drivers.idcard.wlt import DemoWltDecoder
from drivers.idcard.settings import IdCardSettings
from common.device_status import Action, DeviceState
from common.events import EventBus
from tests.idcard_support import EventRecorder, expected_json, fixture, write_demo_image

POLL_S = 0.05
VALID_CARDS = [n for n in fixture_names() if n != "resident_bad_check"]


@pytest.fixture
def sim():
    simulator = SimulatedReader(realistic_delays=False)
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture
def supervise(sim):
    """Start a supervisor on the simulator; returns (supervisor, recorder) once it is online."""
    running = []

    def start(decoder=None, baud=0, port=None, wait_online=True):
        bus = EventBus()
        recorder = EventRecorder(bus)
        supervisor = ReaderSupervisor(port or sim.port, baud, POLL_S, bus, decoder,
                                      backoff_initial_s=0.05, backoff_max_s=0.2)
        supervisor.start()
        running.append(supervisor)
        if wait_online:
            recorder.status(DeviceState.ONLINE)
        return supervisor, recorder

    yield start
    for supervisor in running:
        assert supervisor.stop(), "the supervisor thread did not end"


def polls_later(sim, count=5):
    """Wait until the supervisor has polled ``count`` more times (instead of sleeping)."""
    assert sim.wait_received("find", sim.received("find") + count, timeout=5)


@pytest.mark.parametrize("name", VALID_CARDS)
def test_each_card_type_is_reported_once_with_its_fields(sim, supervise, name):
    _, events = supervise()
    sim.place(name)
    card = events.next("card_placed").payload
    assert card.to_json_dict() == expected_json(name)
    assert card.new_address == fixture(name).get("new_address", "")
    assert len(card.photo_wlt) == 1024 and card.photo_bmp is None
    polls_later(sim)
    sim.remove()
    events.next("card_removed")
    assert events.count("card_placed") == 1


def test_a_card_failing_the_check_character_is_unreadable_not_passed_on(sim, supervise):
    _, events = supervise()
    sim.place("resident_bad_check")
    assert events.next("card_unreadable").payload == "invalid_number"
    polls_later(sim)
    sim.remove()
    events.next("card_removed")
    assert events.count("card_placed") == 0 and events.count("card_unreadable") == 1


def test_an_expired_card_is_read_and_the_app_decides(sim, supervise):
    _, events = supervise()
    sim.place("resident_expired")
    card = events.next("card_placed").payload
    assert card.expired(date.today()) and not card.expired(date(2018, 12, 31))


@pytest.mark.parametrize("behaviour", ["keep", "once"])
def test_one_card_placed_per_placement_whatever_the_module_does_after_a_read(sim, supervise, behaviour):
    sim.set_reread_behaviour(behaviour)
    _, events = supervise()
    for n, name in enumerate(["resident", "hmt_permit", "resident"], start=1):
        sim.place(name)
        assert events.next("card_placed").payload.to_json_dict() == expected_json(name)
        polls_later(sim)  # the card stays: no second report, no false removal
        assert events.count("card_placed") == n and events.count("card_removed") == n - 1
        sim.remove()
        events.next("card_removed")
    assert events.count("card_placed") == 3


def test_status_shows_card_presence(sim, supervise):
    _, events = supervise()
    sim.place("resident")
    status = events.next("status", where=lambda e: e.payload.conditions.get("card") == "present").payload
    assert status.ready


def test_unplug_goes_to_no_device_and_replug_recovers_without_restart(sim, supervise):
    supervisor, events = supervise()
    sim.place("resident")
    events.next("card_placed")
    sim.unplug()
    status = events.status(DeviceState.NO_DEVICE).payload
    assert status.reason == "port_missing" and status.action is Action.MAINTENANCE
    sim.replug()
    events.status(DeviceState.ONLINE)
    polls_later(sim)
    assert events.count("card_placed") == 1  # the same card, still on the antenna: same placement
    sim.remove()
    events.next("card_removed")
    sim.place("hmt_permit")
    assert events.next("card_placed").payload.card_type.value == "hmt_residence_permit"
    assert supervisor.counters["connects"] == 2


def test_a_reader_plugged_in_after_start_is_found(tmp_path, supervise):
    port = tmp_path / "ttyIDCARD"
    _, events = supervise(port=str(port), wait_online=False)
    events.status(DeviceState.NO_DEVICE, reason="port_missing")
    late = SimulatedReader(realistic_delays=False, link=port)
    late.start()
    try:
        events.status(DeviceState.ONLINE)
        late.place("resident")
        events.next("card_placed")
    finally:
        late.stop()


PERSISTENT_FAULTS = [
    ("checksum", DeviceState.OFFLINE, "checksum_errors"),
    ("truncate", DeviceState.OFFLINE, "no_answer"),
    ("silence", DeviceState.OFFLINE, "no_answer"),
    ("foreign", DeviceState.UNSUPPORTED, "not_sam_protocol"),
    ("sam_fail", DeviceState.HARDWARE_ERROR, "sam_self_test_failed"),
]


@pytest.mark.parametrize("mode, state, reason", PERSISTENT_FAULTS, ids=[f[0] for f in PERSISTENT_FAULTS])
def test_every_fault_mode_is_reported_and_the_driver_recovers(sim, supervise, mode, state, reason):
    supervisor, events = supervise()
    sim.fault(mode)
    events.status(state, timeout=10, reason=reason)
    sim.fault("none")
    events.status(DeviceState.ONLINE, timeout=10)
    sim.place("resident")
    assert events.next("card_placed").payload.to_json_dict() == expected_json("resident")


def test_garbage_before_every_preamble_is_skipped_without_any_visible_effect(sim, supervise):
    _, events = supervise()
    sim.fault("garbage")
    sim.place("foreign_permanent_2023")
    assert events.next("card_placed").payload.to_json_dict() == expected_json("foreign_permanent_2023")
    sim.remove()
    events.next("card_removed")
    assert [e.payload.state for e in events.events if e.kind == "status"][-1] is DeviceState.ONLINE
    assert all(e.payload.state in (DeviceState.UNKNOWN, DeviceState.ONLINE) for e in events.events
               if e.kind == "status")


@pytest.mark.parametrize("mode", ["checksum", "truncate", "garbage", "silence"])
def test_a_damaged_read_is_retried_and_the_card_reported_once(sim, supervise, mode):
    _, events = supervise()
    sim.fault(mode, count=1, command="read")
    sim.place("resident")
    assert events.next("card_placed", timeout=10).payload.to_json_dict() == expected_json("resident")
    polls_later(sim)
    assert events.count("card_placed") == 1 and events.count("card_unreadable") == 0


def test_a_card_that_never_reads_cleanly_is_reported_unreadable_once(sim, supervise):
    supervisor, events = supervise()
    sim.fault("checksum", command="read")
    sim.place("resident")
    assert events.next("card_unreadable").payload == "checksum"
    polls_later(sim)
    assert sim.received("read") == READ_ATTEMPTS and events.count("card_unreadable") == 1
    sim.fault("none")
    sim.remove()
    events.next("card_removed")
    sim.place("resident")
    events.next("card_placed")


def test_a_failed_sam_self_test_is_cleared_by_a_reset(sim, supervise):
    supervisor, events = supervise()
    polls_later(sim, 1)
    sim.fault("sam_fail", count=2)  # the next find, and the status probe after reconnecting
    assert sim.wait_received("reset", 1, timeout=5)
    sim.place("resident")
    events.next("card_placed")
    assert all(e.payload.state is not DeviceState.HARDWARE_ERROR for e in events.events if e.kind == "status")


def test_9600_baud_module_is_found_by_probing(sim, supervise):
    sim.baud = 9600
    supervisor, events = supervise()
    assert supervisor.diagnostics()["baud"] == 9600
    sim.place("resident_rare_name")
    assert events.next("card_placed").payload.name == "测试𠮷䶮"


def test_a_fixed_wrong_baud_rate_reports_no_answer(sim, supervise):
    sim.baud = 9600
    _, events = supervise(baud=115200, wait_online=False)
    events.status(DeviceState.OFFLINE, reason="no_answer")


def test_set_baud_moves_module_and_driver_together(sim):
    reader = connect(sim.port)
    try:
        reader.set_baud(9600)
        assert sim.baud == 9600 and reader.transport.baud == 9600
        assert reader.find() is False
    finally:
        reader.close()


def test_without_a_photo_decoder_the_status_says_so_and_cards_are_still_read(sim, supervise):
    supervisor, events = supervise(decoder=None)
    status = supervisor.bus.last_status("idcard")
    assert status.state is DeviceState.ONLINE and status.reason == "photo_decoder_missing"
    assert status.action is Action.CONFIGURATION and "another photo source" in status.detail
    sim.place("demo_citizen")
    assert events.next("card_placed").payload.photo_bmp is None


def test_demo_decoder_gives_the_demo_citizen_a_photo_and_flags_cards_it_cannot_decode(sim, supervise, tmp_path):
    write_demo_image(tmp_path)
    supervisor, events = supervise(decoder=DemoWltDecoder(tmp_path))
    assert supervisor.bus.last_status("idcard").reason == ""
    sim.place("demo_citizen")
    assert bytes(events.next("card_placed").payload.photo_bmp[:2]) == b"BM"
    sim.remove()
    events.next("card_removed")
    sim.place("resident")
    assert events.next("card_placed").payload.photo_bmp is None
    events.status(DeviceState.ONLINE, reason="photo_decode_failed")
    sim.remove()
    events.next("card_removed")
    sim.place("demo_citizen")
    events.next("card_placed")
    events.status(DeviceState.ONLINE, reason="")


def test_realistic_module_delays_fit_the_driver_timeouts(supervise):
    slow = SimulatedReader(realistic_delays=True)
    slow.start()
    try:
        _, events = supervise(port=slow.port)
        slow.place("resident")
        events.next("card_placed", timeout=10)
    finally:
        slow.stop()


def test_stop_ends_the_thread_promptly_even_during_a_slow_read(supervise):
    slow = SimulatedReader(realistic_delays=True)
    slow.start()
    try:
        supervisor, _ = supervise(port=slow.port)
        slow.place("resident")
        assert slow.wait_received("read", 1, timeout=5)
        assert supervisor.stop(timeout_s=1.0)
    finally:
        slow.stop()


def test_from_settings_runs_the_simulator_in_process_for_demo_mode():
    bus = EventBus()
    events = EventRecorder(bus)
    device = from_settings(IdCardSettings(port="sim", wlt_decoder="", poll_interval_s=POLL_S), bus,
                           simulator=SimulatedReader(realistic_delays=False))
    device.start()
    try:
        events.status(DeviceState.ONLINE, reason="photo_decoder_missing")
        device.simulator.place("demo_citizen")
        assert events.next("card_placed").payload.name == "测试市民"
    finally:
        assert device.stop()
    assert not device.simulator.plugged


def test_a_module_that_answers_status_but_never_find_stays_offline_without_flapping(sim, supervise):
    supervisor, events = supervise()
    sim.fault("checksum", command="find")
    offline = events.status(DeviceState.OFFLINE, timeout=10, reason="checksum_errors")
    assert sim.wait_received("status", sim.received("status") + 3, timeout=10)  # three more attempts
    after = events.events[next(i for i, e in enumerate(events.events) if e is offline):]
    assert not [e for e in after if e.kind == "status" and e.payload.state is DeviceState.ONLINE]
    assert supervisor.counters["connect_failures"] >= 3
    sim.fault("none")
    events.status(DeviceState.ONLINE)
