"""The scratch site the gallery, the benchmarks and the UI tests run a kiosk on."""
from __future__ import annotations

from kiosk.config import load_settings
from kiosk.scratch import scratch_site


def test_every_file_the_kiosk_writes_is_kept_in_the_scratch_folder(tmp_path):
    """Before, the gallery and the benchmarks read the repository's own var/calibration.toml and
    var/remote.toml, so a technician's calibration on the developer's machine changed their figures."""
    settings = load_settings(scratch_site(tmp_path))
    written = [settings.path(p) for p in (
        settings.paths.data_dir, settings.paths.calibration_file, settings.paths.remote_file, settings.logging.file,
        settings.backend.sim_data_dir, settings.outbox.db_file, settings.outbox.key_file,
        settings.signature.key_file)]
    written += [settings.data_path(p) for p in (
        settings.technician.audit_file, settings.technician.state_file, settings.technician.reports_dir,
        settings.technician.export_dir)]
    assert all(path.is_relative_to(tmp_path) for path in written), written
    assert not settings.voice.enabled


def test_more_settings_are_typed_toml_and_replace_the_defaults_given(tmp_path):
    data = tmp_path / "small disk"
    settings = load_settings(scratch_site(tmp_path, data, more={
        "backend": {"down_hold_s": 5}, "voice": {"enabled": True}, "printer": {"status_timeout_s": 2.0},
        "call": {"weekday_hours": "00:00-24:00"}, "logging": {"level": "WARNING"}}))
    assert settings.backend.down_hold_s == 5
    assert settings.backend.sim_data_dir == f"{tmp_path}/backend"  # the section's other keys stay
    assert settings.voice.enabled
    assert settings.printer.status_timeout_s == 2.0
    assert settings.call.weekday_hours == "00:00-24:00"
    assert settings.logging.level == "WARNING"
    assert settings.path(settings.outbox.db_file) == data / "outbox.db"
