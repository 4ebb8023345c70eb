"""Signed remote updates: the kiosk applies what the operator signed and rejects everything else,
keeping its last-known-good configuration and serving on."""
import json
from datetime import datetime, timedelta, timezone

import pytest
from tuf.ngclient._internal import trusted_metadata_set

from fleet import keys
from fleet.repository import FleetRepository
from kiosk.remote.content import Content
from kiosk.remote.queue import ApplyQueue
from tests.remote_support import GOOD_SETTINGS, Kiosk, announcement, shifted_clock, start_fleet


@pytest.fixture
def fleet(tmp_path):
    fleet = start_fleet(tmp_path)
    yield fleet
    fleet.server.stop()


@pytest.fixture
def kiosk(tmp_path, fleet):
    """A kiosk that already applied settings version 1 (idle timeout 90 s): its last-known-good."""
    fleet.repo.publish("settings", GOOD_SETTINGS)
    kiosk = Kiosk(tmp_path / "kiosk", fleet)
    kiosk.poll()
    assert kiosk.settings().session.idle_timeout_s == 90
    return kiosk


def still_on_last_known_good(kiosk, reason):
    assert kiosk.poller.status.last_rejection == reason
    assert kiosk.store.versions() == {"settings": 1}
    assert kiosk.settings().session.idle_timeout_s == 90


def test_a_signed_update_is_applied_and_kept_as_last_known_good(fleet, kiosk):
    fleet.repo.publish("settings", b"[session]\nidle_timeout_s = 120\n")
    fleet.repo.publish("announcements", announcement())
    applied = kiosk.poll()
    assert [(c.kind, c.version) for c in applied] == [("settings", 2), ("announcements", 1)]
    assert kiosk.settings().session.idle_timeout_s == 120
    assert b"Upgrade tonight" in kiosk.store.load("announcements")
    assert kiosk.poll() == []  # nothing new: nothing downloaded again


def test_unsigned_content_is_rejected(fleet, kiosk):
    fleet.repo.publish("settings", b"[session]\nidle_timeout_s = 300\n")
    newest = fleet.repo.targets()
    newest.signatures.clear()
    (fleet.repo.metadata_dir / f"{newest.signed.version}.targets.json").write_bytes(newest.to_bytes())
    assert kiosk.poll() == []
    still_on_last_known_good(kiosk, "unsigned")


def test_a_tampered_target_is_rejected(fleet, kiosk):
    release = fleet.repo.publish("settings", b"[session]\nidle_timeout_s = 300\n")
    info = fleet.repo.targets().signed.targets[release.path]
    file = fleet.repo.targets_dir / "settings" / f"{info.hashes['sha256']}.{release.version}.toml"
    file.write_bytes(b"[session]\nidle_timeout_s = 301\n")  # same length, other bytes
    assert kiosk.poll() == []
    still_on_last_known_good(kiosk, "tampered")


def test_a_rollback_to_older_metadata_is_rejected(tmp_path, fleet):
    fleet.repo.publish("settings", GOOD_SETTINGS)
    old = fleet.snapshot(tmp_path / "old")
    fleet.repo.publish("settings", b"[session]\nidle_timeout_s = 120\n")
    kiosk = Kiosk(tmp_path / "kiosk", fleet)
    kiosk.poll()
    assert kiosk.settings().session.idle_timeout_s == 120
    fleet.serve_copy(old)  # a mirror replays the older, validly signed metadata
    assert kiosk.poll() == []
    assert kiosk.poller.status.last_rejection == "rollback"
    assert kiosk.settings().session.idle_timeout_s == 120


def test_expired_metadata_is_rejected(tmp_path, fleet, kiosk):
    stale = FleetRepository(fleet.repo.directory, now=lambda: datetime.now(timezone.utc) - timedelta(days=100))
    stale.publish("settings", b"[session]\nidle_timeout_s = 300\n")  # targets expired 10 days ago
    assert kiosk.poll() == []
    still_on_last_known_good(kiosk, "expired")


def test_a_frozen_timestamp_is_rejected_once_it_expires(monkeypatch, fleet, kiosk):
    # The repository (or a mirror in the way) keeps serving the same timestamp: nothing new
    # ever shows up. Two days later that timestamp is past its expiry and the kiosk says so.
    assert kiosk.poll() == []
    monkeypatch.setattr(trusted_metadata_set, "datetime", shifted_clock(days=2))
    assert kiosk.poll() == []
    still_on_last_known_good(kiosk, "expired")


def test_content_signed_by_a_revoked_key_is_rejected_and_rotation_restores_updates(tmp_path, fleet, kiosk):
    stolen = keys.load(fleet.repo.keys_dir / "targets.pem")
    from fleet.__main__ import main
    assert main(["--repo", str(fleet.repo.directory), "rotate-keys", "targets", "--root-key", str(fleet.root_key)]) == 0
    assert kiosk.poll() == []  # the kiosk learns the new root and its new targets key
    # Whoever holds the revoked key signs a new targets version with it.
    fleet.repo.publish("settings", b"[session]\nidle_timeout_s = 300\n")
    md = fleet.repo.targets()
    md.sign(stolen)
    (fleet.repo.metadata_dir / f"{md.signed.version}.targets.json").write_bytes(md.to_bytes())
    assert kiosk.poll() == []
    still_on_last_known_good(kiosk, "unsigned")
    # The operator publishes with the new key: accepted again.
    fleet.repo.publish("settings", b"[session]\nidle_timeout_s = 150\n")
    assert [c.version for c in kiosk.poll()] == [3]
    assert kiosk.settings().session.idle_timeout_s == 150


def test_updates_are_accepted_after_a_root_key_rotation(fleet, kiosk):
    fleet.repo.rotate("root", fleet.root_key)
    fleet.repo.publish("settings", b"[session]\nidle_timeout_s = 150\n")
    assert [c.version for c in kiosk.poll()] == [2]
    assert json.loads((kiosk.store.metadata_dir / "root.json").read_bytes())["signed"]["version"] == 2


def sign_bad(fleet, data: bytes):
    # The operator tool refuses such content, so it is signed here bypassing that check.
    return fleet.repo.publish("settings", data)


def test_a_valid_signature_over_invalid_settings_is_rejected(fleet, kiosk):
    sign_bad(fleet, b"[session]\nidle_timeout_s = 5\n")
    assert kiosk.poll() == []
    still_on_last_known_good(kiosk, "invalid")
    fleet.repo.publish("settings", b"[session]\nidle_timeout_s = 100\n")
    assert [c.version for c in kiosk.poll()] == [3]  # a later good version is taken


@pytest.mark.parametrize("data", [
    b'[backend]\nbase_url = "http://plain-http.example"\n',
    b'[idcard]\nwlt_decoder = "/tmp/libanything.so"\n',
    b"[face]\nliveness = false\n",
])
def test_a_setting_outside_the_allowlist_is_rejected(fleet, kiosk, data):
    sign_bad(fleet, data)
    assert kiosk.poll() == []
    still_on_last_known_good(kiosk, "not_allowed")


def test_an_unreachable_repository_changes_nothing(fleet, kiosk):
    fleet.server.stop()
    assert kiosk.poll() == []
    assert kiosk.poller.status.results["unreachable"] == 1
    assert kiosk.settings().session.idle_timeout_s == 90


def test_an_update_during_a_citizen_session_waits_until_it_ends(tmp_path, fleet):
    session = {"active": True}  # the session state source: a citizen is being served
    applied = []
    kiosk = Kiosk(tmp_path / "kiosk", fleet, idle=lambda: not session["active"])
    kiosk.queue = ApplyQueue(lambda: not session["active"], lambda c: (kiosk.store.save(c), applied.append(c)))
    kiosk.poller._deliver = kiosk.queue.offer
    fleet.repo.publish("announcements", announcement())
    fleet.repo.publish("settings", GOOD_SETTINGS)
    assert len(kiosk.poll()) == 2           # verified and valid...
    assert applied == [] and kiosk.store.versions() == {}   # ...but not applied during the session
    assert kiosk.queue.pending() == {"settings": 1, "announcements": 1}
    assert kiosk.queue.drain() == []        # still in session
    session["active"] = False               # the session ends
    assert [c.kind for c in kiosk.queue.drain()] == ["settings", "announcements"]
    assert kiosk.store.versions() == {"settings": 1, "announcements": 1}
    assert kiosk.settings().session.idle_timeout_s == 90


def test_a_newer_pending_update_replaces_an_older_one(fleet):
    applied = []
    queue = ApplyQueue(lambda: False, applied.append)
    queue.offer(Content("settings", 1, b"", {}))
    queue.offer(Content("settings", 2, b"", {}))
    assert queue.pending() == {"settings": 2}
