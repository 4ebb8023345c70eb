"""The calibration layer (``[paths] calibration_file``): written atomically, validated like every
layer, applied to the running devices without a restart, every change audited.

Writing: the new file goes to a temporary file in the same folder, is flushed and fsynced, then
renamed over the old one (and the folder fsynced), so a power cut leaves the old or the new file,
never half of one. Before that, the whole stack of layers (defaults, site, this file, remote) is
validated with :func:`kiosk.config.validate_layers`: a value the kiosk would refuse at start-up
is refused here, with the same message.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Callable, Mapping

from common.files import atomic_write
from kiosk.config import DEFAULTS_FILE, Settings, read_toml, validate_layers

log = logging.getLogger(__name__)

Applier = Callable[[Settings], None]
Changes = Mapping[str, Mapping[str, Any]]  # {"printer": {"density_percent": 120}}


def dump_toml(data: Mapping[str, Mapping[str, Any]]) -> str:
    """TOML for a calibration file: tables of scalars and lists of scalars (all this file holds)."""
    lines = ["# Written by the kiosk's technician mode. Later layers (remote settings) win over it.", ""]
    for section, values in data.items():
        lines.append(f"[{section}]")
        lines += [f"{key} = {_value(value)}" for key, value in values.items()]
        lines.append("")
    return "\n".join(lines)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid TOML basic string
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to the calibration file")



class Calibration:
    """Reads and writes the calibration layer of ``settings`` and applies changes to the devices.

    Args:
        settings: the running kiosk's settings (their site file and paths are used).
        appliers: section name -> function taking the new settings and applying that section to
            the running devices (e.g. ``"printer"`` swaps the printer profile).
        audit: called as ``audit(key, old, new)`` for every value that changed.
        defaults_file: the repository defaults (tests point it elsewhere).
    """

    def __init__(self, settings: Settings, appliers: Mapping[str, Applier] | None = None,
                 audit: Callable[[str, Any, Any], None] | None = None, *, defaults_file: Path = DEFAULTS_FILE) -> None:
        self.settings = settings
        self.appliers = dict(appliers or {})
        self.audit = audit or (lambda key, old, new: None)
        self.defaults_file = defaults_file
        self.path = settings.path(settings.paths.calibration_file)

    def current(self) -> dict:
        """The calibration layer as written so far (empty when nothing was calibrated)."""
        return read_toml(self.path) if self.path.exists() else {}

    def change(self, changes: Changes) -> Settings:
        """Validate, write and apply ``changes``; returns the new effective settings.

        Raises:
            ConfigError: the kiosk would refuse the result; nothing is written or applied.
        """
        layer = self.current()
        for section, values in changes.items():
            layer.setdefault(section, {}).update(values)
        new = self._validate(layer)
        old = self.settings
        atomic_write(self.path, dump_toml(layer).encode("utf-8"))
        self.settings = new
        for section, values in changes.items():
            for key in values:
                before, after = getattr(getattr(old, section), key), getattr(getattr(new, section), key)
                if before != after:
                    self.audit(f"{section}.{key}", before, after)
            applier = self.appliers.get(section)
            if applier is not None:
                applier(new)
        log.info("calibration changed: %s", ", ".join(f"[{s}] {', '.join(v)}" for s, v in changes.items()))
        return new

    def _validate(self, layer: dict) -> Settings:
        layers = [(self.defaults_file, read_toml(self.defaults_file))]
        site = self.settings.site_file
        if site is not None:
            layers.append((site, read_toml(site)))
        layers.append((self.path, layer))
        remote = self.settings.path(self.settings.paths.remote_file)
        if remote.exists():
            layers.append((remote, read_toml(remote)))
        settings = validate_layers(layers)
        settings._site_file = site
        return settings
