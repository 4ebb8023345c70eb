"""The event channel shared by all drivers and the application core.

Drivers publish from their own threads; subscribers are called in the publisher's thread,
so the UI subscribes through a queue it drains on its own clock (see ``screens.bridge``).
Event payloads may carry personal data (a card that was read); ``Event.__repr__`` never
shows the payload, so an event that ends up in a log line or traceback leaks nothing.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from common.device_status import DeviceStatus

log = logging.getLogger(__name__)

STATUS = "status"  # the kind of every device status event; payload: DeviceStatus


@dataclass(frozen=True)
class Event:
    """Something a device or service reports.

    Attributes:
        source: the device or component name, e.g. ``"idcard"``.
        kind: what happened: ``"status"`` or a device-specific word (``"card_placed"``).
        payload: the data; for ``"status"`` a :class:`DeviceStatus`.
    """

    source: str
    kind: str
    payload: Any = field(default=None, compare=False)

    def __repr__(self) -> str:  # the payload may be personal data: never print it
        return f"Event(source={self.source!r}, kind={self.kind!r})"

    __str__ = __repr__


Subscriber = Callable[[Event], None]


class EventBus:
    """A thread-safe publish/subscribe channel.

    A subscriber that raises is logged (without the payload) and does not stop delivery
    to the others. The last status of each device is kept so a late subscriber (a screen
    built after the driver started) can ask for it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: list[tuple[Subscriber, frozenset[str] | None]] = []
        self._last_status: dict[str, DeviceStatus] = {}

    def subscribe(self, callback: Subscriber, kinds: set[str] | None = None) -> Callable[[], None]:
        """Call ``callback`` for every event (or only those of ``kinds``). Returns an unsubscribe function."""
        entry = (callback, frozenset(kinds) if kinds else None)
        with self._lock:
            self._subscribers.append(entry)

        def unsubscribe() -> None:
            with self._lock:
                if entry in self._subscribers:
                    self._subscribers.remove(entry)

        return unsubscribe

    def publish(self, event: Event) -> None:
        """Deliver ``event`` to every matching subscriber, in this thread."""
        with self._lock:
            if event.kind == STATUS and isinstance(event.payload, DeviceStatus):
                self._last_status[event.source] = event.payload
            targets = [cb for cb, kinds in self._subscribers if kinds is None or event.kind in kinds]
        for callback in targets:
            try:
                callback(event)
            except Exception:  # noqa: BLE001 - one bad subscriber must not silence the others
                log.exception("subscriber failed on %r", event)

    def publish_status(self, status: DeviceStatus) -> None:
        """Publish a device status, but only when it differs from the last one (log on change)."""
        with self._lock:
            unchanged = self._last_status.get(status.device) == status
        if not unchanged:
            log.info("device %s: %s %s", status.device, status.state.value, status.reason)
            self.publish(Event(status.device, STATUS, status))

    def last_status(self, device: str) -> DeviceStatus | None:
        """The most recent status published for ``device``, or None."""
        with self._lock:
            return self._last_status.get(device)

    def statuses(self) -> dict[str, DeviceStatus]:
        """The most recent status of every device that has published one."""
        with self._lock:
            return dict(self._last_status)
