"""What the home screen learns about a backend: down after a failure, but not for ever."""
import pytest

from kiosk.backends import transport as transport_module
from kiosk.backends.errors import Unreachable
from kiosk.backends.transport import DOWN_HOLD_S, Endpoint, Transport


@pytest.fixture
def closed_port_transport():
    return Transport(Endpoint("tax", "http://127.0.0.1:9", connect_timeout_s=0.5, query_attempts=1))


def test_unknown_before_any_call(closed_port_transport):
    assert closed_port_transport.up is None


def test_down_after_a_failure_then_unknown_again_after_the_hold(closed_port_transport, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(transport_module.time, "monotonic", lambda: now[0])
    with pytest.raises(Unreachable):
        closed_port_transport.call("tax.query_income_records",
                                   {"id_number": "11010519491231002X", "name": "测试", "year_from": 2025, "year_to": 2025})
    assert closed_port_transport.up is False
    now[0] += DOWN_HOLD_S - 1
    assert closed_port_transport.up is False
    now[0] += 2
    assert closed_port_transport.up is None  # the service comes back; the next call decides
