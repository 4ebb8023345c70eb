"""The technician audit log: one JSON object per line (who, when, what, changed from what to what).

It never holds citizen data: callers pass technician ids, setting names and setting values only,
and every text goes through :func:`kiosk.logs.redact` as a second line of defence.
"""
from __future__ import annotations

import datetime
import json
import os
import threading
from pathlib import Path
from typing import Any

from kiosk.logs import redact


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    return value


class AuditLog:
    """Appends audit records to ``path`` (created owner-only), flushed to disk per record."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def record(self, who: str, action: str, **fields: Any) -> dict:
        """Append one record, e.g. ``record("T01", "change", key="printer.density_percent", old=100, new=120)``."""
        entry = {"time": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                 "who": who, "action": action, **_clean(fields)}
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line.encode("utf-8"))
                os.fsync(fd)
            finally:
                os.close(fd)
        return entry

    def entries(self) -> list[dict]:
        """Every record so far (for the dashboard and the diagnostics bundle)."""
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        return [json.loads(line) for line in lines if line.strip()]
