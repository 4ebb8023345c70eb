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
        ('[printer]\npaper_width_mm = 58\ndots_per_line = 384\nmargin_left_mm = 10\nmargin_right_mm = 8\n',
         ["site.toml", "[printer]", "margin_left_mm + margin_right_mm (10 + 8 mm)", "48 mm the head prints on 58 mm",
          "Make the margins smaller"]),
        ('[printer]\nmargin_left_mm = -1\n', ["[printer] margin_left_mm", "greater than or equal to 0"]),
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


def _refusal(tmp_path: Path, content: bytes) -> str:
    site = tmp_path / "site.toml"
    site.write_bytes(content)
    with pytest.raises(ConfigError) as info:
        load_settings(site)
    return str(info.value)


@pytest.mark.parametrize("content, expected", [
    (b'[kiosk]\nterminal_id = "\xff\xfe"\n', ["site.toml", "not UTF-8"]),
    (b"[ui]\nwidth = " + b"[" * 3000 + b"]" * 3000 + b"\n", ["site.toml", "nested too deeply"]),
    (b"[ui]\nwidth = " + b"{a=" * 3000 + b"1" + b"}" * 3000 + b"\n", ["site.toml", "nested too deeply"]),
    (b"[ui]\nwidth = " + b"9" * 5000 + b"\n", ["site.toml", "line 2, key width", "too long"]),
    (b"[ui]\nwidth = " + b"9" * 3000 + b"\n", ["site.toml", "[ui] width", "an integer of 3000 digits"]),
])
def test_hostile_files_get_the_one_line_refusal_not_a_traceback(tmp_path, content, expected):
    message = _refusal(tmp_path, content)
    for fragment in expected:
        assert fragment in message
    assert len(message) < 300


def test_a_refusal_quotes_only_a_short_prefix_of_the_bad_value(tmp_path):
    message = _refusal(tmp_path, b'[ui]\nwidth = "' + b"x" * 5_000_000 + b'"\n')
    assert "[ui] width" in message and "'xxxx" in message and len(message) < 300


@pytest.mark.parametrize("key, value", [
    ("[outbox]\nretry_max_s", "inf"), ("[outbox]\nretry_initial_s", "nan"), ("[outbox]\npoll_interval_s", "1e12"),
    ("[outbox]\nstuck_after_s", "+inf"), ("[backend]\nread_timeout_s", "1e12"), ("[backend]\nconnect_timeout_s", "inf"),
    ("[face]\nmin_sharpness", "inf"), ("[idcard]\npoll_interval_s", "nan"),
])
def test_infinite_or_absurd_intervals_and_timeouts_are_refused(tmp_path, key, value):
    message = _refusal(tmp_path, f"{key} = {value}\n".encode())
    section, name = key.split("\n")
    assert f"site.toml: {section} {name}" in message


def test_a_first_retry_longer_than_the_longest_is_refused(tmp_path):
    message = _refusal(tmp_path, b"[outbox]\nretry_initial_s = 500.0\nretry_max_s = 60.0\n")
    assert "site.toml: [outbox] retry_initial_s" in message


def test_the_face_threshold_cross_check_names_the_file_that_broke_it(tmp_path):
    calibration = write(tmp_path, "calibration.toml", "[face.zones.dlib]\naccept_distance = 0.65\n")
    site = write(tmp_path, "site.toml", f'[paths]\ncalibration_file = "{calibration}"\n')
    with pytest.raises(ConfigError, match=r"calibration.toml: \[face.zones.dlib\] accept_distance must be smaller"):
        load_settings(site)
