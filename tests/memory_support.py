"""Memory that C code freed but the allocator keeps: what a session leaves behind in native heaps."""
from __future__ import annotations

import ctypes

from kiosk.memory import libc as _libc

_libc.malloc.restype = ctypes.c_void_p
_libc.free.argtypes = [ctypes.c_void_p]

CHUNK = 2048  # below the size glibc serves from mmap, so the chunks come from a heap
KEEP_EVERY = 64  # one chunk kept every 128 KiB: the freed space between is in the middle of the heap


def freed_but_kept(mb: int) -> list[int]:
    """Allocate ``mb`` MB in small chunks, touch it, free all but one chunk in every 128 KiB.
    The allocator cannot trim the freed space from the heap's top; the returned chunks are the
    ones still held (pass them to :func:`release`)."""
    chunks = [_libc.malloc(CHUNK) for _ in range(mb * 2**20 // CHUNK)]
    for chunk in chunks:
        ctypes.memset(chunk, 1, CHUNK)
    kept = chunks[::KEEP_EVERY]
    for n, chunk in enumerate(chunks):
        if n % KEEP_EVERY:
            _libc.free(chunk)
    return kept


def release(kept: list[int]) -> None:
    for chunk in kept:
        _libc.free(chunk)
