"""Paper left on the roll: the paper each job fed as the printer driver counted it from the bytes it
sent (dot rows and feeds at the configured dpi, :mod:`drivers.printer.feed`), added up since the
technician last pressed "New roll", kept across restarts (the printer itself only knows "near end")."""
from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path

from common.events import Event, EventBus
from drivers.printer.driver import PAPER_USED

log = logging.getLogger(__name__)


class PaperRoll:
    """Counts paper used since the last roll change; persisted in ``state_file`` (JSON)."""

    def __init__(self, state_file: Path, roll_length_m: float, bus: EventBus | None = None) -> None:
        self.state_file, self.roll_length_m = state_file, roll_length_m
        self._lock = threading.Lock()
        self.used_mm, self.total_mm = 0.0, 0.0
        try:
            data = json.loads(state_file.read_text(encoding="utf-8"))
            self.used_mm, self.total_mm = float(data["used_mm"]), float(data["total_mm"])
        except (OSError, ValueError, KeyError, TypeError):
            pass
        self.unsubscribe = bus.subscribe(self._on_event, {PAPER_USED}) if bus is not None else (lambda: None)

    @property
    def left_m(self) -> float:
        """Paper left on the roll, in metres (never below 0): the roll length less what was fed."""
        return max(0.0, round(self.roll_length_m - self.used_mm / 1000, 2))

    def add(self, mm: float) -> None:
        with self._lock:
            self.used_mm += mm
            self.total_mm += mm
            self._save()

    def new_roll(self) -> None:
        """The technician put in a new roll."""
        with self._lock:
            self.used_mm = 0.0
            self._save()

    def _on_event(self, event: Event) -> None:
        if isinstance(event.payload, (int, float)):
            try:
                self.add(float(event.payload))
            except OSError as e:  # a full disk: counted in memory, saved with the next receipt
                log.warning("paper counter not saved (%s)", e.strerror or e)

    def _save(self) -> None:
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps({"used_mm": round(self.used_mm, 1), "total_mm": round(self.total_mm, 1)}),
                       encoding="utf-8")
        os.replace(tmp, self.state_file)
