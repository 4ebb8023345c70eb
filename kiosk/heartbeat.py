"""The heartbeat to the hall service (``hall.send_heartbeat`` in api/hall.yaml): the terminal is
alive, its devices' states, outbox depth and age, applied remote configuration versions and the
last update result. No personal data. The hall may answer "check for updates now".
"""
from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timezone
from typing import Callable

from kiosk.backends.errors import BackendError
from kiosk.remote.index import KINDS

log = logging.getLogger(__name__)


def heartbeat_body(terminal_id: str, uptime_s: float, statuses: dict, outbox_status, versions: dict[str, int],
                   last_result: str, now: datetime) -> dict:
    """The heartbeat request body (the contract's ``Heartbeat``)."""
    return {
        "terminal_id": terminal_id,
        "sent_at": now.astimezone(timezone.utc).isoformat(timespec="seconds"),
        "uptime_s": round(uptime_s, 1),
        "devices": {name: status.state.value for name, status in sorted(statuses.items())},
        "outbox": {"pending": outbox_status.pending if outbox_status else 0,
                   "oldest_pending_age_s": outbox_status.oldest_pending_age_s if outbox_status else None},
        "config_versions": {kind: versions[kind] for kind in KINDS if kind in versions},
        "last_update_result": last_result,
    }


class Heartbeat:
    """Sends :func:`heartbeat_body` every ``interval_s`` from its own thread.

    Args:
        send: posts a body, returns True when the hall asks for an update check now.
        body: builds the current body.
        poll_now: called when the hall asks for an update check now.
    """

    def __init__(self, send: Callable[[dict], bool], body: Callable[[], dict], poll_now: Callable[[], None],
                 interval_s: float) -> None:
        self._send, self._body, self._poll_now, self.interval_s = send, body, poll_now, interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.sent = 0

    def beat(self) -> None:
        try:
            if self._send(self._body()):
                self._poll_now()
            self.sent += 1
        except BackendError as e:  # the hall is down: the next beat tries again
            log.warning("heartbeat not delivered: %s", type(e).__name__)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.beat()
            self._stop.wait(self.interval_s)


def started_clock() -> Callable[[], float]:
    """Seconds since this call (the kiosk's uptime)."""
    start = time.monotonic()
    return lambda: time.monotonic() - start
