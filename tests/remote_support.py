"""A fleet repository served on 127.0.0.1 and one kiosk's update client against it."""
from __future__ import annotations

import datetime as dt
import shutil
import types
from dataclasses import dataclass
from pathlib import Path

from fleet.repository import FleetRepository
from fleet.serve import RepositoryServer
from kiosk.config import DEFAULTS_FILE, load_settings, local_layers, validate_remote
from kiosk.remote.client import UpdateClient
from kiosk.remote.poller import Poller
from kiosk.remote.queue import ApplyQueue
from kiosk.remote.store import LastKnownGood

GOOD_SETTINGS = b"[session]\nidle_timeout_s = 90\n"


def announcement(text: str = "Upgrade tonight", ident: str = "upgrade") -> bytes:
    return (f'[[announcement]]\nid = "{ident}"\nstarts = 2026-01-01T00:00:00+08:00\n'
            f'ends = 2036-01-01T00:00:00+08:00\n'
            f'text = {{ zh_CN = "{text}", zh_HK = "{text}", en = "{text}" }}\n').encode()


@dataclass
class Fleet:
    repo: FleetRepository
    server: RepositoryServer
    root_key: Path
    trusted_root: bytes

    def snapshot(self, into: Path) -> Path:
        """A copy of the repository's files as served now (for replaying old metadata)."""
        shutil.copytree(self.repo.directory / "metadata", into / "metadata")
        return into

    def serve_copy(self, copy: Path) -> None:
        """Serve old metadata files in place of the current ones (a mirror replaying them)."""
        shutil.rmtree(self.repo.metadata_dir)
        shutil.copytree(copy / "metadata", self.repo.metadata_dir)


class Kiosk:
    """The kiosk side: last-known-good store, client, poller, queue applying at once when idle."""

    def __init__(self, tmp: Path, fleet: Fleet, terminal_id: str = "T-0001", idle=lambda: True) -> None:
        self.site = tmp / "site.toml"
        self.store = LastKnownGood(tmp / "remote", tmp / "remote.toml")
        self.site.write_text(f'[paths]\nremote_file = "{self.store.settings_file}"\n', encoding="utf-8")
        layers = local_layers(self.site, defaults_file=DEFAULTS_FILE)
        self.client = UpdateClient(fleet.server.url, fleet.trusted_root, self.store.metadata_dir,
                                   self.store.staging_dir, terminal_id)
        self.queue = ApplyQueue(idle, self.store.save)
        self.poller = Poller(self.client, self.store.versions,
                             lambda data: validate_remote(layers, self.store.settings_file, data), self.queue.offer)

    def poll(self):
        return self.poller.poll_once()

    def settings(self):
        return load_settings(self.site)


def start_fleet(tmp: Path, **kwargs) -> Fleet:
    repo = FleetRepository.init(tmp / "repo", tmp / "offline" / "root.pem", **kwargs)
    server = RepositoryServer(repo.directory).start()
    return Fleet(repo, server, tmp / "offline" / "root.pem", (repo.metadata_dir / "1.root.json").read_bytes())


def shifted_clock(days: float):
    """A stand-in for the ``datetime`` module in python-tuf's client: its 'now' is ``days`` later."""
    class Later(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return dt.datetime.now(tz) + dt.timedelta(days=days)
    return types.SimpleNamespace(datetime=Later, timezone=dt.timezone)
