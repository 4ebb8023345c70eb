"""Start trial: remote content that keeps the kiosk from starting is set aside.

Each start counts an attempt in a marker file; the shell clears it once it runs. When two starts
in a row never got there, the next start moves the remote settings and catalog aside and runs on
the local configuration, so even a valid-looking remote update cannot keep a terminal down.
"""
from __future__ import annotations

from pathlib import Path

from common.files import atomic_write

FAILED_STARTS = 2


class StartTrial:
    def __init__(self, directory: Path) -> None:
        self.marker = directory / "starting"

    def begin(self) -> bool:
        """Count this start; True when the remote content should be set aside this time."""
        try:
            attempts = int(self.marker.read_text(encoding="utf-8") or 0)
        except (OSError, ValueError):
            attempts = 0
        atomic_write(self.marker, str(attempts + 1).encode())
        return attempts >= FAILED_STARTS

    def succeeded(self) -> None:
        """The kiosk is running: the content it started with is good."""
        self.marker.unlink(missing_ok=True)
