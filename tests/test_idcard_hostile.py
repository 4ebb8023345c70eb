"""Card data a forger or a faulty reader could send: non-ASCII digits, control and bidi characters,
photos that would decompress into gigabytes, long new-address replies, the 2023 card's own rules."""
from __future__ import annotations

import struct

import pytest

from drivers.idcard import protocol as p
from drivers.idcard.card import CardType, encode_text_block, parse_card
from drivers.idcard.errors import CardInvalid, MalformedReply
from drivers.idcard.frames import encode_reply
from drivers.idcard.supervisor import ReaderSupervisor
from drivers.idcard.wlt import PHOTO_HEIGHT, PHOTO_WIDTH, DemoWltDecoder, WltDecodeError, bmp_to_rgb
from common.device_status import DeviceState
from common.events import EventBus
from tests.idcard_support import EventRecorder, fixture, write_demo_image
from tests.test_idcard_card import PHOTO, parse
from tests.test_idcard_protocol import reader

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.mark.parametrize("digits", [FULL_WIDTH, ARABIC_INDIC])
def test_id_numbers_and_dates_in_other_scripts_digits_are_refused(digits):
    number = "34052419800101001X".translate(digits)
    with pytest.raises(CardInvalid) as info:
        parse(number=number[:17] + "X")
    assert info.value.reason == "invalid_number"
    with pytest.raises(CardInvalid) as info:
        parse(birth="19800101".translate(digits))
    assert info.value.reason == "bad_field"


@pytest.mark.parametrize("field, value", [
    ("name", "测试\u202e甲"),            # right-to-left override
    ("name", "测\u2066试甲\u2069"),       # isolates
    ("name", "测试\u200d甲"),            # zero-width joiner
    ("address", "测试路\x1b[2J1号"),      # an escape sequence
    ("address", "测试路\r\n1号"),
    ("address", "测试路\0 1号"),          # NUL inside the field (padding is only at the end)
    ("authority", "测试\u2028公安局"),     # line separator
])
def test_control_and_direction_characters_make_the_card_unreadable(field, value):
    with pytest.raises(CardInvalid) as info:
        parse(**{field: value})
    assert info.value.reason == "bad_field" and value not in str(info.value)


def test_trailing_nul_padding_and_rare_characters_still_read():
    card = parse(name="\U00020BB7\u4dae\0\0", address="测试路 1 号\0\0\0")
    assert card.name == "\U00020BB7\u4dae" and card.address == "测试路 1 号"


def _y_card(**changes):
    fields = dict(fixture("foreign_permanent_2023")["fields"], **changes)
    return parse_card(encode_text_block(CardType.FOREIGN_PERMANENT_2023, fields), PHOTO)


def test_the_2023_card_gender_is_checked_against_its_number():
    assert _y_card().gender == "1"
    with pytest.raises(CardInvalid) as info:
        _y_card(gender="2")
    assert info.value.reason == "gender_mismatch"


def test_the_2023_card_previous_card_link_is_read_and_checked():
    card = _y_card()
    assert card.previous_card_link == "A01" and card.to_json_dict()["previous_card_link"] == "A01"
    assert _y_card(previous_card_link="").previous_card_link == ""
    with pytest.raises(CardInvalid) as info:
        _y_card(previous_card_link="a\x01")
    assert info.value.reason == "bad_field"


@pytest.mark.parametrize("size", [70, 96, 128])
def test_new_address_replies_up_to_128_bytes_are_read(size):
    first = "测试路8号".ljust(35).encode("utf-16-le")  # space padded, as the spec says
    block = ("测试路8号".ljust(35) + "另址9号").ljust(size // 2).encode("utf-16-le") if size > 70 else first
    r, _ = reader(encode_reply(0x90, block))
    expected = "测试路8号" if size == 70 else "测试路8号 另址9号"
    assert r.read_new_address() == expected


@pytest.mark.parametrize("size", [129, 140, 71])
def test_new_address_replies_too_long_or_odd_are_malformed(size):
    with pytest.raises(MalformedReply):
        p.decode_new_address(b"\x20\x00" * (size // 2) + b"\x20" * (size % 2))


def _bmp_header(width: int, height: int) -> bytes:
    """A BMP file header claiming ``width`` x ``height`` 24-bit pixels, with no pixels after it."""
    row = (width * 3 + 3) // 4 * 4
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, row * height, 2835, 2835, 0, 0)
    return b"BM" + struct.pack("<IHHI", 54 + row * height, 0, 0, 54) + info


@pytest.mark.parametrize("width, height", [(30_000, 30_000), (12_000, 12_000), (204, 252)])
def test_a_photo_too_big_for_a_card_is_the_decoders_error_before_it_is_decoded(width, height):
    with pytest.raises(WltDecodeError):
        bmp_to_rgb(_bmp_header(width, height) + bytes(64))


def test_a_real_card_photo_still_converts():
    row = (PHOTO_WIDTH * 3 + 3) // 4 * 4
    rgb = bmp_to_rgb(_bmp_header(PHOTO_WIDTH, PHOTO_HEIGHT) + bytes(row * PHOTO_HEIGHT))
    assert rgb.shape == (PHOTO_HEIGHT, PHOTO_WIDTH, 3)


class _BombDecoder:
    name = "bomb"

    def decode(self, wlt: bytes) -> bytes:
        return _bmp_header(30_000, 30_000) + bytes(64)


@pytest.fixture
def sim():
    from drivers.idcard.sim import SimulatedReader
    simulator = SimulatedReader(realistic_delays=False)
    simulator.start()
    yield simulator
    simulator.stop()


def _supervise(sim, decoder):
    bus = EventBus()
    events = EventRecorder(bus)
    supervisor = ReaderSupervisor(sim.port, 0, 0.05, bus, decoder, backoff_initial_s=0.05, backoff_max_s=0.2)
    supervisor.start()
    events.status(DeviceState.ONLINE)
    return supervisor, events


def test_a_photo_bomb_from_the_decoder_leaves_the_card_readable_without_photo(sim):
    supervisor, events = _supervise(sim, _BombDecoder())
    try:
        sim.place("demo_citizen")
        card = events.next("card_placed").payload
        assert card.photo_bmp is None and card.photo_rgb is None
        events.status(DeviceState.ONLINE, reason="photo_decode_failed")
    finally:
        assert supervisor.stop()


def test_the_card_photo_reaches_the_app_already_decoded_in_the_readers_thread(sim, tmp_path):
    write_demo_image(tmp_path)
    supervisor, events = _supervise(sim, DemoWltDecoder(tmp_path))
    try:
        sim.place("demo_citizen")
        card = events.next("card_placed").payload
        assert card.photo_rgb.shape == (PHOTO_HEIGHT, PHOTO_WIDTH, 3)
        rgb = card.photo_rgb
        card.wipe()
        assert card.photo_rgb is None and not rgb.any()
    finally:
        assert supervisor.stop()


def test_a_huge_demo_picture_is_the_decoders_error(tmp_path):
    from PIL import Image
    Image.new("1", (20_000, 20_000)).save(tmp_path / "huge.png")
    with pytest.raises(WltDecodeError):
        DemoWltDecoder(tmp_path).decode(b"WLDEMO\0huge.png\0")
