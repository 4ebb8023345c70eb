"""The kiosk side of remote configuration, built from settings (no Kivy): the last-known-good
store, the poller, the apply-between-sessions queue, and what applying each kind means.

Settings whose keys can be handed to the running parts (:mod:`kiosk.remote.live`), announcements,
opening hours and commands take effect at once (between sessions); the catalog, and settings with
a key only a restart applies, at a restart the kiosk makes itself while idle.
"""
from __future__ import annotations

import logging
import tomllib
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from kiosk.config import Settings, local_layers, validate_remote
from kiosk.remote import hours, live
from kiosk.remote.announcements import Announcement, Announcements, shown_now
from kiosk.remote.client import UpdateClient
from kiosk.remote.commands import Commands
from kiosk.remote.content import Content
from kiosk.remote.poller import Poller
from kiosk.remote.queue import ApplyQueue
from kiosk.remote.store import LastKnownGood
from kiosk.catalog import Texts

log = logging.getLogger(__name__)


def store_from_settings(settings: Settings) -> LastKnownGood:
    return LastKnownGood(settings.path(settings.paths.data_dir) / "remote", settings.path(settings.paths.remote_file))


class RemoteService:
    """Remote content for one running kiosk.

    Args:
        settings: the running settings.
        site_file: the site file the kiosk started with (remote settings are validated over it).
        idle: True when no citizen session is running.
        deliver: runs a callable on the shell's thread (the poller's results go through it).
        on_change: called (on the shell's thread) when what is shown may have changed.
        on_restart: called when the catalog or a setting only a restart applies changed and the
            kiosk is idle: restart.
        export_diagnostics: writes a diagnostics bundle (no personal data); returns its path.
        on_settings: called (between sessions) with the changed keys when every one of them can be
            applied live (:data:`kiosk.remote.live.LIVE`); the settings file is already stored.
            None: every settings change restarts.
    """

    def __init__(self, settings: Settings, site_file, *, idle: Callable[[], bool],
                 deliver: Callable[[Callable[[], None]], None], on_change: Callable[[], None],
                 on_restart: Callable[[], None], export_diagnostics: Callable[[], Path],
                 on_settings: Callable[[list[str]], None] | None = None) -> None:
        self.store = store_from_settings(settings)
        self._idle = idle
        self._on_change, self._on_restart, self._export = on_change, on_restart, export_diagnostics
        self._on_settings = on_settings
        self.announcements: Announcements | None = None
        self.paused: Texts | None = None
        self.restart_wanted = False
        self._restarting = False
        self.queue = ApplyQueue(idle, self.apply)
        self.poller: Poller | None = None
        remote = settings.remote
        if remote.repository_url:
            try:
                trusted_root = settings.path(remote.trusted_root).read_bytes()
            except OSError as e:
                log.error("[remote] trusted_root: %s cannot be read (%s); remote updates are off. Install the "
                          "repository's metadata/1.root.json there.", remote.trusted_root or '""', e.strerror)
                return
            layers = local_layers(site_file)
            client = UpdateClient(remote.repository_url, trusted_root,
                                  self.store.metadata_dir, self.store.staging_dir, settings.kiosk.terminal_id)
            self.poller = Poller(client, self.store.versions,
                                 lambda data: validate_remote(layers, self.store.settings_file, data),
                                 lambda content: deliver(lambda: self.queue.offer(content)),
                                 interval_s=remote.poll_interval_s, jitter=remote.jitter)

    def restore(self) -> None:
        """Use the last-known-good announcements, hours and pause state (at start-up)."""
        for kind, model in (("announcements", Announcements), ("hours", hours.Hours), ("commands", Commands)):
            data = self.store.load(kind)
            if data is None:
                continue
            try:
                parsed = model.model_validate(tomllib.loads(data.decode("utf-8")))
            except (ValueError, UnicodeDecodeError):  # validated when stored: only disk damage gets here
                log.error("remote %s on disk is damaged; ignored", kind)
                continue
            if kind == "announcements":
                self.announcements = parsed
            elif kind == "hours":
                hours.install(parsed)
            else:
                done = set(self.store.state()["done_commands"])
                for command in parsed.command:
                    if command.id in done and command.action in ("pause", "resume"):
                        self.paused = command.notice

    def apply(self, content: Content) -> None:
        """Apply validated ``content`` (called by the queue only while no session runs)."""
        before = self._stored_settings() if content.kind == "settings" else {}
        try:
            self.store.save(content)
        except OSError as e:  # a full or failing disk: keep what is in use, a later poll tries again
            log.error("remote %s version %d could not be stored (%s); not applied", content.kind, content.version,
                      e.strerror)
            if self.poller is not None:
                self.poller.forget(content.kind)
            return
        log.info("remote %s version %d applied", content.kind, content.version)
        if content.kind == "settings":
            self._settings_changed(live.changed_keys(before, content.parsed))
        elif content.kind == "catalog":
            self.restart_wanted = True
        elif content.kind == "announcements":
            self.announcements = content.parsed
        elif content.kind == "hours":
            hours.install(content.parsed)
        elif content.kind == "commands":
            self._run(content.parsed)
        self._on_change()
        self._restart_if_wanted()

    def _stored_settings(self) -> dict:
        """The remote settings layer in use (``[paths] remote_file``), {} when there is none."""
        try:
            return tomllib.loads(self.store.settings_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):  # damaged: the kiosk runs without it
            log.warning("the remote settings file cannot be read; comparing the update with local settings")
            return {}

    def _settings_changed(self, keys: list[str]) -> None:
        restart = live.needs_restart(keys)
        if restart or self._on_settings is None:
            log.info("remote settings need a restart: %s", ", ".join(restart) or "no live applier")
            self.restart_wanted = True
        elif keys:
            self._on_settings(keys)

    def _run(self, commands: Commands) -> None:
        for command in commands.new(set(self.store.state()["done_commands"])):
            log.info("remote command %s: %s", command.id, command.action)  # the audit trail
            if command.action == "pause":
                self.paused = command.notice
            elif command.action == "resume":
                self.paused = None
            elif command.action == "restart":
                self.restart_wanted = True
            else:
                log.info("diagnostics exported to %s", self._export())
            self.store.mark_done(command.id)

    def session_ended(self) -> None:
        """A citizen session ended: apply what waited for it."""
        self.queue.drain()
        self._restart_if_wanted()

    def _restart_if_wanted(self) -> None:
        if self.restart_wanted and not self._restarting and self._idle():
            self._restarting = True
            self._on_restart()

    def shown_now(self, now: datetime | None = None) -> tuple[str, Texts] | None:
        """("fullscreen" or "banner", texts) to show now: a pause notice first, then announcements."""
        if self.paused is not None:
            return "fullscreen", self.paused
        found: Announcement | None = shown_now(self.announcements, now or datetime.now(timezone.utc))
        return None if found is None else (found.style, found.text)

    def start(self) -> None:
        if self.poller is not None:
            self.poller.start()

    def stop(self) -> None:
        if self.poller is not None:
            self.poller.stop()
