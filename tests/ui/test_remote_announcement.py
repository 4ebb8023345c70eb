"""A published announcement appears on the running kiosk, through the production path: the
operator tool signs it, the update client fetches and verifies it from a repository on
127.0.0.1, and the shell applies it between citizen sessions."""
import pytest

from kiosk.config import local_layers, validate_remote
from kiosk.remote.client import UpdateClient
from kiosk.remote.poller import Poller
from tests.remote_support import announcement, start_fleet

pytestmark = pytest.mark.ui


@pytest.fixture
def fleet_poller(kiosk_app, tmp_path):
    fleet = start_fleet(tmp_path)
    service = kiosk_app.remote
    client = UpdateClient(fleet.server.url, fleet.trusted_root, tmp_path / "metadata", tmp_path / "staging",
                          kiosk_app.context.settings.kiosk.terminal_id)
    layers = local_layers(None)
    # Delivered as the kiosk's own poller delivers: onto the UI thread, into the apply queue.
    poller = Poller(client, service.store.versions, lambda data: validate_remote(layers, service.store.settings_file, data),
                    lambda content: kiosk_app.bridge.call(service.queue.offer, content))
    yield fleet, poller
    fleet.repo.publish("announcements", b"")  # the operator withdraws it: no banner for the next tests
    poller.poll_once()
    fleet.server.stop()


def banner_text(ui) -> str:
    return ui.find("announcement").text


def test_a_published_announcement_appears_and_a_change_waits_for_the_session_to_end(kiosk_app, ui, fleet_poller):
    fleet, poller = fleet_poller
    fleet.repo.publish("announcements", announcement("系统将于今晚升级"))
    assert len(poller.poll_once()) == 1
    ui.until(lambda: banner_text(ui) == "系统将于今晚升级", what="the banner")
    assert ui.find("announcement").height > 0

    ui.tap("call to action")  # a citizen starts a session
    ui.until(lambda: kiosk_app.current_step == "home")
    fleet.repo.publish("announcements", announcement("服务时间调整"))
    assert len(poller.poll_once()) == 1
    ui.pump(5)
    assert banner_text(ui) == "系统将于今晚升级"  # nothing changes under the citizen
    kiosk_app.context.session.end("finished")
    ui.until(lambda: banner_text(ui) == "服务时间调整", what="the change after the session")


PAUSE = '''[[command]]
id = "pause-{n}"
action = "pause"
notice = {{ zh_CN = "设备维护中", zh_HK = "設備維護中", en = "Under maintenance" }}
'''
RESUME = '[[command]]\nid = "resume-{n}"\naction = "resume"\n'


def test_a_pause_command_covers_the_screen_and_takes_no_citizens_until_resumed(kiosk_app, ui, fleet_poller):
    from tests.ui.conftest import lift_card
    fleet, poller = fleet_poller
    fleet.repo.publish("commands", (PAUSE.format(n=1)).encode())
    poller.poll_once()
    ui.until(lambda: "设备维护中" in ui.texts(), what="the pause notice")
    ui.tap_at(540, 960)                                  # a touch does nothing
    assert kiosk_app.current_step == "attract"
    ends = []
    kiosk_app.context.session.on_end(ends.append)
    kiosk_app.runtime.idcard.simulator.place("demo_citizen")  # a card starts a session: it is ended at once
    ui.until(lambda: "paused" in ends, what="the session refused")
    ui.until(lambda: kiosk_app.current_step == "attract" and kiosk_app.context.session.data.is_empty())
    lift_card(kiosk_app, ui)
    fleet.repo.publish("commands", (PAUSE.format(n=1) + RESUME.format(n=1)).encode())
    poller.poll_once()
    ui.until(lambda: "设备维护中" not in ui.texts(), what="the notice to go")
    ui.tap("call to action")
    ui.until(lambda: kiosk_app.current_step == "home")


def test_outside_its_opening_hours_a_service_says_so_instead_of_starting(kiosk_app, ui):
    from kiosk.remote import hours
    closed_all_week = hours.Hours.model_validate({"service": {"tax_records": {"daily": []}}})
    hours.install(closed_all_week)
    try:
        ui.tap("call to action")
        ui.until(lambda: kiosk_app.current_step == "home")
        tile = ui.find("service tax_records")
        assert tile.mode == "down" and tile.reason == "本业务暂时不能在本机办理。"
        ui.tap(tile)
        ui.until(lambda: kiosk_app.current_step == "guide")
        assert kiosk_app.guide.can_start is False and kiosk_app.guide.notice == "本业务暂时不能在本机办理。"
    finally:
        hours.install(None)


def test_published_settings_that_can_apply_live_change_the_running_kiosk_without_a_restart(kiosk_app, ui,
                                                                                           fleet_poller):
    fleet, poller = fleet_poller
    session, before = kiosk_app.context.session, kiosk_app.context.session.idle_timeout_s
    fleet.repo.publish("settings", '[session]\nidle_timeout_s = 45\n[kiosk.hall_name]\nzh_CN = "远程测试大厅"\n'.encode())
    try:
        assert len(poller.poll_once()) == 1
        ui.until(lambda: session.idle_timeout_s == 45, what="the idle timeout applied live")
        assert kiosk_app.hall_name == "远程测试大厅" and kiosk_app.context.settings.session.idle_timeout_s == 45
        assert not kiosk_app.restart_requested and not kiosk_app.remote.restart_wanted
    finally:
        fleet.repo.publish("settings", b"")  # back to the local settings, live again
        poller.poll_once()
        ui.until(lambda: session.idle_timeout_s == before, what="the local idle timeout again")
    assert not kiosk_app.restart_requested
