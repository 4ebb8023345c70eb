"""Hand results from worker threads to the UI thread.

Driver callbacks run in driver threads; the UI may only be touched from Kivy's thread. A
:class:`UiBridge` queues calls and drains them on the next frame (one Clock trigger, so bursts
coalesce into one wake-up).
"""
from __future__ import annotations

import queue
from typing import Any, Callable

from kivy.clock import Clock

from common.events import Event, EventBus


class UiBridge:
    """Thread-safe: ``call(fn, *args)`` from any thread runs ``fn(*args)`` on the UI thread."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._trigger = Clock.create_trigger(self._drain, -1)

    def call(self, fn: Callable[..., Any], *args: Any) -> None:
        self._queue.put((fn, args))
        self._trigger()

    def subscribe(self, bus: EventBus, handler: Callable[[Event], None], kinds: set[str] | None = None) -> Callable[[], None]:
        """Subscribe ``handler`` to ``bus`` so it runs on the UI thread. Returns the unsubscribe function."""
        return bus.subscribe(lambda event: self.call(handler, event), kinds)

    def _drain(self, _dt: float) -> None:
        while True:
            try:
                fn, args = self._queue.get_nowait()
            except queue.Empty:
                return
            fn(*args)
