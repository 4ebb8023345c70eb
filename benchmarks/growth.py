"""Where memory grew between two points of a benchmark run (the ``--trace`` option): Python
allocations by traceback, and Kivy widgets left alive. Slow, and the snapshots themselves add
to the resident memory the benchmark reports."""
from __future__ import annotations

import gc
import tracemalloc
from collections import Counter


def live_widgets() -> Counter:
    """Kivy widgets alive now, by class name."""
    from kivy.uix.widget import Widget

    gc.collect()
    # type(), not isinstance(): the heap holds weak proxies whose object is gone, and isinstance() asks them
    return Counter(type(o).__name__ for o in gc.get_objects() if issubclass(type(o), Widget))


class GrowthTrace:
    """``mark()`` at the baseline, ``report()`` at the end; does nothing unless ``enabled``."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._snapshot: tracemalloc.Snapshot | None = None
        self._widgets: Counter = Counter()
        if enabled:
            tracemalloc.start(10)

    def mark(self) -> None:
        if self.enabled:
            self._snapshot, self._widgets = tracemalloc.take_snapshot(), live_widgets()

    def report(self, since: str, top: int = 8) -> None:
        """Print the widgets and the ``top`` allocation sites that grew since :meth:`mark`."""
        if not self.enabled or self._snapshot is None:
            return
        grown = live_widgets() - self._widgets
        print(f"widgets alive now but not {since}:", dict(grown.most_common(10)) or "none")
        for stat in tracemalloc.take_snapshot().compare_to(self._snapshot, "traceback")[:top]:
            print(f"{stat.size_diff / 2**10:+.0f} KiB in {stat.count_diff:+d} blocks, allocated at:")
            print("    " + "\n    ".join(stat.traceback.format()[-6:]))
