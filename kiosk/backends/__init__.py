"""Clients of the departments' backend APIs (the contract is ``api/*.yaml``).

Start with :class:`Backends` (``Backends.from_settings(settings)``): one typed client per
department (``.tax``, ``.exit_entry``, ``.registration``, ``.hall``) and ``.submit()`` for the
outbox. Errors are the small tree in :mod:`kiosk.backends.errors`; results are the dataclasses in
:mod:`kiosk.backends.models`.
"""
from kiosk.backends.contract import Contract, ContractError, Operation, load_contract
from kiosk.backends.errors import (
    BackendError, BadReply, FieldError, Rejected, ServerError, Timeout, TlsError, Unreachable, saved_msgid,
    try_later_msgid,
)
from kiosk.backends.hub import Backends
from kiosk.backends.transport import Endpoint, Transport, new_idempotency_key

__all__ = [
    "BackendError", "Backends", "BadReply", "Contract", "ContractError", "Endpoint", "FieldError", "Operation",
    "Rejected", "ServerError", "Timeout", "TlsError", "Transport", "Unreachable", "load_contract",
    "new_idempotency_key", "saved_msgid", "try_later_msgid",
]
