"""What the home screen learns about a backend: down after a failure, but not for ever."""
import pytest

from kiosk.backends import transport as transport_module
from kiosk.backends.errors import Unreachable
from kiosk.backends.transport import Endpoint, Transport


@pytest.fixture
def closed_port_transport():
    return Transport(Endpoint("tax", "http://127.0.0.1:9", connect_timeout_s=0.5, query_attempts=1, down_hold_s=20))


def test_unknown_before_any_call(closed_port_transport):
    assert closed_port_transport.up is None


def test_down_after_a_failure_then_unknown_again_after_the_hold(closed_port_transport, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(transport_module.time, "monotonic", lambda: now[0])
    with pytest.raises(Unreachable):
        closed_port_transport.call("tax.query_income_records",
                                   {"id_number": "11010519491231002X", "name": "测试", "year_from": 2025, "year_to": 2025})
    assert closed_port_transport.up is False
    now[0] += 19
    assert closed_port_transport.up is False
    now[0] += 2
    assert closed_port_transport.up is None  # the service comes back; the next call decides


def test_the_site_file_sets_how_long_a_failed_department_stays_greyed_out(tmp_path, monkeypatch):
    from kiosk.backends.hub import Backends
    from kiosk.config import ConfigError, load_settings

    site = tmp_path / "site.toml"
    site.write_text('[backend]\nbase_url = "http://127.0.0.1:9"\ndown_hold_s = 15\n', encoding="utf-8")
    backends = Backends.from_settings(load_settings(site))
    now = [1000.0]
    monkeypatch.setattr(transport_module.time, "monotonic", lambda: now[0])
    with pytest.raises(Unreachable):
        backends.call("tax.query_income_records",
                      {"id_number": "11010519491231002X", "name": "测试", "year_from": 2025, "year_to": 2025})
    assert backends.up() == {"tax": False}
    now[0] += 16
    assert backends.up() == {}

    site.write_text('[backend]\ndown_hold_s = 0\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="down_hold_s"):
        load_settings(site)
