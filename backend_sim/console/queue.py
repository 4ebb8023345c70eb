"""The reference console's call queue: first come, first served, with an expected wait.

Pure Python, no I/O: the server asks it who is next and what to tell each waiting kiosk. The
expected wait is ``ceil(position / agents online) * average call length``, where the average starts
at the configured estimate and follows the calls that actually finish.
"""
from __future__ import annotations

import math
from typing import Generic, Hashable, TypeVar

Call = TypeVar("Call", bound=Hashable)
SMOOTHING = 0.2  # weight of each finished call in the running average


class CallQueue(Generic[Call]):
    """Waiting calls in arrival order.

    Args:
        average_call_s: the first estimate of a call's length, in seconds.
    """

    def __init__(self, average_call_s: float) -> None:
        self.average_call_s = float(average_call_s)
        self._waiting: list[Call] = []

    def __len__(self) -> int:
        return len(self._waiting)

    def __iter__(self):
        return iter(list(self._waiting))

    def join(self, call: Call) -> int:
        """Put ``call`` at the end of the queue; returns its position (1 = next)."""
        if call not in self._waiting:
            self._waiting.append(call)
        return self.position(call)

    def leave(self, call: Call) -> bool:
        """Take ``call`` out (the citizen gave up); False if it was not waiting."""
        if call in self._waiting:
            self._waiting.remove(call)
            return True
        return False

    def take(self) -> Call | None:
        """The next call for a free agent, or None when nobody waits."""
        return self._waiting.pop(0) if self._waiting else None

    def position(self, call: Call) -> int:
        """1-based place of ``call`` in the queue."""
        return self._waiting.index(call) + 1

    def expected_wait_s(self, call: Call, agents: int) -> int:
        """Seconds ``call`` should expect to wait with ``agents`` agents online (at least one assumed)."""
        rounds = math.ceil(self.position(call) / max(agents, 1))
        return int(rounds * self.average_call_s)

    def finished(self, duration_s: float) -> None:
        """A call of ``duration_s`` seconds ended: the estimate follows it."""
        self.average_call_s += SMOOTHING * (duration_s - self.average_call_s)
