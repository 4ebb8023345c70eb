"""The kiosk's backends (four departments and the payment platform), built from settings, with the local reference backend when configured.

A base URL of ``"sim"`` (``[backend] base_url`` or a department's own ``*_url``) means "the local
reference backend, started by the kiosk": :meth:`Backends.from_settings` starts ``backend_sim`` in
a child process on a free port (database in ``[backend] sim_data_dir``), logs where it listens,
and stops it in :meth:`Backends.close`.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Mapping

from kiosk.backends.clients import ExitEntryClient, HallClient, PaymentClient, RegistrationClient, TaxClient
from kiosk.backends.contract import Contract, load_contract
from kiosk.backends.errors import DEPARTMENTS
from kiosk.backends.transport import Endpoint, EndpointConfigError, Transport, new_idempotency_key
from kiosk.config import ConfigError, Settings

if TYPE_CHECKING:
    from backend_sim import SimHandle

log = logging.getLogger(__name__)


class Backends:
    """The department clients plus the generic submission call the outbox uses.

    Attributes:
        tax, exit_entry, registration, hall, payment: the typed clients.
        sim: the local reference backend's handle when one was started (``.base_url``, ``.stop()``).
    """

    def __init__(self, transports: Mapping[str, Transport], contract: Contract | None = None,
                 sim: SimHandle | None = None) -> None:
        self._transports = dict(transports)
        self._contract = contract or load_contract()
        self.sim = sim
        self.tax = TaxClient(self._transports["tax"])
        self.exit_entry = ExitEntryClient(self._transports["exit_entry"])
        self.registration = RegistrationClient(self._transports["registration"])
        self.hall = HallClient(self._transports["hall"])
        self.payment = PaymentClient(self._transports["payment"])

    @classmethod
    def from_settings(cls, settings: Settings) -> "Backends":
        """Build every department's transport from ``[backend]``; start the reference backend if a URL is "sim".

        Raises:
            ConfigError: a TLS file named in ``[backend]`` is missing, or cert and key are not both set.
            backend_sim.LaunchError: the reference backend was needed but did not start.
        """
        b = settings.backend
        sim = None
        if any(b.url(d) == "sim" for d in DEPARTMENTS):
            from backend_sim import launch  # only a demo or test set-up needs the reference backend

            sim = launch(settings.path(b.sim_data_dir), latency_ms=b.sim_latency_ms)
            log.info("local reference backend at %s (data %s, log %s)", sim.base_url, sim.data_dir, sim.log_file)

        def endpoint(department: str) -> Endpoint:
            url = b.url(department)
            local = url == "sim"
            return Endpoint(
                department=department, base_url=sim.base_url if local else url,
                ca_file="" if local else _path(settings, b.ca_file),
                client_cert="" if local else _path(settings, b.client_cert),
                client_key="" if local else _path(settings, b.client_key),
                connect_timeout_s=b.connect_timeout_s, read_timeout_s=b.read_timeout_s,
                query_attempts=b.query_attempts, down_hold_s=b.down_hold_s, terminal_id=settings.kiosk.terminal_id,
            )

        try:
            transports = {d: Transport(endpoint(d)) for d in DEPARTMENTS}
        except EndpointConfigError as e:
            if sim is not None:
                sim.stop()
            raise ConfigError(str(e)) from None
        return cls(transports, sim=sim)

    def call(self, op_id: str, body: dict | None = None, *, params: dict[str, str] | None = None,
             idempotency_key: str | None = None) -> dict:
        """Perform any contract operation and return its validated reply (journeys use this; a
        submission without a key gets a fresh one; the ``body`` of a GET operation is sent as its
        query parameters).

        Raises:
            BackendError: as :meth:`Transport.call`.
        """
        op = self._contract.operation(op_id)
        if op.submission and not idempotency_key:
            idempotency_key = new_idempotency_key()
        if op.method == "GET" and body is not None:  # a query's inputs go into its URL (never personal data there)
            params, body = {**{k: str(v) for k, v in body.items()}, **(params or {})}, None
        return self._transports[op.department].call(op_id, body, params=params, idempotency_key=idempotency_key)

    def submit(self, service_id: str, payload: dict, idempotency_key: str) -> dict:
        """Send one submission once (no retry) and return the department's validated reply.

        ``service_id`` is the contract's operation id of a submission, e.g. ``hall.submit_rating``.

        Raises:
            Rejected: refused, final.
            Unreachable, ServerError: try again later with the same key (the outbox does).
        """
        op = self._contract.operation(service_id)
        if not op.submission:
            raise ValueError(f"{service_id} is not a submission")
        return self._transports[op.department].call(service_id, payload, idempotency_key=idempotency_key)

    def up(self) -> dict[str, bool]:
        """``{department: reachable}`` for departments called at least once (what the catalog greys out on)."""
        return {d: t.up for d, t in self._transports.items() if t.up is not None}

    def close(self) -> None:
        """Close all connections; stop the reference backend if this object started it."""
        for transport in self._transports.values():
            transport.close()
        if self.sim is not None:
            self.sim.stop()


def _path(settings: Settings, value: str) -> str:
    return str(settings.path(value)) if value else ""
