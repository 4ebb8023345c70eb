"""The operator's console of a simulator started by hand: one command a line on its standard input."""
from __future__ import annotations

import sys
import threading
from typing import Callable


def serve_commands(commands: dict[str, Callable[..., object]], usage: str, stop: Callable[[], None]) -> int:
    """Run ``commands[word](*arguments)`` for each line ("paper out"), answering ``ok: ...`` or the
    usage; ``quit`` ends. When standard input closes (started in the background) the simulator
    serves on until it is killed. ``stop()`` runs however it ends. Returns the exit status."""
    try:
        for line in sys.stdin:
            word, *rest = line.split() or [""]
            if word in ("quit", "exit"):
                return 0
            try:
                commands[word](*rest)
                print(f"ok: {line.strip()}", flush=True)
            except (KeyError, TypeError, ValueError):
                print(f"commands: {usage}, quit", flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        stop()
    return 0
