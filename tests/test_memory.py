"""kiosk.memory gives the memory a session freed back to the system."""
from kiosk.memory import give_back_freed_memory
from benchmarks.growth import rss_mb
from tests.memory_support import freed_but_kept, release


def test_freed_memory_the_allocator_kept_goes_back_to_the_system():
    give_back_freed_memory()
    kept = freed_but_kept(80)
    try:
        before = rss_mb()
        give_back_freed_memory()
        assert before - rss_mb() > 60  # of the 80 MB, all but the kept chunks' pages
    finally:
        release(kept)


def _in_a_fresh_process(code: str) -> str:
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60).stderr


ALLOCATE_IN_EIGHT_THREADS = """
import threading
from kiosk.memory import libc, tune_allocator
tune_allocator()
libc.malloc.restype = libc.free.argtypes = None
def work(): [libc.malloc(4096) for _ in range(100)]
threads = [threading.Thread(target=work) for _ in range(8)]
[t.start() for t in threads]; [t.join() for t in threads]
libc.malloc_stats()
"""


def test_the_kiosk_keeps_to_two_heaps_however_many_threads_allocate():
    heaps = _in_a_fresh_process(ALLOCATE_IN_EIGHT_THREADS).count("Arena ")
    assert heaps == 2


MAP_A_LARGE_BLOCK_TWICE = """
import ctypes
from kiosk.memory import libc, tune_allocator
from benchmarks.growth import allocator_mb
tune_allocator()
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
for _ in range(2):  # glibc's own rule maps the first and, having seen it freed, keeps the second in a heap
    before = allocator_mb()["mapped"]
    block = libc.malloc(1 << 20)
    print(round(allocator_mb()["mapped"] - before, 2), file=__import__("sys").stderr)
    libc.free(block)
"""


def test_a_large_block_is_mapped_on_its_own_every_time():
    assert _in_a_fresh_process(MAP_A_LARGE_BLOCK_TWICE).split() == ["1.0", "1.0"]
