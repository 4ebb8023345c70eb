"""Drive the real Kivy app from a test: pump frames, find widgets by test_name, tap, read texts."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable, Iterator

from kivy.base import EventLoop
from kivy.core.window import Window
from kivy.tests import UnitTestTouch
from kivy.uix.label import Label
from kivy.uix.modalview import ModalView
from kivy.uix.widget import Widget


class UiDriver:
    """A citizen's finger and eyes, for tests."""

    def __init__(self, app) -> None:
        self.app = app

    def pump(self, frames: int = 3) -> None:
        for _ in range(frames):
            EventLoop.idle()

    def until(self, condition: Callable[[], bool], timeout: float = 10.0, what: str = "") -> None:
        """Run the app's loop until ``condition()`` holds; fail after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout}s waiting for {what or condition}")
            EventLoop.idle()

    def _roots(self) -> list[Widget]:
        overlays = [w for w in Window.children if isinstance(w, ModalView)]
        around = [w for w in self.app.root.children if w is not self.app.manager]  # the announcement banner
        return [self.app.manager.current_screen, *around, *overlays]

    def walk(self) -> Iterator[Widget]:
        """Every widget on the visible screen and its open overlays."""
        for root in self._roots():
            yield from root.walk(restrict=True)

    def find(self, test_name: str) -> Widget:
        matches = [w for w in self.walk() if getattr(w, "test_name", "") == test_name]
        assert matches, f"no widget with test_name {test_name!r} on screen {self.app.current_step}"
        return matches[0]

    def tap(self, target: str | Widget) -> None:
        # A screen switch completes on the next frame; until then the manager ignores touches
        # (a person cannot tap that fast, a test can).
        self.until(lambda: not self.app.manager.transition.is_active, what="the screen switch")
        widget = self.find(target) if isinstance(target, str) else target
        x, y = widget.to_window(*widget.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        self.pump(1)
        touch.touch_up()
        self.pump(3)

    def tap_at(self, x: float, y: float) -> None:
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        touch.touch_up()
        self.pump(3)

    def labels(self) -> list[Label]:
        """Labels (and buttons) a citizen can see: non-empty text, not transparent."""
        def visible(w: Widget) -> bool:
            while w is not None and w is not w.parent:
                if getattr(w, "opacity", 1) == 0:
                    return False
                w = w.parent
            return True
        return [w for w in self.walk() if isinstance(w, Label) and w.text.strip() and visible(w)]

    def texts(self) -> list[str]:
        return [label.text for label in self.labels()]

    def screenshot(self, path: Path) -> Path:
        self.pump(2)
        written = Path(Window.screenshot(name=str(path)))
        written.replace(path)
        return path
