"""What remote content means on the kiosk: announcements shown now, opening hours, commands, the
last-known-good store, the start trial, and the operator tool refusing what a kiosk would reject."""
import tomllib
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from common.i18n import Translator
from fleet.__main__ import main as fleet
from kiosk.remote import hours
from kiosk.remote.announcements import Announcements, shown_now
from kiosk.remote.content import Content, ContentRejected, pack_catalog, validate
from kiosk.remote.hours import Hours, closed_reason
from kiosk.remote.index import Cohort, Index, Release
from kiosk.remote.service import RemoteService
from kiosk.remote.store import LastKnownGood
from kiosk.remote.trial import StartTrial
from kiosk.config import Settings

SHANGHAI = ZoneInfo("Asia/Shanghai")
REPO = Path(__file__).resolve().parent.parent


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


ANNOUNCEMENTS = tomllib.loads("""
[[announcement]]
id = "banner"
starts = 2026-12-01T00:00:00+08:00
ends = 2026-12-31T00:00:00+08:00
text = { zh_CN = "年底系统升级", zh_HK = "年底系統升級", en = "Year-end upgrade" }
[[announcement]]
id = "night"
style = "fullscreen"
starts = 2026-12-02T02:00:00+08:00
ends = 2026-12-02T04:00:00+08:00
text = { zh_CN = "系统升级，暂停服务", zh_HK = "系統升級，暫停服務", en = "Upgrading, no service" }
""")


def test_the_announcement_shown_depends_on_its_validity_window():
    board = Announcements.model_validate(ANNOUNCEMENTS)
    assert shown_now(board, at("2026-11-30T12:00")) is None
    assert shown_now(board, at("2026-12-01T00:00")).id == "banner"
    assert shown_now(board, at("2026-12-02T03:00")).id == "night"  # a full-screen notice wins
    assert shown_now(board, at("2026-12-02T04:00")).id == "banner"  # the end is exclusive
    assert shown_now(board, at("2026-12-31T00:00")) is None
    assert shown_now(None, at("2026-12-02T03:00")) is None


def test_an_announcement_that_ends_before_it_starts_is_rejected():
    bad = b"""[[announcement]]
id = "backwards"
starts = 2026-12-02T04:00:00+08:00
ends = 2026-12-02T02:00:00+08:00
text = { zh_CN = "x", zh_HK = "x", en = "x" }
"""
    with pytest.raises(ContentRejected, match="ends must be after starts"):
        validate("announcements", 1, bad, lambda _s: None)


HOURS = Hours.model_validate(tomllib.loads("""
timezone = "Asia/Shanghai"
[hall]
daily = ["07:00-23:00"]
[service.exit_entry_appointment]
daily = ["08:30-12:00", "14:00-17:30"]
sat = []
sun = []
"""))


def test_opening_hours_say_when_a_service_is_available_again():
    tr = Translator("en")
    # 2026-12-02 is a Wednesday.
    assert closed_reason("exit_entry_appointment", at("2026-12-02T09:00"), HOURS) is None
    lunch = closed_reason("exit_entry_appointment", at("2026-12-02T12:30"), HOURS)
    assert lunch.text(tr) == "This service is available today from 14:00."
    friday_evening = closed_reason("exit_entry_appointment", at("2026-12-04T18:00"), HOURS)
    assert friday_evening.text(tr) == "This service is available again on Monday from 08:30."
    assert closed_reason("tax_records", at("2026-12-05T10:00"), HOURS) is None     # no hours of its own
    night = closed_reason("tax_records", at("2026-12-05T23:30"), HOURS)             # the hall closes
    assert night.opens == at("2026-12-06T07:00")
    assert "可" in night.text(Translator("zh_CN"))                                   # translated


def test_hours_compare_in_the_hall_time_zone():
    utc_noon = datetime(2026, 12, 2, 4, 30, tzinfo=timezone.utc)  # 12:30 in Shanghai: lunch break
    assert closed_reason("exit_entry_appointment", utc_noon, HOURS) is not None


def test_the_installed_hours_are_what_the_home_screen_asks():
    hours.install(HOURS)
    try:
        assert hours.closed_reason("exit_entry_appointment", at("2026-12-02T12:30")) is not None
    finally:
        hours.install(None)
    assert hours.closed_reason("exit_entry_appointment", at("2026-12-02T12:30")) is None


@pytest.mark.parametrize("bad", [b'[hall]\ndaily = ["17:00-09:00"]\n', b'timezone = "Mars/Olympus"\n',
                                 b'[hall]\ndaily = ["9-17"]\n', b'[service.Bad-Id]\ndaily = []\n'])
def test_invalid_hours_are_rejected(bad):
    with pytest.raises(ContentRejected):
        validate("hours", 1, bad, lambda _s: None)


def test_a_staged_rollout_picks_a_stable_growing_cohort():
    terminals = [f"GZ-{i:04d}" for i in range(2000)]
    ten, fifty = Cohort(percent=10, seed="catalog-7"), Cohort(percent=50, seed="catalog-7")
    in_ten = {t for t in terminals if ten.includes(t)}
    in_fifty = {t for t in terminals if fifty.includes(t)}
    assert 150 < len(in_ten) < 250 and in_ten <= in_fifty
    index = Index(releases={"catalog": (Release(version=6, path="catalog/6.tar"),
                                        Release(version=7, path="catalog/7.tar", cohort=ten))})
    assert {index.choose("catalog", t).version for t in in_ten} == {7}
    assert {index.choose("catalog", t).version for t in set(terminals) - in_ten} == {6}
    listed = Cohort(terminals=("GZ-0001", "GZ-0002"))
    assert [t for t in terminals if listed.includes(t)] == ["GZ-0001", "GZ-0002"]


def test_the_store_keeps_the_last_good_copy_and_replaces_files_whole(tmp_path):
    store = LastKnownGood(tmp_path / "remote", tmp_path / "remote.toml")
    store.save(Content("settings", 1, b"[session]\nidle_timeout_s = 90\n", {}))
    store.save(Content("hours", 3, b'timezone = "Asia/Shanghai"\n', None))
    assert store.versions() == {"settings": 1, "hours": 3}
    assert store.load("hours") == b'timezone = "Asia/Shanghai"\n'
    assert [p.name for p in (tmp_path / "remote").iterdir() if p.name.startswith(".")] == []  # no temporaries left


def test_a_remote_catalog_lands_in_the_data_directory_and_replaces_the_previous_one(tmp_path):
    store = LastKnownGood(tmp_path / "remote", tmp_path / "remote.toml")
    data = pack_catalog(REPO / "assets" / "services", REPO / "assets" / "locales")
    store.save(validate("catalog", 1, data, lambda _s: None))
    first = store.catalog_dir()
    assert sorted(p.name for p in (first / "services").iterdir()) == sorted(
        p.name for p in (REPO / "assets" / "services").glob("*.toml"))
    store.save(validate("catalog", 2, data, lambda _s: None))
    assert store.catalog_dir().name == "catalog-2" and not first.exists()


def test_a_catalog_that_load_catalog_refuses_is_rejected(tmp_path):
    services = tmp_path / "services"
    services.mkdir()
    (services / "tax_records.toml").write_text('id = "tax_records"\ndepartment = "moon"\n', encoding="utf-8")
    with pytest.raises(ContentRejected, match="tax_records.toml"):
        validate("catalog", 1, pack_catalog(services, REPO / "assets" / "locales"), lambda _s: None)


def test_the_start_trial_sets_remote_content_aside_after_two_failed_starts(tmp_path):
    store = LastKnownGood(tmp_path / "remote", tmp_path / "remote.toml")
    store.save(Content("settings", 4, b"[session]\nidle_timeout_s = 90\n", {}))
    trial = StartTrial(store.directory)
    assert trial.begin() is False   # first start
    assert trial.begin() is False   # it did not get to run: try once more
    assert trial.begin() is True    # twice without running: set the remote content aside
    assert store.set_aside() == ["settings"] and not store.settings_file.exists()
    assert store.versions()["settings"] == 4  # remembered, so the same release is not fetched again
    trial.succeeded()
    assert trial.begin() is False


def test_commands_run_once_and_pause_survives_a_restart(tmp_path):
    settings = Settings.model_validate({"paths": {"data_dir": str(tmp_path), "remote_file": str(tmp_path / "r.toml")}})
    exported, restarts = [], []

    def service():
        return RemoteService(settings, None, idle=lambda: True, deliver=lambda fn: fn(), on_change=lambda: None,
                             on_restart=lambda: restarts.append(1),
                             export_diagnostics=lambda: exported.append(1) or tmp_path / "d.json")
    first = service()
    commands = '''[[command]]
id = "pause-1"
action = "pause"
notice = { zh_CN = "暂停服务", zh_HK = "暫停服務", en = "Paused for maintenance" }
[[command]]
id = "diag-1"
action = "export_diagnostics"
'''.encode()
    first.queue.offer(validate("commands", 1, commands, lambda _s: None))
    assert first.shown_now()[0] == "fullscreen" and first.shown_now()[1].en == "Paused for maintenance"
    assert exported == [1]
    first.queue.offer(validate("commands", 2, commands + b'[[command]]\nid = "restart-1"\naction = "restart"\n',
                               lambda _s: None))
    assert exported == [1] and restarts == [1]   # old ids are not run again; the restart is
    again = service()
    again.restore()
    assert again.shown_now()[0] == "fullscreen"  # still paused after the restart


def test_the_operator_tool_refuses_content_a_kiosk_would_reject(tmp_path, capsys):
    repo = str(tmp_path / "repo")
    assert fleet(["--repo", repo, "init", "--root-key", str(tmp_path / "root.pem")]) == 0
    bad = tmp_path / "bad.toml"
    bad.write_text('[backend]\nbase_url = "http://evil.example"\n', encoding="utf-8")
    assert fleet(["--repo", repo, "publish", "settings", str(bad)]) == 1
    assert "may not be set remotely" in capsys.readouterr().err
    bad.write_text("[session]\nidle_timeout_s = 5\n", encoding="utf-8")
    assert fleet(["--repo", repo, "publish", "settings", str(bad)]) == 1
    good = tmp_path / "good.toml"
    good.write_text("[session]\nidle_timeout_s = 90\n", encoding="utf-8")
    assert fleet(["--repo", repo, "publish", "settings", str(good), "--percent", "10"]) == 0
    assert fleet(["--repo", repo, "rollout", "settings", "--percent", "50"]) == 0
    assert fleet(["--repo", repo, "publish", "catalog", str(REPO / "assets")]) == 0
    assert fleet(["--repo", repo, "status"]) == 0
    out = capsys.readouterr().out
    assert '"percent": 50.0' in out and '"catalog"' in out


def test_rollback_publishes_the_earlier_content_as_a_new_version(tmp_path):
    repo = str(tmp_path / "repo")
    fleet(["--repo", repo, "init", "--root-key", str(tmp_path / "root.pem")])
    for timeout in (90, 120):
        file = tmp_path / f"s{timeout}.toml"
        file.write_text(f"[session]\nidle_timeout_s = {timeout}\n", encoding="utf-8")
        fleet(["--repo", repo, "publish", "settings", str(file)])
    assert fleet(["--repo", repo, "rollback", "settings"]) == 0
    from fleet.repository import FleetRepository
    r = FleetRepository(Path(repo))
    newest = r.index().latest("settings")
    assert newest.version == 3 and r.content("settings", 3) == b"[session]\nidle_timeout_s = 90\n"
    assert r.index().choose("settings", "ANY-1").version == 3


@pytest.mark.parametrize("example", sorted((REPO / "fleet" / "examples").glob("*.toml")), ids=lambda p: p.stem)
def test_the_documented_examples_are_content_a_kiosk_accepts(tmp_path, example):
    repo = str(tmp_path / "repo")
    fleet(["--repo", repo, "init", "--root-key", str(tmp_path / "root.pem")])
    assert fleet(["--repo", repo, "publish", example.stem, str(example)]) == 0


def test_settings_and_catalog_restart_the_kiosk_only_while_idle(tmp_path):
    import shutil

    from kiosk.context import KioskContext
    settings = Settings.model_validate({"paths": {"data_dir": str(tmp_path), "remote_file": str(tmp_path / "r.toml")}})
    idle, restarts = [False], []
    service = RemoteService(settings, None, idle=lambda: idle[0], deliver=lambda fn: fn(), on_change=lambda: None,
                            on_restart=lambda: restarts.append(1), export_diagnostics=lambda: tmp_path)
    services = tmp_path / "catalog" / "services"
    shutil.copytree(REPO / "assets" / "services", services)
    (services / "tax_records.toml").unlink()
    service.queue.offer(validate("catalog", 1, pack_catalog(services, REPO / "assets" / "locales"), lambda _s: None))
    assert restarts == [] and service.store.catalog_dir() is None   # a citizen is being served
    idle[0] = True
    service.session_ended()
    assert restarts == [1]
    context = KioskContext.create(settings, service.store.catalog_dir())   # what the restarted kiosk loads
    assert "tax_records" not in {s.id for s in context.catalog} and len(context.catalog) == len(list(services.iterdir()))


def test_live_settings_apply_between_sessions_without_a_restart_and_the_others_restart(tmp_path):
    from kiosk.remote.live import LIVE, RESTART
    from kiosk.remote.allowlist import ALLOWED
    assert LIVE | RESTART.keys() == ALLOWED and {"session.idle_timeout_s", "voice.rate", "printer.paper_width_mm"} <= LIVE
    settings = Settings.model_validate({"paths": {"data_dir": str(tmp_path), "remote_file": str(tmp_path / "r.toml")}})
    idle, restarts, applied_live = [False], [], []
    service = RemoteService(settings, None, idle=lambda: idle[0], deliver=lambda fn: fn(), on_change=lambda: None,
                            on_restart=lambda: restarts.append(1), export_diagnostics=lambda: tmp_path,
                            on_settings=applied_live.append)

    def offer(version, text):
        service.queue.offer(validate("settings", version, text.encode(), lambda _s: None))

    offer(1, "[session]\nidle_timeout_s = 120\n[voice]\nrate = 170\n")
    assert applied_live == [] and restarts == []        # a citizen is being served: nothing yet
    idle[0] = True
    service.session_ended()
    assert applied_live == [["session.idle_timeout_s", "voice.rate"]] and restarts == []  # live, no restart
    assert tomllib.loads((tmp_path / "r.toml").read_text())["voice"]["rate"] == 170  # kept as last-known-good
    offer(2, "[session]\nidle_timeout_s = 120\n")     # dropping a key brings the local value back: live too
    assert applied_live[-1] == ["voice.rate"] and restarts == []
    offer(3, "[session]\nidle_timeout_s = 120\n[face]\nattempts = 2\n")  # the face worker must restart
    assert restarts == [1] and len(applied_live) == 2


def test_without_a_readable_trust_anchor_remote_updates_are_off_and_the_kiosk_runs(tmp_path, caplog):
    settings = Settings.model_validate({"paths": {"data_dir": str(tmp_path)},
                                        "remote": {"repository_url": "http://127.0.0.1:9",
                                                   "trusted_root": str(tmp_path / "missing.json")}})
    service = RemoteService(settings, None, idle=lambda: True, deliver=lambda fn: fn(), on_change=lambda: None,
                            on_restart=lambda: None, export_diagnostics=lambda: tmp_path)
    assert service.poller is None
    assert "[remote] trusted_root" in caplog.text
