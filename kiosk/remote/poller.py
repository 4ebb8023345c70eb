"""Polls the repository with jitter, validates what it fetched and hands it to the apply queue.

A rejection (verification or validation) or an unreachable repository changes nothing on the
kiosk: it keeps serving on its last-known-good content, and the outcome is counted for the
metrics and the heartbeat. A rejected release is not downloaded again; a newer one is.
"""
from __future__ import annotations

import logging
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

from kiosk.remote.client import RepositoryUnreachable, UpdateClient, UpdateRejected
from kiosk.remote.content import Content, ContentRejected, SettingsCheck, validate

log = logging.getLogger(__name__)


@dataclass
class UpdateStatus:
    """What the update client did so far (no personal data: versions, labels, times)."""

    results: Counter = field(default_factory=Counter)   # "accepted", "unreachable", "rejected:<reason>"
    last_rejection: str = ""
    last_result: str = ""
    last_check_ok_at: float | None = None                # wall-clock time of the last verified check


class Poller:
    """One terminal's update loop.

    Args:
        client: fetches and verifies.
        applied: {kind: version} applied so far (the last-known-good store's versions).
        check_settings: validates settings over the local layers (raises ``ConfigError``).
        deliver: receives validated content (the shell hands it to the apply queue on its thread).
        interval_s, jitter: waits are ``interval_s`` times a random factor in [1 - jitter, 1 + jitter],
            so a fleet does not poll in lockstep.
    """

    def __init__(self, client: UpdateClient, applied: Callable[[], dict[str, int]], check_settings: SettingsCheck,
                 deliver: Callable[[Content], None], *, interval_s: float = 300.0, jitter: float = 0.5,
                 rng: random.Random | None = None, clock: Callable[[], float] = time.time) -> None:
        self.client = client
        self._applied = applied
        self._check_settings = check_settings
        self._deliver = deliver
        self.interval_s, self.jitter = interval_s, jitter
        self._rng = rng or random.Random()
        self._clock = clock
        self.status = UpdateStatus()
        self._seen: dict[str, int] = {}   # delivered or rejected versions: not fetched again
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def poll_once(self) -> list[Content]:
        """One check; returns the content delivered."""
        known = {**self._applied(), **self._seen}
        try:
            fetched = self.client.check(known)
        except RepositoryUnreachable as e:
            self._count("unreachable")
            log.warning("update check: %s; keeping the current configuration", e)
            return []
        except UpdateRejected as e:
            self._reject(e.reason, str(e))
            return []
        self.status.last_check_ok_at = self._clock()
        delivered = []
        for item in fetched:
            self._seen[item.kind] = item.version
            try:
                content = validate(item.kind, item.version, item.data, self._check_settings)
            except ContentRejected as e:
                self._reject(e.reason, f"{item.kind} version {item.version}: {e}")
                continue
            self._count("accepted")
            log.info("update: %s version %d verified and valid; applied between sessions", item.kind, item.version)
            self._deliver(content)
            delivered.append(content)
        return delivered

    def _count(self, result: str) -> None:
        # A new Counter, not an update in place: the metrics thread may be iterating the old one.
        self.status.results = self.status.results + Counter({result: 1})
        self.status.last_result = result

    def _reject(self, reason: str, message: str) -> None:
        self._count(f"rejected:{reason}")
        self.status.last_rejection = reason
        log.error("update rejected (%s): %s; keeping the last-known-good configuration", reason, message)

    def forget(self, kind: str) -> None:
        """Fetch ``kind`` again at the next check (what was delivered could not be applied)."""
        self._seen.pop(kind, None)

    def next_wait_s(self) -> float:
        return self.interval_s * self._rng.uniform(1 - self.jitter, 1 + self.jitter)

    def poll_now(self) -> None:
        """Check at once instead of at the next tick (e.g. the hall service asked)."""
        self._wake.set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="remote-updates", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def _run(self) -> None:
        # The first check waits a random part of the interval: a fleet powered on together spreads out.
        wait = self._rng.uniform(0, self.interval_s * max(self.jitter, 0.1))
        while not self._stop.is_set():
            self._wake.wait(wait)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                self.poll_once()
            except Exception:  # noqa: BLE001 - the loop must outlive any one bad check
                log.exception("update check failed unexpectedly")
            wait = self.next_wait_s()
