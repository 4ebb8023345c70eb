"""Where memory grew between two points of a benchmark run (the ``--trace`` option): Python
allocations by traceback, and Kivy widgets left alive. Slow, and the snapshots themselves add
to the resident memory the benchmark reports."""
from __future__ import annotations

import ctypes
import gc
import os
import re
import sys
import tracemalloc
from collections import Counter

from kiosk.memory import give_back_freed_memory, libc


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


FONT_FILES = (".otf", ".ttf", ".ttc")
KIVY_OPEN_FONTS = 64  # kivy/core/text/_text_sdl2.pyx: "limit the number of opened fonts to 64"


def open_files() -> Counter:
    """This process's file descriptors by what they point at, numbers masked (``socket``, ``pipe``,
    ``anon_inode:[eventfd]``, ``/dev/pts/N``, a file's path)."""
    kinds: Counter = Counter()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:  # the descriptor listdir itself used, closed since
            continue
        kinds[re.sub(r"\d+", "N", target.split(":[")[0] if target.startswith(("socket:", "pipe:")) else target)] += 1
    return kinds


def memory_by_mapping() -> Counter:
    """Resident kB by what is mapped: ``[heap]``, ``[anon]`` (malloc arenas, large allocations,
    driver buffers), ``[anon, code]`` (compiled at run time), ``[stack]``, or a file's name
    (shared libraries, fonts, GL buffers)."""
    sizes: Counter = Counter()
    name = "?"
    with open("/proc/self/smaps") as smaps:
        for line in smaps:
            first = line.split(maxsplit=1)[0]
            if "-" in first and not first.endswith(":"):  # a mapping's header line
                fields = line.split(maxsplit=5)
                if len(fields) == 6:
                    name = os.path.basename(fields[5].strip())
                else:  # executable anonymous memory is code compiled at run time (Mesa's llvmpipe shaders)
                    name = "[anon, code]" if "x" in fields[1] else "[anon]"
                name = re.sub(r"\d+", "N", name)
            elif first == "Rss:":
                sizes[name] += int(line.split()[1])
    return sizes


def memory_returned_by_malloc_trim() -> float:
    """Ask glibc to give free heap pages back to the system; the MB the resident size fell by.
    Memory freed by Python or a library but kept by the allocator is not a leak, and this tells
    the two apart."""
    before = rss_mb()
    give_back_freed_memory()
    return before - rss_mb()


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
                 "keepcost")]


def allocator_mb() -> dict[str, float] | None:
    """What glibc's allocator holds, over all its arenas (``mallinfo2``): ``in_use`` (allocated and
    not freed: Python's and every library's live data), ``free`` (freed, held for reuse) and
    ``mapped`` (large blocks served by mmap, in use). None where the C library has no mallinfo2."""
    mallinfo2 = getattr(libc, "mallinfo2", None)
    if mallinfo2 is None:
        return None
    mallinfo2.restype = _MallInfo2
    info = mallinfo2()
    return {"in_use": info.uordblks / 2**20, "free": info.fordblks / 2**20, "mapped": info.hblkhd / 2**20}


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class NativeGrowth:
    """Where the resident memory and the open files grew between ``mark()`` and ``report()``:
    cheap enough to run always, so every soak says which kind of memory grew."""

    def mark(self) -> None:
        self._files, self._memory, self._allocator = open_files(), memory_by_mapping(), allocator_mb()
        self._blocks = sys.getallocatedblocks()

    def report(self, top: int = 6) -> list[str]:
        """Lines saying what grew; ends with a ``malloc_trim``, so call it after the last measurement."""
        files = open_files()
        grown, gone = files - self._files, self._files - files
        memory = memory_by_mapping()
        delta = {name: (memory[name] - self._memory[name]) / 1024 for name in memory | self._memory}
        largest = sorted(delta.items(), key=lambda kv: -abs(kv[1]))[:top]
        allocator, before = allocator_mb(), self._allocator
        held = "glibc's allocator: " + (", ".join(
            f"{key} {before[key]:.0f} -> {allocator[key]:.0f} MB" for key in ("in_use", "free", "mapped"))
            if allocator and before else "no mallinfo2 here")
        held += f"; Python's small-object allocator: {self._blocks} -> {sys.getallocatedblocks()} blocks"
        fonts = sum(n for name, n in grown.items() if name.endswith(FONT_FILES)) - sum(
            n for name, n in gone.items() if name.endswith(FONT_FILES))
        return [f"open files new since the baseline: {dict(grown) or 'none'}; gone: {dict(gone) or 'none'}",
                f"of which Kivy's font cache: {fonts:+d} (one open file and 1-3 MB per (font, size) pair drawn so "
                f"far, see benchmarks.font_cache; Kivy keeps at most {KIVY_OPEN_FONTS}, closing the oldest beyond)",
                "resident memory grown since the baseline, by mapping: "
                + ", ".join(f"{name} {mb:+.1f} MB" for name, mb in largest),
                held + " (in use: live allocations of Python and every library; free: freed, held for reuse)",
                f"of the resident memory, glibc gave back {memory_returned_by_malloc_trim():.1f} MB on "
                "malloc_trim(0) (freed, but kept by the allocator)"]
