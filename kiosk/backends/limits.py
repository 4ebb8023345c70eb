"""Bounds on one backend call that no server can stretch: an overall deadline and a reply size limit.

``requests`` applies its read timeout to each socket read, so a server that drips one byte a second
never trips it. :class:`Deadline` instead shuts the call's socket down when the whole call has taken
too long, whatever phase it is in (waiting for the status line, the headers or the body); the
blocked read then fails at once. The socket is registered by the connection classes below when they
start reading the reply, on the calling thread (a thread-local says which call is running there).

:func:`read_body` reads the reply in small pieces and decodes ``gzip``/``deflate`` itself with a cap
on the *decoded* size, so neither a 100 MB body nor a compression bomb is ever held in memory.
"""
from __future__ import annotations

import socket
import threading
import zlib

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_CHUNK = 16 * 1024
_running = threading.local()


class ReplyTooLarge(Exception):
    """The reply (after decoding) is larger than the limit."""


class UnsupportedEncoding(Exception):
    """The reply uses a content encoding the kiosk did not ask for."""


class Deadline:
    """Ends one call at ``seconds`` after it started, by shutting its socket down.

    Use as a context manager around the whole call (request and reading the body) on the calling
    thread; ``expired`` tells afterwards whether the deadline ended it.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> Deadline:
        _running.deadline = self
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._timer.cancel()
        _running.deadline = None

    def attach(self, sock: socket.socket | None) -> None:
        """Watch ``sock`` (the connection this call reads from); shut it at once if already expired."""
        if sock is None:
            return
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    # socket.socket.shutdown, not SSLSocket.shutdown: the latter drops the TLS object under the
    # thread still reading it; shutting the plain socket makes that read fail cleanly.
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass  # already closed


def _attach_running(sock: socket.socket | None) -> None:
    deadline = getattr(_running, "deadline", None)
    if deadline is not None:
        deadline.attach(sock)


class _WatchedHTTPConnection(HTTPConnection):
    def getresponse(self):  # type: ignore[override]
        _attach_running(self.sock)
        return super().getresponse()


class _WatchedHTTPSConnection(HTTPSConnection):
    def getresponse(self):  # type: ignore[override]
        _attach_running(self.sock)
        return super().getresponse()


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class DeadlineAdapter(HTTPAdapter):
    """An ``HTTPAdapter`` whose connections report their socket to the running :class:`Deadline`."""

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


def read_body(raw, content_encoding: str, limit: int) -> bytes:
    """Read and decode a streamed reply body (``urllib3`` response with ``decode_content`` off).

    Raises:
        ReplyTooLarge: more than ``limit`` bytes after decoding.
        UnsupportedEncoding: an encoding other than identity, gzip or deflate.
        zlib.error: the compressed body is corrupt.
    """
    encoding = (content_encoding or "identity").strip().lower()
    if encoding in ("", "identity"):
        decoder = None
    elif encoding in ("gzip", "x-gzip", "deflate"):
        decoder = zlib.decompressobj(zlib.MAX_WBITS | 32)  # zlib or gzip header, detected
    else:
        raise UnsupportedEncoding(encoding)
    parts: list[bytes] = []
    size = 0
    for chunk in raw.stream(_CHUNK, decode_content=False):
        if decoder is not None:
            # max_length caps what one compressed chunk may inflate to; the rest stays in the decoder
            chunk = decoder.decompress(chunk, limit - size + 1)
            while decoder.unconsumed_tail and size + len(chunk) <= limit:
                chunk += decoder.decompress(decoder.unconsumed_tail, limit - size - len(chunk) + 1)
        size += len(chunk)
        if size > limit:
            raise ReplyTooLarge()
        parts.append(chunk)
    if decoder is not None:
        rest = decoder.flush()
        size += len(rest)
        if size > limit:
            raise ReplyTooLarge()
        parts.append(rest)
    return b"".join(parts)
