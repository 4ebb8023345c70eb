"""Prometheus metrics of one kiosk, in the text exposition format, with no personal data: device
states, outbox depth and age, sessions, ratings submitted and 好差评 counts by service and grade,
remote configuration versions and update results. Written atomically for node_exporter's textfile collector and/or served on
127.0.0.1 (``[metrics]``); the same snapshot goes into the diagnostics bundle.
"""
from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Iterable

from kiosk.journeys.rating import LEVELS, RATING_STORED
from kiosk.remote.index import KINDS
from common.events import Event, EventBus
from common.files import atomic_write

log = logging.getLogger(__name__)
RATING_SERVICE = "hall.submit_rating"
GRADES = [level for level, _ in LEVELS]  # very_satisfied ... very_dissatisfied
_LABEL_VALUE = re.compile(r"[^A-Za-z0-9_.:/ -]")

Sample = tuple[str, dict[str, str], float]
HELP = {
    "kiosk_up": ("gauge", "1 while the kiosk runs"),
    "kiosk_device_ready": ("gauge", "1 when the device can be used"),
    "kiosk_device_state": ("gauge", "1 for the device's current state and reason"),
    "kiosk_device_condition": ("gauge", "1 for each device-specific sub-state, e.g. the printer's paper: ok, near_end, out"),
    "kiosk_outbox_pending": ("gauge", "submissions waiting to be delivered"),
    "kiosk_outbox_stuck": ("gauge", "submissions pending longer than [outbox] stuck_after_s"),
    "kiosk_outbox_rejected": ("gauge", "submissions refused by a backend, not yet dismissed"),
    "kiosk_outbox_oldest_pending_age_seconds": ("gauge", "age of the oldest waiting submission (0: none)"),
    "kiosk_outbox_delivered_total": ("counter", "submissions delivered"),
    "kiosk_ratings_submitted_total": ("counter", "好差评 ratings delivered to the hall service"),
    "kiosk_ratings_total": ("counter", "好差评 ratings given on this kiosk since it started, by service and grade "
                                       "(the five grades of GB/T 39734)"),
    "kiosk_sessions_total": ("counter", "citizen sessions ended, by reason"),
    "kiosk_remote_version": ("gauge", "applied version of each kind of remote content (0: none)"),
    "kiosk_remote_pending": ("gauge", "1 while a verified update waits for the session to end"),
    "kiosk_remote_updates_total": ("counter", "update checks and their results"),
    "kiosk_remote_last_check_ok_timestamp_seconds": ("gauge", "time of the last verified update check"),
}


def render(samples: Iterable[Sample]) -> str:
    """The text exposition of ``samples`` (name, labels, value), grouped by metric."""
    by_name: dict[str, list[Sample]] = {}
    for sample in samples:
        by_name.setdefault(sample[0], []).append(sample)
    lines = []
    for name, group in by_name.items():
        kind, text = HELP[name]
        lines += [f"# HELP {name} {text}", f"# TYPE {name} {kind}"]
        for _, labels, value in group:
            label_text = ",".join(f'{k}="{_LABEL_VALUE.sub("_", str(v))}"' for k, v in sorted(labels.items()))
            lines.append(f"{name}{{{label_text}}} {_number(value)}" if labels else f"{name} {_number(value)}")
    return "\n".join(lines) + "\n"


def _number(value: float) -> str:
    # Full precision: a Unix time printed with 6 significant digits would be minutes off.
    return str(int(value)) if float(value).is_integer() else repr(float(value))


class KioskMetrics:
    """Collects the samples from the running kiosk's parts (any of them may be None in tests)."""

    def __init__(self, terminal_id: str, *, statuses: Callable[[], dict], outbox=None, remote=None,
                 bus: EventBus | None = None) -> None:
        self.terminal_id = terminal_id
        self._statuses, self._outbox, self._remote = statuses, outbox, remote
        self.sessions: Counter = Counter()
        self.ratings: Counter = Counter()  # (service id, grade) -> ratings; nothing about who rated
        self._lock = threading.Lock()
        if bus is not None:
            bus.subscribe(self._rating_stored, {RATING_STORED})

    def session_ended(self, reason: str) -> None:
        self.sessions[reason] += 1

    def _rating_stored(self, event: Event) -> None:
        service, grade = event.payload
        if grade in GRADES:  # a label value outside the scale would be a new series per typo
            with self._lock:
                self.ratings[(service, grade)] += 1

    def samples(self) -> list[Sample]:
        out: list[Sample] = [("kiosk_up", {"terminal": self.terminal_id}, 1)]
        for device, status in sorted(self._statuses().items()):
            out.append(("kiosk_device_ready", {"device": device}, 1 if status.ready else 0))
            out.append(("kiosk_device_state", {"device": device, "state": status.state.value,
                                               "reason": status.reason or "none"}, 1))
            out += [("kiosk_device_condition", {"device": device, "condition": name, "value": value}, 1)
                    for name, value in sorted(status.conditions.items())]
        if self._outbox is not None:
            status = self._outbox.status()
            out += [("kiosk_outbox_pending", {}, status.pending), ("kiosk_outbox_stuck", {}, status.stuck),
                    ("kiosk_outbox_rejected", {}, status.rejected),
                    ("kiosk_outbox_oldest_pending_age_seconds", {}, status.oldest_pending_age_s or 0),
                    ("kiosk_outbox_delivered_total", {}, status.delivered)]
            ratings = self._outbox.store.read("SELECT count(*) FROM audit WHERE service_id = ? AND outcome = 'delivered'",
                                              (RATING_SERVICE,))[0][0]
            out.append(("kiosk_ratings_submitted_total", {}, ratings))
        with self._lock:
            ratings = dict(self.ratings)
        # every grade of every service rated so far, zeros included, so a share of the grades can be computed
        out += [("kiosk_ratings_total", {"service": service, "grade": grade}, ratings.get((service, grade), 0))
                for service in sorted({service for service, _ in ratings}) for grade in GRADES]
        out += [("kiosk_sessions_total", {"reason": reason}, n) for reason, n in sorted(self.sessions.items())]
        if self._remote is not None:
            versions = self._remote.store.versions()
            out += [("kiosk_remote_version", {"kind": kind}, versions.get(kind, 0)) for kind in KINDS]
            out += [("kiosk_remote_pending", {"kind": kind}, 1) for kind in self._remote.queue.pending()]
            if self._remote.poller is not None:
                status = self._remote.poller.status
                out += [("kiosk_remote_updates_total", {"result": result}, n)
                        for result, n in sorted(status.results.items())]
                if status.last_check_ok_at is not None:
                    out.append(("kiosk_remote_last_check_ok_timestamp_seconds", {}, status.last_check_ok_at))
        return out

    def text(self) -> str:
        return render(self.samples())


class MetricsExporter:
    """Rewrites the textfile every ``interval_s`` and/or serves ``/metrics`` on 127.0.0.1:``port``."""

    def __init__(self, metrics: KioskMetrics, textfile: Path | None, port: int, interval_s: float) -> None:
        self.metrics, self.textfile, self.port, self.interval_s = metrics, textfile, port, interval_s
        self._stop = threading.Event()
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        if self.textfile is not None:
            threading.Thread(target=self._write_loop, name="metrics-textfile", daemon=True).start()
        if self.port:
            metrics = self.metrics

            class Handler(BaseHTTPRequestHandler):
                def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                    if self.path != "/metrics":
                        self.send_error(404)
                        return
                    body = metrics.text().encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)

                def log_message(self, *_args) -> None:
                    pass

            self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
            threading.Thread(target=self._server.serve_forever, name="metrics-http", daemon=True).start()

    def write_once(self) -> None:
        atomic_write(self.textfile, self.metrics.text().encode())

    def _write_loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.write_once()
            except Exception:  # noqa: BLE001 - metrics must never take the kiosk down
                log.exception("writing the metrics file failed")
            self._stop.wait(self.interval_s)

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


def write_diagnostics(directory: Path, metrics: KioskMetrics) -> Path:
    """A diagnostics bundle (metrics snapshot and remote state; no personal data) in ``directory``."""
    file = directory / f"diagnostics-{time.strftime('%Y%m%d-%H%M%S')}.json"
    atomic_write(file, json.dumps({"metrics": metrics.text()}, ensure_ascii=False, indent=1).encode())
    return file
