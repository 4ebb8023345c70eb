"""Supervisor pieces that need no port: the reconnect back-off and the public surface."""
import drivers.idcard
from drivers.idcard.supervisor import Backoff


def test_backoff_grows_to_its_maximum_and_resets_after_success():
    backoff = Backoff(0.5, 10.0)
    assert [backoff.next() for _ in range(7)] == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    backoff.reset()
    assert backoff.next() == 0.5


def test_exported_names_are_pinned():
    assert sorted(drivers.idcard.__all__) == sorted([
        "CARD_PLACED", "CARD_REMOVED", "CARD_UNREADABLE", "DEVICE", "Card", "CardInvalid", "CardType",
        "DemoWltDecoder", "DeviceError", "IdCardDevice", "IdCardError", "ReaderSupervisor", "StatusError",
        "VendorWltDecoder", "WltDecodeError", "WltDecoder", "bmp_to_rgb", "from_settings",
    ])
    assert all(hasattr(drivers.idcard, name) for name in drivers.idcard.__all__)
