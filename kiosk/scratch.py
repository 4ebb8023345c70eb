"""A site file that keeps every file of a kiosk in one folder: for the screen gallery, the
benchmarks and the UI tests, which each run a whole kiosk on the repository's defaults (simulated
devices, the local reference backend) without touching ``var/`` or one another."""
from __future__ import annotations

import json
from pathlib import Path

Value = str | int | float | bool


def scratch_site(folder: Path, data: Path | None = None, more: dict[str, dict[str, Value]] | None = None) -> Path:
    """Write ``folder/site.toml`` and return its path.

    The kiosk's own files (outbox, keys, log, calibration and remote layers) go under ``data``
    (default ``folder``), the reference backend's under ``folder/backend``; the voice is off.
    ``more``: further settings by section, e.g. ``{"backend": {"down_hold_s": 5}}``; a key given
    here replaces the one above.
    """
    folder = Path(folder)
    data = Path(data or folder)
    sections: dict[str, dict[str, Value]] = {
        "paths": {"data_dir": str(data), "calibration_file": f"{data}/calibration.toml",
                  "remote_file": f"{data}/remote.toml"},
        "logging": {"file": f"{data}/kiosk.log"},
        "backend": {"sim_data_dir": f"{folder}/backend"},
        "outbox": {"db_file": f"{data}/outbox.db", "key_file": f"{data}/outbox.key"},
        "signature": {"key_file": f"{data}/signature.key"},
        "voice": {"enabled": False},
    }
    for name, values in (more or {}).items():
        sections[name] = sections.get(name, {}) | values
    site = folder / "site.toml"
    site.write_text("".join(f"[{name}]\n" + "".join(f"{key} = {_toml(value)}\n" for key, value in values.items())
                            for name, values in sections.items()), encoding="utf-8")
    return site


def _toml(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string
    return repr(value)
