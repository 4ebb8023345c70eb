"""The last-known-good store: the remote content a kiosk applied, kept on disk, written atomically.

Layout under ``[paths] data_dir``/remote::

    state.json                  {"versions": {kind: version}, "done_commands": [...]}
    announcements.toml, hours.toml, commands.toml
    catalog-<version>/          services/*.toml, locales/<lang>/kiosk.po
    metadata/                   the TUF client's trusted metadata
    staging/                    downloads before verification

Settings go to ``[paths] remote_file``, the fourth configuration layer. Every file is replaced with
write-to-temporary, fsync, rename: a power cut leaves the old or the new copy, never half of one.
The state is written last, so it never names content that is not on disk.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from common.files import atomic_write
from kiosk.remote.content import Content, unpack_catalog




class LastKnownGood:
    """Applied remote content. Only validated content is ever saved here.

    Args:
        directory: ``<data_dir>/remote``.
        settings_file: ``[paths] remote_file``.
    """

    def __init__(self, directory: Path, settings_file: Path) -> None:
        self.directory = directory
        self.settings_file = settings_file
        self._state_file = directory / "state.json"
        directory.mkdir(parents=True, exist_ok=True)

    @property
    def metadata_dir(self) -> Path:
        return self.directory / "metadata"

    @property
    def staging_dir(self) -> Path:
        return self.directory / "staging"

    def state(self) -> dict:
        try:
            state = json.loads(self._state_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            state = {}
        return {"versions": dict(state.get("versions", {})), "done_commands": list(state.get("done_commands", [])),
                "set_aside": list(state.get("set_aside", []))}

    def versions(self) -> dict[str, int]:
        """The applied version of each kind of content."""
        return self.state()["versions"]

    def save(self, content: Content) -> None:
        """Store validated ``content`` as the last-known-good copy of its kind."""
        if content.kind == "settings":
            atomic_write(self.settings_file, content.data)
        elif content.kind == "catalog":
            final = self.directory / f"catalog-{content.version}"
            if not final.exists():
                tmp = Path(tempfile.mkdtemp(dir=self.directory, prefix=".catalog-"))
                try:
                    unpack_catalog(content.data, tmp)
                    os.replace(tmp, final)
                except BaseException:
                    shutil.rmtree(tmp, ignore_errors=True)
                    raise
        else:
            atomic_write(self.directory / f"{content.kind}.toml", content.data)
        state = self.state()
        previous_catalog = state["versions"].get("catalog")
        state["versions"][content.kind] = content.version
        state["set_aside"] = [kind for kind in state["set_aside"] if kind != content.kind]
        self._write_state(state)
        if content.kind == "catalog" and previous_catalog not in (None, content.version):
            shutil.rmtree(self.directory / f"catalog-{previous_catalog}", ignore_errors=True)

    def set_aside(self) -> list[str]:
        """Move the remote settings and catalog out of use (after failed starts); returns what moved."""
        moved = []
        if self.settings_file.exists():
            os.replace(self.settings_file, self.settings_file.with_name(self.settings_file.name + ".set-aside"))
            moved.append("settings")
        state = self.state()
        if "catalog" in state["versions"]:
            moved.append("catalog")
        # The versions stay recorded, so the same release is not fetched again; a newer one is.
        state["set_aside"] = sorted(set(state["set_aside"]) | set(moved))
        self._write_state(state)
        return moved

    def mark_done(self, command_id: str) -> None:
        """Remember that a command ran (commands run once per terminal)."""
        state = self.state()
        state["done_commands"] = (state["done_commands"] + [command_id])[-200:]
        self._write_state(state)

    def load(self, kind: str) -> bytes | None:
        """The stored bytes of ``announcements``, ``hours`` or ``commands`` (None: never applied)."""
        file = self.directory / f"{kind}.toml"
        return file.read_bytes() if kind in self.versions() and file.exists() else None

    def catalog_dir(self) -> Path | None:
        """The applied remote catalog (``services/``, ``locales/``), or None for the built-in one."""
        state = self.state()
        version = state["versions"].get("catalog")
        if "catalog" in state["set_aside"]:
            return None
        directory = self.directory / f"catalog-{version}"
        return directory if version is not None and directory.is_dir() else None

    def _write_state(self, state: dict) -> None:
        atomic_write(self._state_file, json.dumps(state, sort_keys=True, indent=1).encode())
