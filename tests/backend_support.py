"""Helpers shared by the backend and outbox tests (not a test module itself)."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

from kiosk.backends import Endpoint, Transport

DEPARTMENTS = ("tax", "exit_entry", "registration", "hall")


def wait_for(predicate: Callable[[], object], timeout_s: float = 10.0, interval_s: float = 0.02):
    """Re-check ``predicate`` until it returns something truthy; fail after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    pause = threading.Event()
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout_s} s")
        pause.wait(interval_s)


def transports(base_url: str, **options) -> dict[str, Transport]:
    return {d: Transport(Endpoint(d, base_url, terminal_id="TEST-01", **options)) for d in DEPARTMENTS}


class CannedServer:
    """A real HTTP server on a free port that answers every request with ``reply`` (status, body bytes).

    ``requests`` counts what arrived. For replies the reference backend cannot give on purpose:
    a 500, a body that is not JSON, a reply that breaks the schema, a gateway's HTML page.
    """

    def __init__(self, status: int = 200, body: bytes | dict = b"{}", content_type: str = "application/json") -> None:
        self.status, self.content_type = status, content_type
        self.body = json.dumps(body).encode() if isinstance(body, dict) else body
        self.requests = 0
        canned = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                canned.requests += 1
                self.send_response(canned.status)
                self.send_header("Content-Type", canned.content_type)
                self.send_header("Content-Length", str(len(canned.body)))
                self.end_headers()
                self.wfile.write(canned.body)

            do_GET = do_POST = _answer

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
