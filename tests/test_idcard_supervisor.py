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


def test_every_unreadable_reason_the_driver_emits_has_a_citizen_message():
    from drivers.idcard import messages
    from drivers.idcard.errors import ChecksumError, MalformedReply, ReplyTimeout, StatusError
    from drivers.idcard.supervisor import _read_failure_reason

    data_rules = {"bad_layout", "unknown_card_type", "bad_field", "invalid_number", "birth_date_mismatch",
                  "gender_mismatch"}
    read_failures = {_read_failure_reason(e) for e in [
        ChecksumError("x"), ReplyTimeout("x"), MalformedReply("x"),
        *(StatusError("read", sw3, "x") for sw3 in (0x31, 0x32, 0x33, 0x40, 0x41, 0x47))]}
    for reason in data_rules | read_failures:
        assert reason in messages._BY_REASON, reason
    assert messages.unreadable_message("invalid_number") == messages.NOT_VERIFIED
    assert messages.unreadable_message("checksum") == messages.PLACE_AGAIN
