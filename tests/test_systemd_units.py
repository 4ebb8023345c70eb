"""The production set-up in systemd/: units systemd accepts, with their safety settings, and
udev names, unit and example site file that agree with each other."""
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.config import load_settings

SYSTEMD = Path(__file__).resolve().parent.parent / "systemd"
KIOSK_UNIT = SYSTEMD / "hall-kiosk.service"
OUTBOX_UNIT = SYSTEMD / "hall-kiosk-outbox.service"
SITE_EXAMPLE = SYSTEMD / "site.example.toml"
RULES = SYSTEMD / "99-hall-kiosk.rules"
# Programs that exist only on an installed terminal, not on a development machine.
INSTALLED_ONLY = ("/usr/bin/cage", "/opt/hall-kiosk/.venv/bin/python")


def parse_unit(path: Path) -> dict[str, list[tuple[str, str]]]:
    """A unit file's sections as lists of (key, value); repeated keys such as DeviceAllow= all kept."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current = None
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), [])
        else:
            key, _, value = line.partition("=")
            current.append((key.strip(), value.strip()))
    return sections


def values(unit: dict, section: str, key: str) -> list[str]:
    return [v for k, v in unit[section] if k == key]


def one(unit: dict, section: str, key: str) -> str:
    found = values(unit, section, key)
    assert len(found) == 1, f"[{section}] {key}= set {len(found)} times"
    return found[0]


def environment(unit: dict) -> dict[str, str]:
    pairs = (item.split("=", 1) for line in values(unit, "Service", "Environment") for item in line.split())
    return dict(pairs)


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_accepts_the_units():
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", "--generators=no", str(KIOSK_UNIT), str(OUTBOX_UNIT)],
        capture_output=True, text=True, timeout=60,
    )
    # systemd ignores a line it cannot parse (an unknown key, a typo'd value, a comment after a value)
    # and only says so here; the one complaint allowed is a program that is not installed on this machine.
    complaints = [line for line in (result.stdout + result.stderr).splitlines()
                  if line and not any(f"Command {p} is not executable" in line for p in INSTALLED_ONLY)]
    assert complaints == []


def test_kiosk_unit_restarts_a_frozen_or_crashed_kiosk_and_reboots_a_crash_loop():
    unit = parse_unit(KIOSK_UNIT)
    assert one(unit, "Service", "Type") == "notify"
    assert one(unit, "Service", "NotifyAccess") == "all"  # the app is cage's child
    assert one(unit, "Service", "WatchdogSec") == "20"  # see test_watchdog.py for why
    assert one(unit, "Service", "Restart") == "always"
    assert one(unit, "Service", "RestartSec") == "2"
    assert one(unit, "Unit", "StartLimitAction") == "reboot"
    assert int(one(unit, "Unit", "StartLimitBurst")) >= 3
    assert one(unit, "Unit", "StartLimitIntervalSec")
    exec_start = one(unit, "Service", "ExecStart")
    assert exec_start.startswith("/usr/bin/cage -- /opt/hall-kiosk/.venv/bin/python -m kiosk ")
    assert exec_start.endswith("--config /etc/hall-kiosk/site.toml")


def test_kiosk_unit_runs_locked_down():
    unit = parse_unit(KIOSK_UNIT)
    assert one(unit, "Service", "User") == "kiosk"
    assert set(one(unit, "Service", "SupplementaryGroups").split()) >= {"dialout", "video", "lp"}
    for key, expected in [("ProtectSystem", "strict"), ("ProtectHome", "yes"), ("PrivateTmp", "yes"),
                          ("NoNewPrivileges", "yes"), ("DevicePolicy", "closed"), ("UMask", "0077")]:
        assert one(unit, "Service", key) == expected, key
    allowed = values(unit, "Service", "DeviceAllow")
    assert {"char-ttyUSB rw", "char-usb_device rw", "char-video4linux rw", "char-drm rw", "char-input r"} <= set(allowed)
    assert all(rule.startswith("char-") for rule in allowed), "allow devices by class: a path is resolved once"


def test_only_a_broken_local_file_stops_restarts_and_a_remote_layer_never_exits_78(tmp_path):
    unit = parse_unit(KIOSK_UNIT)
    assert one(unit, "Service", "RestartPreventExitStatus") == "78"
    # The kiosk as the unit starts it, with a refused remote layer (a backend URL) and a broken one:
    # the configuration step passes (no exit 78) and says what it ignored.
    for text in ('[backend]\nbase_url = "http://plain-http.example"\n', "[session]\nidle_timeout_s = 5\n", "not toml ["):
        remote = tmp_path / "remote.toml"
        remote.write_text(text, encoding="utf-8")
        site = tmp_path / "site.toml"
        site.write_text(f'[paths]\ndata_dir = "{tmp_path}"\nremote_file = "{remote}"\n'
                        f'[logging]\nfile = "{tmp_path}/kiosk.log"\n', encoding="utf-8")
        result = subprocess.run([sys.executable, "-c", CONFIG_STEP, str(site)], capture_output=True, text=True,
                                timeout=60, cwd=SYSTEMD.parent)
        assert result.returncode == 0, result.stderr
        assert "remote configuration ignored" in result.stderr


# Runs kiosk.__main__ up to the point where it opens the window (the configuration step).
CONFIG_STEP = """
import sys
import screens.kivy_setup
class Stop(Exception):
    pass
def stop(*_a, **_k):
    raise Stop
screens.kivy_setup.configure_kivy = stop
from kiosk.__main__ import main
try:
    sys.exit(main(["--config", sys.argv[1]]))
except Stop:
    sys.exit(0)
"""


def test_kivy_has_no_escape_routes_and_still_logs_to_the_journal():
    env = environment(parse_unit(KIOSK_UNIT))
    assert {env.get(k) for k in ("KIVY_NO_ARGS", "KIVY_NO_CONFIG", "KIVY_NO_FILELOG")} == {"1"}
    assert "KIVY_NO_CONSOLELOG" not in env  # Kivy checks presence: any value silences the console log


def test_outbox_unit_runs_the_sender_on_the_shared_database():
    unit = parse_unit(OUTBOX_UNIT)
    state_dir = "/var/lib/" + one(unit, "Service", "StateDirectory")
    assert one(unit, "Service", "ExecStart") == (
        f"/opt/hall-kiosk/.venv/bin/python -m kiosk.outbox --db {state_dir}/outbox.db run --follow")
    assert state_dir == "/var/lib/" + one(parse_unit(KIOSK_UNIT), "Service", "StateDirectory")
    for key, expected in [("Restart", "always"), ("User", "kiosk"), ("ProtectSystem", "strict"),
                          ("ProtectHome", "yes"), ("PrivateDevices", "yes"), ("NoNewPrivileges", "yes")]:
        assert one(unit, "Service", key) == expected, key


def test_example_site_file_is_valid_and_writes_only_where_the_unit_allows():
    settings = load_settings(SITE_EXAMPLE)
    unit = parse_unit(KIOSK_UNIT)
    writable = ("/var/lib/" + one(unit, "Service", "StateDirectory") + "/",
                "/var/log/" + one(unit, "Service", "LogsDirectory") + "/",
                *(path.lstrip("-") + "/" for path in values(unit, "Service", "ReadWritePaths")))
    written = [settings.paths.data_dir + "/", settings.paths.calibration_file, settings.paths.remote_file,
               settings.logging.file, settings.outbox.key_file, settings.signature.key_file, settings.metrics.textfile]
    for path in written:
        assert path.startswith(writable), f"{path} is read-only for the kiosk"


RULE_PAIR = re.compile(r'\s*([A-Z_]+)(\{[^}]+\})?\s*(==|!=|\+=|:=|=)\s*"([^"]*)"\s*(,|$)')
MATCH_KEYS = {"SUBSYSTEM", "KERNEL", "KERNELS", "ATTR", "ATTRS", "ENV"}


def udev_rules() -> list[list[tuple[str, str, str]]]:
    """Each active rule as (key, operator, value) triples; fails on anything that is not KEY OP "value"."""
    rules = []
    for line in RULES.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        pairs = [(m.group(1), m.group(3), m.group(4)) for m in RULE_PAIR.finditer(line)]
        assert "".join(m.group(0) for m in RULE_PAIR.finditer(line)) == line, f"cannot parse: {line}"
        rules.append(pairs)
    return rules


def test_udev_rules_give_the_names_the_site_file_uses():
    names = set()
    for rule in udev_rules():
        for key, op, value in rule:
            # "SYMLINK==" silently matches nothing, and "ATTRS=" tries to write an attribute
            assert (op in ("==", "!=")) == (key in MATCH_KEYS), f"{key}{op}: wrong operator"
            if key == "SYMLINK":
                names.add("/dev/" + value)
    settings = load_settings(SITE_EXAMPLE)
    assert {settings.idcard.port, settings.printer.port, settings.camera.device} == names
