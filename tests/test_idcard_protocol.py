"""The command/response layer over a scripted in-memory transport: SW3 handling, reply layouts,
timeouts, checksum failures, foreign devices and line-speed probing."""
import threading

import pytest

from drivers.idcard import protocol as p
from drivers.idcard.errors import (
    ChecksumError, MalformedReply, ReplyTimeout, StatusError, UnsupportedDevice,
)
from drivers.idcard.frames import encode_reply
from drivers.idcard.reader import IdCardReader, probe_rates

QUICK = 0.1  # a short timeout for commands that are meant to time out


class ScriptedTransport:
    """Answers each written frame with the next scripted reply (bytes, or a list of chunks)."""

    def __init__(self, *replies, baud: int = 115200) -> None:
        self.replies = list(replies)
        self.written: list[bytes] = []
        self.baud = baud
        self.bauds: list[int] = []
        self._pending: list[bytes] = []
        self._silence = threading.Event()  # never set: an empty line really waits

    def write(self, data: bytes) -> None:
        self.written.append(data)
        self.bauds.append(self.baud)
        reply = self.replies.pop(0) if self.replies else b""
        self._pending = list(reply) if isinstance(reply, list) else [reply]

    def read(self, timeout: float) -> bytes:
        while self._pending:
            chunk = self._pending.pop(0)
            if chunk:
                return chunk
        self._silence.wait(timeout)
        return b""

    def discard_input(self) -> None:
        pass

    def set_baud(self, baud: int) -> None:
        self.baud = baud

    def cancel(self) -> None:
        pass

    def close(self) -> None:
        pass


def reader(*replies) -> tuple[IdCardReader, ScriptedTransport]:
    transport = ScriptedTransport(*replies)
    return IdCardReader(transport), transport


FAILURES = sorted(set(p.SW3_MEANINGS) - {0x90, 0x91, 0x9F, 0x80, 0x81})


@pytest.mark.parametrize("sw3", FAILURES, ids=[f"{c:02X}" for c in FAILURES])
def test_every_failure_sw3_raises_status_error_with_its_meaning(sw3):
    r, _ = reader(encode_reply(sw3))
    with pytest.raises(StatusError) as info:
        r.status()
    assert info.value.sw3 == sw3
    assert f"SW3 0x{sw3:02X}" in str(info.value) and p.SW3_MEANINGS[sw3] in str(info.value)
    assert str(info.value).startswith("SAM status:")


def test_unknown_sw3_is_still_an_error_with_a_message():
    r, _ = reader(encode_reply(0x55))
    with pytest.raises(StatusError, match="unknown status"):
        r.status()


def test_sam_self_test_failure_is_sw3_60():
    r, _ = reader(encode_reply(0x60))
    with pytest.raises(StatusError) as info:
        r.status()
    assert info.value.sw3 == p.SAM_SELF_TEST_FAILED and "self-test" in str(info.value)


def test_find_answers_9f_or_80_and_each_command_is_one_write_of_the_spec_frame():
    r, t = reader(encode_reply(0x9F, bytes(4)), encode_reply(0x80))
    assert r.find() is True and r.find() is False
    assert t.written == [bytes.fromhex("AAAAAA9669000320 0122".replace(" ", ""))] * 2


def test_select_answers_90_or_81():
    r, _ = reader(encode_reply(0x90, bytes(8)), encode_reply(0x81))
    assert r.select() is True and r.select() is False


def test_read_splits_blocks_by_the_length_fields():
    text, photo = bytes(range(256)), bytes(range(256)) * 4
    r, t = reader(encode_reply(0x90, bytes.fromhex("01000400") + text + photo))
    blocks = r.read()
    assert (blocks.text, blocks.photo, blocks.fingerprint) == (text, photo, b"")
    assert t.written == [bytes.fromhex("AAAAAA96690003300132")]


def test_read_with_fingerprint_uses_the_third_length_which_may_be_zero():
    text, photo, finger = bytes(256), bytes(1024), bytes(range(256)) * 4
    r, _ = reader(encode_reply(0x90, bytes.fromhex("010004000400") + text + photo + finger),
                  encode_reply(0x90, bytes.fromhex("010004000000") + text + photo))
    assert r.read(with_fingerprint=True).fingerprint == finger
    assert r.read(with_fingerprint=True).fingerprint == b""


def test_lengths_that_do_not_add_up_are_a_malformed_reply():
    r, _ = reader(encode_reply(0x90, bytes.fromhex("01000400") + bytes(256)))
    with pytest.raises(MalformedReply):
        r.read()


def test_new_address_is_utf16_text_or_empty_on_sw3_91():
    block = "测试路8号".ljust(35).encode("utf-16-le")
    r, t = reader(encode_reply(0x90, block), encode_reply(0x91))
    assert r.read_new_address() == "测试路8号"
    assert r.read_new_address() == ""
    assert t.written[0] == bytes.fromhex("AAAAAA96690003300330")


def test_sam_id_is_sixteen_raw_bytes():
    r, _ = reader(encode_reply(0x90, bytes(range(16))), encode_reply(0x90, bytes(15)))
    assert r.sam_id() == bytes(range(16))
    with pytest.raises(MalformedReply):
        r.sam_id()


def test_set_baud_switches_our_side_only_after_the_module_agreed():
    r, t = reader(encode_reply(0x90), encode_reply(0x21))
    r.set_baud(9600)
    assert t.written[0] == bytes.fromhex("AAAAAA96690003600467") and t.baud == 9600
    with pytest.raises(StatusError):
        r.set_baud(115200)
    assert t.baud == 9600
    with pytest.raises(ValueError):
        r.set_baud(4800)


def test_set_max_rf_bytes_sends_the_spec_frame():
    r, t = reader(encode_reply(0x90))
    r.set_max_rf_bytes(0x50)
    assert t.written == [bytes.fromhex("AAAAAA9669000461FF50CA")]


def test_a_reply_in_one_byte_chunks_after_garbage_is_received():
    frame = encode_reply(0x9F, bytes(4))
    r, _ = reader([b"\x00\x13\xAA"] + [bytes([b]) for b in frame])
    assert r.find() is True


def test_a_bad_checksum_fails_fast_instead_of_waiting_for_the_timeout():
    frame = encode_reply(0x90)
    r, _ = reader(frame[:-1] + bytes([frame[-1] ^ 0xFF]))
    with pytest.raises(ChecksumError):
        r.transact(p.CommandSpec("slow read", 0x30, 0x01, timeout_s=30.0))  # would hang the test if it waited


def test_a_false_header_swallowing_the_reply_is_resolved_by_resynchronising():
    real = encode_reply(0x90, bytes(8))
    r, _ = reader([bytes.fromhex("AAAAAA9669000A"), real])  # claims 10 more bytes: eats the real frame's start
    assert r.select() is True


def test_bytes_that_are_not_sam_framing_mean_an_unsupported_device():
    r, _ = reader(b"\x02\x00\x07STATUS?\x03")
    with pytest.raises(UnsupportedDevice, match="raw SAM protocol"):
        r.transact(p.CommandSpec("SAM status", 0x11, 0xFF, QUICK))


def test_silence_and_truncated_replies_time_out_with_different_messages():
    r, _ = reader(b"", encode_reply(0x90, bytes(8))[:9])
    spec = p.CommandSpec("find card", 0x20, 0x01, QUICK)
    with pytest.raises(ReplyTimeout, match="no reply"):
        r.transact(spec)
    with pytest.raises(ReplyTimeout, match="incomplete reply"):
        r.transact(spec)


def test_a_stale_partial_reply_does_not_spoil_the_next_command():
    r, _ = reader(encode_reply(0x90, bytes(8))[:9], encode_reply(0x9F, bytes(4)))
    with pytest.raises(ReplyTimeout):
        r.transact(p.CommandSpec("select card", 0x20, 0x02, QUICK))
    assert r.find() is True


def test_probe_tries_115200_then_9600_and_prefers_a_real_answer_to_silence():
    r, t = reader(b"", encode_reply(0x90))
    assert r.probe(probe_rates(0)) == 9600
    assert t.bauds == [115200, 9600]
    r, t = reader(b"\x00garbage\xff", b"")
    r.transport.baud = 115200
    with pytest.raises(UnsupportedDevice):
        r.probe((115200, 9600))


def test_probe_order_puts_the_last_good_rate_first_and_a_fixed_rate_alone():
    assert probe_rates(0) == (115200, 9600)
    assert probe_rates(0, first=9600) == (9600, 115200)
    assert probe_rates(9600, first=115200) == (9600,)
