"""SAM framing: the spec's literal frames, LEN and checksum rules, and the incremental parser."""
import pytest

from drivers.idcard import protocol as p
from drivers.idcard.frames import (
    MAX_FRAME, BadChecksum, Command, FrameParser, Reply, checksum, encode_command, encode_frame, encode_reply,
)


def h(text: str) -> bytes:
    return bytes.fromhex(text)


# The "exact frame" column of the spec's command table.
SPEC_COMMANDS = [
    (p.RESET, None, b"", "AA AA AA 96 69 00 03 10 FF EC"),
    (p.STATUS, None, b"", "AA AA AA 96 69 00 03 11 FF ED"),
    (p.SAM_ID, None, b"", "AA AA AA 96 69 00 03 12 FF EE"),
    (p.FIND, None, b"", "AA AA AA 96 69 00 03 20 01 22"),
    (p.SELECT, None, b"", "AA AA AA 96 69 00 03 20 02 21"),
    (p.READ, None, b"", "AA AA AA 96 69 00 03 30 01 32"),
    (p.READ_NEW_ADDRESS, None, b"", "AA AA AA 96 69 00 03 30 03 30"),
    (p.READ_WITH_FINGERPRINT, None, b"", "AA AA AA 96 69 00 03 30 10 23"),
    (p.SET_BAUD, p.BAUD_CODES[115200], b"", "AA AA AA 96 69 00 03 60 00 63"),
    (p.SET_MAX_RF_BYTES, None, b"\x50", "AA AA AA 96 69 00 04 61 FF 50 CA"),
]


@pytest.mark.parametrize("spec, para, data, frame", SPEC_COMMANDS, ids=[c[0].name for c in SPEC_COMMANDS])
def test_command_frames_match_the_spec_byte_for_byte(spec, para, data, frame):
    assert encode_command(spec.cmd, spec.para if para is None else para, data) == h(frame)


def test_set_baud_codes_follow_the_spec():
    assert p.BAUD_CODES == {115200: 0x00, 57600: 0x01, 38400: 0x02, 19200: 0x03, 9600: 0x04}


def test_spec_status_reply_parses_to_success():
    parser = FrameParser()
    [body] = parser.feed(h("AA AA AA 96 69 00 04 00 00 90 94"))
    assert Reply.from_body(body) == Reply(0, 0, 0x90, b"")


def test_spec_find_reply_parses_to_card_found():
    [body] = FrameParser().feed(h("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97"))
    reply = Reply.from_body(body)
    assert reply.sw3 == p.CARD_FOUND and reply.data == bytes(4)


def test_spec_select_reply_is_len_0c_with_eight_zero_bytes():
    frame = encode_reply(0x90, bytes(8))
    assert frame == h("AA AA AA 96 69 00 0C 00 00 90") + bytes(8) + h("9C")


@pytest.mark.parametrize("sw3", sorted(p.SW3_MEANINGS))
def test_status_only_replies_are_len_4_and_checksum_sw3_xor_04(sw3):
    frame = encode_reply(sw3)
    assert frame == h("AA AA AA 96 69 00 04 00 00") + bytes([sw3, sw3 ^ 0x04])
    assert Reply.from_body(FrameParser().feed(frame)[0]).sw3 == sw3


def test_read_reply_has_the_spec_size_header_and_offsets():
    text, photo = bytes(range(256)), bytes(1024)
    frame = encode_reply(0x90, h("01 00 04 00") + text + photo)
    assert len(frame) == 1295
    assert frame.startswith(h("AA AA AA 96 69 05 08 00 00 90 01 00 04 00"))
    assert frame[14:270] == text and frame[1294] == checksum(frame[5:1294])


def test_fingerprint_read_is_the_largest_frame_and_fits_the_parser():
    frame = encode_reply(0x90, h("01 00 04 00 04 00") + bytes(256 + 1024 + 1024))
    assert len(frame) == MAX_FRAME == 2321 and frame[5:7] == h("09 0A")
    assert len(FrameParser().feed(frame)) == 1
    without = encode_reply(0x90, h("01 00 04 00 00 00") + bytes(256 + 1024))
    assert len(without) == 1297


def test_len_counts_everything_after_it_and_chk_is_xor_from_len_hi():
    frame = encode_frame(b"\x01\x02\x03\x04")
    assert frame[5:7] == b"\x00\x05" and len(frame) == 7 + 5
    assert frame[-1] == 0x00 ^ 0x05 ^ 0x01 ^ 0x02 ^ 0x03 ^ 0x04


def test_frames_beyond_the_protocol_limits_are_not_encoded():
    with pytest.raises(ValueError):
        encode_frame(bytes(MAX_FRAME))


def test_nonzero_sw1_sw2_are_kept_not_rejected():
    [body] = FrameParser().feed(encode_reply(0x41, sw1=0x12, sw2=0x34))
    assert Reply.from_body(body) == Reply(0x12, 0x34, 0x41, b"")


def test_host_frames_parse_to_commands():
    [body] = FrameParser().feed(h("AA AA AA 96 69 00 04 61 FF 50 CA"))
    assert Command.from_body(body) == Command(0x61, 0xFF, b"\x50")


def test_a_frame_split_into_single_bytes_is_reassembled():
    frame = encode_reply(0x90, bytes(range(50)))
    parser = FrameParser()
    items = [item for byte in frame for item in parser.feed(bytes([byte]))]
    assert items == [frame[7:-1]]


def test_garbage_and_half_preambles_before_a_frame_are_skipped():
    frame = encode_reply(0x9F, bytes(4))
    parser = FrameParser()
    assert parser.feed(h("00 13 AA AA 96 69 AA AA AA 96 AA") + frame) == [frame[7:-1]]
    assert parser.discarded == 11


def test_a_false_header_with_impossible_length_is_skipped():
    frame = encode_reply(0x90)
    assert FrameParser().feed(h("AA AA AA 96 69 FF FF") + frame) == [frame[7:-1]]
    assert FrameParser().feed(h("AA AA AA 96 69 00 01") + frame) == [frame[7:-1]]


def test_bad_checksum_is_reported_and_the_next_frame_still_found():
    good = encode_reply(0x90)
    bad = good[:-1] + bytes([good[-1] ^ 1])
    parser = FrameParser()
    assert parser.feed(bad + good) == [BadChecksum(4), good[7:-1]]
    assert parser.bad_checksums == 1


def test_a_real_frame_hidden_inside_a_truncated_one_is_found_by_resynchronising():
    good = encode_reply(0x90, b"ok")
    truncated = encode_reply(0x90, bytes(100))[:40]
    items = FrameParser().feed(truncated + good + bytes(100))
    assert items[-1] == good[7:-1] and all(isinstance(i, BadChecksum) for i in items[:-1])


def test_two_frames_in_one_chunk_both_come_out():
    a, b = encode_reply(0x9F, bytes(4)), encode_reply(0x90, bytes(8))
    assert FrameParser().feed(a + b) == [a[7:-1], b[7:-1]]


def test_buffer_stays_bounded_on_endless_garbage_and_endless_partial_frames():
    parser = FrameParser()
    parser.feed(bytes(100_000))
    assert parser.buffered < 5
    parser.feed(h("AA AA AA 96 69 09 0A") + bytes(5000))  # a max-length header, then never a valid end
    assert parser.buffered < MAX_FRAME


def test_reset_drops_a_partial_frame_and_the_sync_flag():
    parser = FrameParser()
    parser.feed(encode_reply(0x90, bytes(20))[:15])
    assert parser.synced and parser.buffered == 15
    parser.reset()
    assert not parser.synced and parser.buffered == 0


def test_reply_repr_hides_card_data():
    reply = Reply(0, 0, 0x90, "测试".encode("utf-16-le"))
    assert "测" not in repr(reply) and "data bytes" in repr(reply)
