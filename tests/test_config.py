"""Configuration: the documented defaults, layering, and errors that say what to fix."""
import tomllib
from pathlib import Path

import pytest

from kiosk.config import DEFAULTS_FILE, ConfigError, Settings, load_settings


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_config_toml_documents_every_key_with_its_default():
    with open(DEFAULTS_FILE, "rb") as fh:
        documented = tomllib.load(fh)
    assert documented == Settings().model_dump()


def test_site_file_overrides_only_its_keys(tmp_path):
    site = write(tmp_path, "site.toml", '[printer]\npaper_width_mm = 58\ndots_per_line = 384\n')
    settings = load_settings(site)
    assert settings.printer.paper_width_mm == 58
    assert settings.printer.cutter is True
    assert settings.kiosk.terminal_id == "DEMO-0001"


def test_site_file_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("KIOSK_CONFIG", str(write(tmp_path, "s.toml", '[kiosk]\nterminal_id = "GZ-TH-0042"\n')))
    assert load_settings().kiosk.terminal_id == "GZ-TH-0042"


@pytest.mark.parametrize(
    "text, expected",
    [
        ('[printer]\npaper_width_mm = 57\n', ["site.toml", "[printer] paper_width_mm", "58", "80", "57"]),
        ('[printer]\npaper_width_mm = "80"\n', ["[printer] paper_width_mm", "'80'"]),
        ('[session]\nidle_timout_s = 30\n', ["[session] idle_timout_s", "unknown key", "idle_timeout_s"]),
        ('[camra]\nwidth = 1\n', ["[camra]", "unknown key", "camera"]),
        ('[session]\nidle_timeout_s = 5\n', ["[session] idle_timeout_s", "greater than or equal to 10"]),
        ('[ui\nwidth = 3\n', ["site.toml", "not valid TOML"]),
    ],
)
def test_broken_site_file_names_file_key_and_expected_value(tmp_path, text, expected):
    with pytest.raises(ConfigError) as info:
        load_settings(write(tmp_path, "site.toml", text))
    for fragment in expected:
        assert fragment in str(info.value)


def test_missing_site_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_settings(tmp_path / "nope.toml")


def test_face_zones_must_be_ordered(tmp_path):
    site = write(tmp_path, "s.toml", "[face.zones.dlib]\naccept_distance = 0.7\nreject_distance = 0.6\n")
    with pytest.raises(ConfigError, match=r"\[face.zones.dlib\] accept_distance must be smaller"):
        load_settings(site)


def test_a_recognizer_without_measured_zones_is_refused(tmp_path):
    site = write(tmp_path, "s.toml", '[face]\nrecognizer = "onnx"\nonnx_model = "/opt/models/face.onnx"\n')
    with pytest.raises(ConfigError, match=r"no \[face.zones.onnx\] table.*drivers.face calibrate"):
        load_settings(site)


def test_zones_of_another_recognizer_come_from_their_own_table(tmp_path):
    site = write(tmp_path, "s.toml", '[face]\nrecognizer = "onnx"\n[face.zones.onnx]\naccept_distance = 0.3\n'
                                     'reject_distance = 0.5\nsame_face_distance = 0.35\n')
    face = load_settings(site).face
    assert (face.accept_distance, face.reject_distance, face.same_face_distance) == (0.3, 0.5, 0.35)


def test_calibration_and_remote_layers_win_in_order(tmp_path):
    calib = write(tmp_path, "calibration.toml", "[camera]\nrotation = 90\nexposure = 3.0\n")
    remote = write(tmp_path, "remote.toml", "[camera]\nexposure = 5.0\n")
    site = write(tmp_path, "site.toml", f'[paths]\ncalibration_file = "{calib}"\nremote_file = "{remote}"\n')
    settings = load_settings(site)
    assert settings.camera.rotation == 90
    assert settings.camera.exposure == 5.0


def test_broken_remote_layer_is_ignored_and_reported_naming_its_own_file(tmp_path):
    remote = write(tmp_path, "remote.toml", "[camera]\nrotation = 45\nexposure = 5.0\n")
    site = write(tmp_path, "site.toml", f'[paths]\nremote_file = "{remote}"\n')
    rejected: list[str] = []
    settings = load_settings(site, rejected=rejected)
    assert settings.camera.rotation == 0 and settings.camera.exposure == -1.0  # the whole layer is left out
    assert len(rejected) == 1 and "remote.toml: [camera] rotation" in rejected[0]


@pytest.mark.parametrize("key, value", [
    ("[backend]\nbase_url", '"http://evil.example"'),
    ("[idcard]\nwlt_decoder", '"/tmp/libevil.so"'),
    ("[face]\nliveness", "false"),
    ("[face]\ndetector", '"evil.module:factory"'),
    ("[paths]\ndata_dir", '"/tmp"'),
    ("[remote]\nrepository_url", '"http://evil.example"'),
])
def test_remote_layer_may_not_set_urls_code_paths_or_liveness(tmp_path, key, value):
    remote = write(tmp_path, "remote.toml", f"{key} = {value}\n")
    site = write(tmp_path, "site.toml", f'[paths]\nremote_file = "{remote}"\n')
    rejected: list[str] = []
    settings = load_settings(site, rejected=rejected)
    plain = load_settings(write(tmp_path, "plain.toml", f'[paths]\nremote_file = "{remote}.absent"\n'))
    assert settings.model_dump() == plain.model_copy(update={"paths": settings.paths}).model_dump()
    assert "may not be set remotely" in rejected[0]


def test_kiosk_refuses_to_start_on_a_broken_site_file(tmp_path):
    import os
    import subprocess
    import sys

    site = write(tmp_path, "site.toml", "[printer]\npaper_width_mm = 57\n")
    result = subprocess.run([sys.executable, "-m", "kiosk"], env=dict(os.environ, KIOSK_CONFIG=str(site)),
                            capture_output=True, text=True, timeout=60,
                            cwd=Path(__file__).resolve().parent.parent)
    assert result.returncode == 78  # EX_CONFIG: systemd's RestartPreventExitStatus
    assert "will not start" in result.stderr and "[printer] paper_width_mm" in result.stderr
