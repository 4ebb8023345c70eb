"""Helpers shared by the backend and outbox tests (not a test module itself)."""
from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

from kiosk.backends import Endpoint, Transport
from kiosk.signing import document_digest

DEPARTMENTS = ("tax", "exit_entry", "registration", "hall", "payment")


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


def signed(backends, sim, body: dict) -> dict:
    """``body`` of a sole-proprietor registration with a signature hand-off its citizen confirmed
    on the (simulated) phone."""
    document = {k: v for k, v in body.items() if k != "signing_id"}
    handoff = backends.call("registration.query_signing_code", {"id_number": body["id_number"], "name": body["name"],
                                                                "purpose": "sole_proprietor_registration",
                                                                "document_digest": document_digest(document)})
    sim.handoff("confirm", handoff["handoff_id"])
    return body | {"signing_id": handoff["handoff_id"]}


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


class RawServer:
    """A TCP server on a free port that reads each HTTP request and then hands the socket to ``reply``.

    For replies no well-behaved HTTP server sends: a body dripping in a byte at a time, a
    compression bomb, a redirect. ``requests`` counts the requests that arrived; ``stop`` is set
    when the server closes so a dripping ``reply`` can end early.
    """

    def __init__(self, reply: Callable[[socket.socket], None]) -> None:
        self._reply = reply
        self.requests = 0
        self.stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.base_url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                piece = conn.recv(65536)
                if not piece:
                    return
                data += piece
            head, _, rest = data.partition(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            while len(rest) < length:
                rest += conn.recv(65536)
            self.requests += 1
            try:
                self._reply(conn)
            except OSError:
                pass  # the client hung up, as it should on a hostile reply

    def close(self) -> None:
        self.stop.set()
        self._listener.close()


def http_reply(status: int, body: bytes, *headers: str) -> bytes:
    """One HTTP/1.1 reply as bytes, with Content-Length."""
    lines = [f"HTTP/1.1 {status} X", f"Content-Length: {len(body)}", "Connection: close", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body
