"""Between two citizens, give the memory the last session freed back to the system.

A session frees a great deal: the card photo and camera frames, backend replies, the fonts the
text renderer closed, the A4 page. glibc's allocator keeps freed memory in the middle of its
heaps for reuse, and over a day of sessions that held memory grows by tens of megabytes without
a leak (the soak measured 85 MB given back by one ``malloc_trim``). Trimming returns the free
pages to the kernel, which also drops the last copies of the citizen's data they held.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import threading

libc = ctypes.CDLL(ctypes.util.find_library("c"))  # the C library, loaded once for this module, the benchmarks and the tests
_malloc_trim = getattr(libc, "malloc_trim", None)  # glibc only; musl and others have no such call


def give_back_freed_memory() -> None:
    """Return the allocator's free pages to the system (``malloc_trim(0)``); a no-op where the
    C library cannot. It walks every heap under its locks for a few milliseconds."""
    if _malloc_trim is not None:
        _malloc_trim(0)


def give_back_freed_memory_soon() -> None:
    """:func:`give_back_freed_memory` on a thread of its own, so the UI thread never waits for it."""
    threading.Thread(target=give_back_freed_memory, name="memory-trim", daemon=True).start()
