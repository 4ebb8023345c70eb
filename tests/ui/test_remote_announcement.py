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
