"""Helpers shared by the ID card reader tests: wait for bus events without sleeping."""
from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Callable

from drivers.idcard.simcards import FIXTURES_DIR
from common.device_status import DeviceState
from common.events import Event, EventBus


class EventRecorder:
    """Records every event on a bus; ``next(kind)`` waits for the next matching one of that kind."""

    def __init__(self, bus: EventBus) -> None:
        self.events: list[Event] = []
        self._cursors: dict[str, int] = {}  # per kind: index after the last match
        self._changed = threading.Condition()
        bus.subscribe(self._on_event)

    def _on_event(self, event: Event) -> None:
        with self._changed:
            self.events.append(event)
            self._changed.notify_all()

    def next(self, kind: str, timeout: float = 5.0, where: Callable[[Event], bool] = lambda e: True) -> Event:
        """The first event of ``kind``, after the previous match of that kind, that satisfies ``where``."""
        start = self._cursors.get(kind, 0)

        def find() -> int | None:
            for i in range(start, len(self.events)):
                if self.events[i].kind == kind and where(self.events[i]):
                    return i
            return None

        with self._changed:
            if not self._changed.wait_for(lambda: find() is not None, timeout):
                seen = [(e.kind, getattr(e.payload, "state", e.payload)) for e in self.events[start:]]
                raise AssertionError(f"no {kind!r} event within {timeout} s; since the last one: {seen}")
            index = find()
            self._cursors[kind] = index + 1
            return self.events[index]

    def status(self, state: DeviceState, timeout: float = 5.0, reason: str | None = None) -> Event:
        """Wait for a status event with ``state`` (and ``reason`` if given)."""
        return self.next("status", timeout, lambda e: e.payload.state is state
                         and (reason is None or e.payload.reason == reason))

    def count(self, kind: str) -> int:
        with self._changed:
            return sum(1 for e in self.events if e.kind == kind)


def fixture(name: str) -> dict:
    return json.loads((FIXTURES_DIR / f"{name}.json").read_text(encoding="utf-8"))


def iso(yyyymmdd: str) -> str:
    return yyyymmdd if yyyymmdd == "长期" else f"{yyyymmdd[:4]}-{yyyymmdd[4:6]}-{yyyymmdd[6:]}"


def expected_json(name: str) -> dict:
    """What ``Card.to_json_dict()`` must give for a fixture, derived from the fixture file alone."""
    spec = fixture(name)
    f = dict(spec["fields"])
    if "english_name_2" in f:
        f["english_name"] += f.pop("english_name_2")
    out = {
        "card_type": spec["card_type"], "name": f.get("name", ""), "gender": f["gender"],
        "nation": f.get("nation", ""), "birth_date": iso(f["birth_date"]), "address": f.get("address", ""),
        "id_number": f["id_number"], "authority": f.get("authority", ""),
        "valid_from": iso(f["valid_from"]), "valid_to": iso(f["valid_to"]),
    }
    extras = {"hmt_residence_permit": ("pass_number", "issue_count"),
              "foreign_permanent": ("english_name", "nationality"),
              "foreign_permanent_2023": ("english_name", "nationality", "issue_count", "previous_card_link")}
    for key in extras.get(spec["card_type"], ()):
        out[key] = f[key]
    return out


def write_demo_image(directory: Path, name: str = "citizen.png") -> Path:
    """A small generated face-sized image standing in for assets/demo/citizen.png."""
    from PIL import Image

    path = directory / name
    Image.new("RGB", (204, 252), (200, 150, 120)).save(path)
    return path
