"""One department's HTTP connection: session, timeouts, TLS, the error boundary and query retries.

Every call goes through :meth:`Transport.call`, the single place where ``requests``/``urllib3``
exceptions and HTTP statuses become :mod:`kiosk.backends.errors`, and where replies are checked
against the contract before anyone reads them.

Retries: urllib3's own retries are switched off (``max_retries=0``; it would not retry a POST
anyway). Queries are retried here, a bounded number of times with full-jitter backoff, and only
when nothing came back (connection failed) or the gateway said so (502/503/504); a read timeout is
not retried because the citizen has already waited for it. Submissions are never retried here:
retries happen in exactly one place, the outbox's sender, with the same Idempotency-Key.

Hostile or broken servers: redirects are never followed (a 3xx is a bad reply, nothing is re-sent
to another host); each attempt has an overall deadline (connect + read timeout) however slowly the
reply drips in; the reply is capped in size after decoding (so a compression bomb is refused before
it inflates); a reply nested too deeply to parse is a bad reply like any other.
"""
from __future__ import annotations

import json
import random
import time
import uuid
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import requests
from urllib3 import exceptions as urllib3_errors

from kiosk.backends.contract import IDEMPOTENCY_HEADER, Contract, Operation, load_contract
from kiosk.backends.errors import (
    BadReply, BackendError, FieldError, Rejected, ServerError, Timeout, TlsError, Unreachable,
)
from kiosk.backends.limits import Deadline, DeadlineAdapter, ReplyTooLarge, UnsupportedEncoding, read_body

_RETRY_STATUSES = {502, 503, 504}
_BACKOFF_S = 0.25          # first query retry waits up to this long; doubles per retry
_TRANSIENT_4XX = {408, 429}
MAX_REPLY_BYTES = 2 * 1024 * 1024  # decoded; the largest contract reply (five years of records) is a few KiB


class EndpointConfigError(ValueError):
    """A TLS file named in the configuration is missing (raised when the transport is built)."""


@dataclass(frozen=True)
class Endpoint:
    """Where and how to reach one department.

    Attributes:
        department: ``tax``, ``exit_entry``, ``registration`` or ``hall``.
        base_url: the gateway root; the contract's paths (``/tax/v1/...``) are appended.
        ca_file: CA bundle (PEM) the server certificate must chain to; "" = the system CAs.
        client_cert, client_key: this kiosk's certificate and key (PEM); "" = none.
        connect_timeout_s, read_timeout_s: per attempt, always applied; their sum is also the
            attempt's overall deadline, however slowly a server sends its reply.
        query_attempts: tries for a query (1 = no retry). Submissions are tried once.
        terminal_id: sent as ``X-Terminal-Id``.
        down_hold_s: how long the department counts as down after a transient failure (see ``up``).
        max_reply_bytes: the largest reply body accepted, counted after decoding.
    """

    department: str
    base_url: str
    ca_file: str = ""
    client_cert: str = ""
    client_key: str = ""
    connect_timeout_s: float = 3.0
    read_timeout_s: float = 10.0
    query_attempts: int = 2
    terminal_id: str = ""
    down_hold_s: float = 60.0
    max_reply_bytes: int = MAX_REPLY_BYTES

    @property
    def deadline_s(self) -> float:
        """The longest one attempt may take, from connecting to the reply's last byte."""
        return self.connect_timeout_s + self.read_timeout_s


class Transport:
    """One ``requests.Session`` per department, reused for every call (keep-alive, one TLS handshake).

    Args:
        endpoint: where and how to connect.
        contract: the API documents (default: ``api/`` loaded once).
        session: a prepared session (tests); by default one is built from ``endpoint``.
        sleep, rng: for the query backoff (tests pass fakes).

    Raises:
        EndpointConfigError: ``ca_file``, ``client_cert`` or ``client_key`` names a missing file.
    """

    def __init__(self, endpoint: Endpoint, contract: Contract | None = None, *,
                 session: requests.Session | None = None,
                 sleep: Callable[[float], None] = time.sleep, rng: random.Random | None = None) -> None:
        self.endpoint = endpoint
        self._contract = contract or load_contract()
        self._session = session or _build_session(endpoint)
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._last_ok: bool | None = None  # None until the first call
        self._failed_at = 0.0

    @property
    def up(self) -> bool | None:
        """True after a successful call; False for the endpoint's ``down_hold_s`` after a transient failure;
        otherwise None (unknown). The hold ends by itself so a service greyed out on the home
        screen comes back and the next citizen's call finds out whether the backend recovered."""
        if self._last_ok is False and time.monotonic() - self._failed_at > self.endpoint.down_hold_s:
            return None
        return self._last_ok

    def _mark(self, ok: bool) -> None:
        self._last_ok = ok
        if not ok:
            self._failed_at = time.monotonic()

    def call(self, op_id: str, body: Any = None, *, params: dict[str, str] | None = None,
             idempotency_key: str | None = None) -> Any:
        """Perform one operation and return its reply, validated against the contract.

        Args:
            op_id: the contract's operation id; it must belong to this department.
            body: the JSON request body, if the operation has one.
            params: query-string parameters (never personal data).
            idempotency_key: required for submissions; reuse it to repeat the same submission.

        Raises:
            Rejected: the server refused the request (final).
            Unreachable, ServerError: transient; for queries, after the configured attempts.
        """
        op = self._contract.operation(op_id)
        if op.department != self.endpoint.department:
            raise ValueError(f"{op_id} belongs to {op.department}, not {self.endpoint.department}")
        if op.submission and not idempotency_key:
            raise ValueError(f"{op_id} is a submission: pass an idempotency_key")
        attempts = 1 if op.submission else max(1, self.endpoint.query_attempts)
        for attempt in range(attempts):
            try:
                reply = self._once(op, body, params, idempotency_key)
            except Rejected:
                self._mark(True)
                raise
            except BackendError as e:
                self._mark(False)
                if attempt + 1 >= attempts or not _worth_retrying(e):
                    raise
                self._sleep(self._rng.uniform(0, _BACKOFF_S * 2 ** attempt))
            else:
                self._mark(True)
                return reply
        raise AssertionError("unreachable")  # the loop returns or raises

    def close(self) -> None:
        """Close the pooled connections."""
        self._session.close()

    # -- the error boundary ------------------------------------------------------------------
    def _once(self, op: Operation, body: Any, params: dict[str, str] | None, key: str | None) -> Any:
        e = self.endpoint
        dept, name = e.department, op.id
        headers = {IDEMPOTENCY_HEADER: key} if key else {}
        url = e.base_url.rstrip("/") + op.path
        try:
            with Deadline(e.deadline_s) as deadline:
                status, data = self._exchange(op, url, body, params, headers)
        except requests.exceptions.SSLError as exc:
            if deadline.expired:
                raise Timeout(dept, name, "reply", e.deadline_s) from exc
            raise TlsError(dept, name, "TLS handshake failed: check [backend] ca_file, client_cert, client_key") \
                from exc
        except requests.exceptions.ConnectTimeout as exc:
            raise Timeout(dept, name, "connect", e.connect_timeout_s) from exc
        except requests.exceptions.ReadTimeout as exc:
            raise Timeout(dept, name, "read", e.read_timeout_s) from exc
        except (requests.exceptions.RequestException, urllib3_errors.HTTPError, OSError) as exc:
            if deadline.expired:
                raise Timeout(dept, name, "reply", e.deadline_s) from exc
            if isinstance(exc, requests.exceptions.ConnectionError):
                raise Unreachable(dept, name, f"no answer from {_host(url)} ({type(exc).__name__})") from exc
            raise Unreachable(dept, name, f"request failed ({type(exc).__name__})") from exc
        except ReplyTooLarge:
            raise BadReply(dept, name, f"reply larger than {e.max_reply_bytes} bytes", None) from None
        except UnsupportedEncoding:
            raise BadReply(dept, name, "reply in a content encoding the kiosk did not ask for", None) from None
        except zlib.error:
            raise BadReply(dept, name, "compressed reply is corrupt", None) from None
        if deadline.expired:  # the cut may look like a short but well-formed reply: it is not one
            raise Timeout(dept, name, "reply", e.deadline_s)
        if 300 <= status < 400:
            # never followed: that would re-send the citizen's data to wherever the redirect points
            raise BadReply(dept, name, f"HTTP {status} redirect, not followed", status)
        if 200 <= status < 300:
            if data is _NOT_JSON:
                raise BadReply(dept, name, f"HTTP {status} reply is not JSON", status)
            problems = self._reply_problems(op, status, data)
            if problems:
                detail = f"HTTP {status} reply breaks the contract: {'; '.join(problems[:5])}"
                raise BadReply(dept, name, detail, status)
            return data
        if 400 <= status < 500 and status not in _TRANSIENT_4XX:
            if data is not _NOT_JSON and not self._reply_problems(op, status, data):
                fields = tuple(FieldError(f["field"], f["code"]) for f in data.get("fields", []))
                carried = {k: v for k, v in data.items() if k not in ("error", "message", "fields")}
                raise Rejected(dept, name, status, data["error"], fields, carried)
            # not the contract's answer (e.g. a gateway's HTML page): the request was not judged
            raise BadReply(dept, name, f"HTTP {status} without the contract's error body", status)
        raise ServerError(dept, name, f"HTTP {status}", status)

    def _exchange(self, op: Operation, url: str, body: Any, params: dict[str, str] | None,
                  headers: dict[str, str]) -> tuple[int, Any]:
        """Send the request and read the whole reply within the running deadline: (status, JSON or _NOT_JSON)."""
        e = self.endpoint
        response = self._session.request(op.method, url, json=body, params=params, headers=headers,
                                         timeout=(e.connect_timeout_s, e.read_timeout_s),
                                         allow_redirects=False, stream=True)
        try:
            if 300 <= response.status_code < 400:
                return response.status_code, _NOT_JSON
            raw = read_body(response.raw, response.headers.get("Content-Encoding", ""), e.max_reply_bytes)
        finally:
            response.close()
        return response.status_code, _parse_json(raw)

    def _reply_problems(self, op: Operation, status: int, data: Any) -> list[str]:
        try:
            return self._contract.reply_problems(op, status, data)
        except RecursionError:
            return ["reply nested too deeply"]


_NOT_JSON = object()


def _parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested deeper than Python can parse
        return _NOT_JSON


def _worth_retrying(error: BackendError) -> bool:
    if isinstance(error, (TlsError, BadReply)):
        return False
    if isinstance(error, Timeout):
        return error.phase == "connect"
    if isinstance(error, ServerError):
        return error.status in _RETRY_STATUSES
    return isinstance(error, Unreachable)


def _host(url: str) -> str:
    return requests.utils.urlparse(url).netloc


def _build_session(e: Endpoint) -> requests.Session:
    for key in ("ca_file", "client_cert", "client_key"):
        value = getattr(e, key)
        if value and not Path(value).is_file():
            raise EndpointConfigError(f"[backend] {key}: file not found: {value}")
    if bool(e.client_cert) != bool(e.client_key):
        raise EndpointConfigError("[backend] client_cert and client_key must be set together")
    session = requests.Session()
    session.trust_env = False  # the configuration decides: no proxies, CA bundles or netrc from the environment
    adapter = DeadlineAdapter(pool_connections=1, pool_maxsize=4, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.verify = e.ca_file or True
    if e.client_cert:
        session.cert = (e.client_cert, e.client_key)
    session.headers["User-Agent"] = "hall-kiosk/1"
    session.headers["Accept"] = "application/json"
    session.headers["Accept-Encoding"] = "gzip, deflate"  # what read_body decodes, each with a size cap
    if e.terminal_id:
        session.headers["X-Terminal-Id"] = e.terminal_id
    return session


def new_idempotency_key() -> str:
    """A fresh Idempotency-Key (a random UUID)."""
    return str(uuid.uuid4())
