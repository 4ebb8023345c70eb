"""Serve a repository directory over HTTP on 127.0.0.1 (the demo, the tests and the benchmark).

In production any static web server or object store serves the same files; nothing here is
trusted by the kiosk, which verifies every byte against the signed metadata.
"""
from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *_args) -> None:
        pass

    def handle_one_request(self) -> None:
        super().handle_one_request()
        if self.requestline:
            self.server.requests += 1


class RepositoryServer(ThreadingHTTPServer):
    """A static file server of ``directory``; ``requests`` counts the requests answered."""

    daemon_threads = True
    request_queue_size = 1024

    def __init__(self, directory: Path, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), functools.partial(_Quiet, directory=str(directory)))
        self.requests = 0
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> "RepositoryServer":
        self._thread = threading.Thread(target=self.serve_forever, name="repository-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
