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
