"""The public surface of the backend clients, the outbox and the reference backend is what the docs say."""
import backend_sim
import kiosk.backends
import kiosk.outbox


def test_backend_clients_exports():
    assert sorted(kiosk.backends.__all__) == [
        "BackendError", "Backends", "BadReply", "Contract", "ContractError", "Endpoint", "FieldError", "Operation",
        "Rejected", "ServerError", "Timeout", "TlsError", "Transport", "Unreachable", "load_contract",
        "new_idempotency_key", "saved_msgid", "try_later_msgid",
    ]


def test_outbox_exports():
    assert sorted(kiosk.outbox.__all__) == [
        "Delivery", "KeyFileError", "Outbox", "OutboxError", "OutboxStatus", "Outcome", "RejectedItem", "Sender",
    ]


def test_reference_backend_exports():
    assert sorted(backend_sim.__all__) == ["LaunchError", "SimHandle", "launch"]


def test_every_export_exists():
    for module in (kiosk.backends, kiosk.outbox, backend_sim):
        for name in module.__all__:
            assert getattr(module, name) is not None, f"{module.__name__}.{name}"
