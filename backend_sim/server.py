"""The reference backend's HTTP server: routing by the contract, fault injection, idempotency, JSON.

Each request goes through the same steps: find the operation for the method and path in the
contract; wait ``latency_ms``; fail ``fail_rate`` of them with 503 *before doing anything*; for a
submission, look the Idempotency-Key up in the ledger (a known key replays the stored answer and
counts the receipt) or validate, run the handler and store the answer, all in one transaction;
then drop ``drop_reply_rate`` of the replies (the work is committed, the connection is closed
without a byte of reply: the case that makes idempotency necessary).
"""
from __future__ import annotations

import hashlib
import json
import random
import re
import socket
import ssl
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from backend_sim import exit_entry, hall, handoff, payment, registration, tax
from backend_sim.common import CHINA, Refusal, Request, Timing, stamp
from backend_sim.store import SimStore
from kiosk.backends.contract import IDEMPOTENCY_HEADER, Contract, Operation

HANDLERS = {**tax.HANDLERS, **exit_entry.HANDLERS, **registration.HANDLERS, **hall.HANDLERS, **payment.HANDLERS}
_KEY = re.compile(r"[A-Za-z0-9-]{16,64}")
_MAX_BODY = 1_000_000
_PHONE = "/_sim/handoffs/"  # + confirm | refuse | expire: what the citizen does on the phone
_CONTROLS = ("/_sim/payment/pay", "/_sim/faults")


@dataclass(frozen=True)
class Faults:
    """Injected faults: shares of requests failed (503) and of replies dropped, and added latency."""

    fail_rate: float = 0.0
    drop_reply_rate: float = 0.0
    latency_ms: int = 0


class SimServer(ThreadingHTTPServer):
    """A threaded HTTP(S) server holding the store, the contract and the fault settings."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], store: SimStore, contract: Contract, *, faults: Faults = Faults(),
                 timing: Timing = Timing(), ssl_context: ssl.SSLContext | None = None, seed: int | None = None,
                 verbose: bool = False) -> None:
        super().__init__(address, _Handler)
        self.store, self.contract, self.faults, self.timing = store, contract, faults, timing
        self.ssl_context, self.verbose = ssl_context, verbose
        self._rng = random.Random(seed)
        self._rng_lock = threading.Lock()

    def roll(self, rate: float) -> bool:
        """True with probability ``rate``."""
        if rate <= 0:
            return False
        with self._rng_lock:
            return self._rng.random() < rate

    def handle_error(self, request, client_address) -> None:
        # a client that breaks the TLS handshake or hangs up is not the server's failure: one line
        kind = sys.exc_info()[0]
        print(f"backend_sim: connection from {client_address[0]} ended: {kind.__name__ if kind else '?'}",
              file=sys.stderr)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like a real gateway
    server: SimServer
    timeout = 60

    def setup(self) -> None:
        # headers and body go out in separate writes: without this, Nagle + delayed ACK add 40 ms to every reply
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.server.ssl_context is not None:  # handshake in this connection's thread, not in accept()
            self.request = self.server.ssl_context.wrap_socket(self.request, server_side=True)
        super().setup()

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._serve("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._serve("POST")

    def _undeclared(self) -> None:
        self._serve(self.command)

    # every other method reaches the same router, which answers 405 with Allow (not http.server's 501 page)
    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = do_HEAD = _undeclared  # noqa: N815

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's signature
        if self.server.verbose:  # paths carry no personal data (the contract keeps it in bodies)
            super().log_message(format, *args)

    # -- the steps ---------------------------------------------------------------------------
    def _serve(self, method: str) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        if length > _MAX_BODY:
            self.close_connection = True
            return self._send(400, {"error": "bad_request", "message": "body too large"})
        raw = self.rfile.read(length) if length else b""
        if len(raw) < length:  # the client went away mid-request (e.g. killed): nothing to process
            self.close_connection = True
            return None
        if method == "GET" and url.path == "/_sim/submissions":
            return self._send(200, self.server.store.submissions())
        if method == "POST" and url.path.removeprefix(_PHONE) in handoff.PHONE_ACTIONS:
            return self._send(*self._phone(url.path.removeprefix(_PHONE), raw))
        if url.path in _CONTROLS and method == "POST":
            return self._control(url.path, raw)
        if method == "GET" and url.path == "/_sim/payment":
            with self.server.store.connection() as con:
                return self._send(200, payment.notifications(con))
        op = self.server.contract.find(method, url.path)
        if op is None:
            allowed = self.server.contract.methods(url.path)
            if allowed:
                return self._send(405, {"error": "method_not_allowed", "message": f"{url.path} allows {', '.join(allowed)}"},
                                  headers={"Allow": ", ".join(allowed)})
            return self._send(404, {"error": "not_found", "message": f"no operation {method} {url.path}"})
        with self.server.store.connection() as con:
            down = payment.down(con, op.department)
        if down:
            return self._send(503, {"error": "unavailable", "message": f"{op.department} is down (sim fault)"})
        faults = self.server.faults
        if faults.latency_ms:
            time.sleep(faults.latency_ms / 1000)
        if self.server.roll(faults.fail_rate):
            return self._send(503, {"error": "unavailable", "message": "injected failure; nothing was done"})
        try:
            status, reply, replayed = self._process(op, url.query, raw)
        except Exception:  # noqa: BLE001 - a handler bug answers 500 (and rolled its transaction back)
            traceback.print_exc(file=sys.stderr)
            status, replayed = 500, False
            reply = {"error": "internal", "message": "the server failed; nothing was done"}
        if self.server.roll(faults.drop_reply_rate):
            self.close_connection = True  # committed, but the client never hears of it
            return None
        return self._send(status, reply, replayed)

    def _phone(self, action: str, raw: bytes) -> tuple[int, dict]:
        """The simulated phone acting on a hand-off (``{"handoff_id": ...}``, or the newest pending)."""
        try:
            handoff_id = json.loads(raw).get("handoff_id") if raw else None
        except (ValueError, AttributeError):
            return 400, {"error": "bad_request", "message": "the body is not a JSON object"}
        return handoff.act_on_phone(self.server.store, action, handoff_id, datetime.now(CHINA))
    def _control(self, path: str, raw: bytes) -> None:
        """The simulator's own controls: the citizen pays with the phone; faults are set."""
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            return self._send(400, {"error": "bad_request", "message": "the body is not JSON"})
        try:
            with self.server.store.transaction() as con:
                if path == "/_sim/payment/pay":
                    status, reply = payment.pay(con, body, datetime.now(CHINA))
                else:
                    status, reply = 200, payment.set_faults(con, body)
        except Refusal as refusal:
            status, reply = refusal.status, refusal.reply()
        return self._send(status, reply)

    def _process(self, op: Operation, query: str, raw: bytes) -> tuple[int, dict, bool]:
        try:
            body = json.loads(raw, parse_float=_number, parse_constant=_no_constant) if raw else None
        except (ValueError, RecursionError):
            return 400, {"error": "bad_request", "message": "the body is not JSON"}, False
        params = dict(parse_qsl(query))
        now = datetime.now(CHINA)
        store = self.server.store
        if not op.submission:
            with store.connection() as con:
                return (*self._run(op, body, params, None, con, now), False)
        key = self.headers.get(IDEMPOTENCY_HEADER)
        if not key or not _KEY.fullmatch(key):
            code = "required" if not key else "invalid_format"
            refusal = Refusal(400, "bad_request", [(IDEMPOTENCY_HEADER, code)], "Idempotency-Key header")
            return 400, refusal.reply(), False
        digest = hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
        with store.transaction() as con:
            previous = store.replay(con, key, op.id, digest, stamp(now))
            if previous == "mismatch":
                return 422, {"error": "idempotency_mismatch", "message": "this key was used for another request"}, False
            if previous is not None:
                return (*previous, True)
            status, reply = self._run(op, body, params, key, con, now)
            store.remember(con, key, op.id, digest, status, reply, stamp(now))
        return status, reply, False

    def _run(self, op: Operation, body, params, key, con, now) -> tuple[int, dict]:
        contract = self.server.contract
        errors = contract.body_errors(op, body) + contract.query_errors(op, params)
        try:
            if errors:
                raise Refusal(422, "validation", [(e.field, e.code) for e in errors])
            return HANDLERS[op.id](Request(op, body, params, key, con, now, self.server.timing))
        except Refusal as refusal:
            return refusal.status, refusal.reply()

    def _send(self, status: int, body: dict, replayed: bool = False, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        if replayed:
            self.send_header("Idempotent-Replayed", "true")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)


def _number(text: str) -> int | float:
    """A JSON number with a fraction or exponent: ``2019.0`` is the integer 2019 (JSON Schema says so too),
    so handlers get an ``int`` wherever the contract asks for an integer."""
    value = float(text)
    return int(value) if value.is_integer() else value


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")  # Python's json accepts NaN and Infinity; JSON does not
