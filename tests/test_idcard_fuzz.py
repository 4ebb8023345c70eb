"""Fuzzing the frame parser: arbitrary bytes in arbitrary chunks never crash it, never make it
hold more than one frame, and never hide a real frame that follows line noise."""
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.idcard.frames import MAX_FRAME, PREAMBLE, BadChecksum, FrameParser, encode_reply

garbage = st.binary(max_size=3000)
noise_without_preamble = st.binary(max_size=600).filter(lambda b: PREAMBLE not in b)
# Bytes biased towards the preamble's bytes, so false headers and half preambles are common.
framing_soup = st.lists(st.sampled_from([b"\xAA", b"\x96", b"\x69", b"\x00", b"\x09\x0A", b"\xFF", PREAMBLE]),
                        max_size=400).map(b"".join)


def chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    return [data[a:b] for a, b in zip([0] + points, points + [len(data)])]


def feed_all(parser: FrameParser, chunks: list[bytes]) -> list:
    items = []
    for chunk in chunks:
        items += parser.feed(chunk)
        assert parser.buffered < MAX_FRAME
    return items


@settings(max_examples=300, deadline=None)
@given(data=st.one_of(garbage, framing_soup), cuts=st.lists(st.integers(0, 10_000), max_size=30))
def test_arbitrary_bytes_never_crash_and_stay_bounded(data, cuts):
    items = feed_all(FrameParser(), chunked(data, cuts))
    assert all(isinstance(i, (bytes, BadChecksum)) for i in items)


@settings(max_examples=300, deadline=None)
@given(data=st.one_of(garbage, framing_soup), cuts=st.lists(st.integers(0, 10_000), max_size=30))
def test_chunking_never_changes_the_result(data, cuts):
    assert feed_all(FrameParser(), chunked(data, cuts)) == FrameParser().feed(data)


@settings(max_examples=300, deadline=None)
@given(noise=st.one_of(noise_without_preamble, framing_soup.filter(lambda b: PREAMBLE not in b)),
       payload=st.binary(max_size=1300), sw3=st.integers(0, 255), cuts=st.lists(st.integers(0, 10_000), max_size=20))
def test_a_frame_after_noise_is_always_found(noise, payload, sw3, cuts):
    frame = encode_reply(sw3, payload)
    items = feed_all(FrameParser(), chunked(noise + frame, cuts))
    assert items == [frame[7:-1]]


@settings(max_examples=300, deadline=None)
@given(data=st.one_of(garbage, framing_soup))
def test_no_input_leaves_the_parser_waiting_forever(data):
    """Whatever came before (even a false header swallowing the next frame), once more bytes than the
    largest frame have arrived the parser holds nothing: it never waits forever for a frame."""
    frame = encode_reply(0x90, b"real")
    parser = FrameParser()
    items = feed_all(parser, [data, frame, bytes(MAX_FRAME)])
    assert parser.buffered < len(PREAMBLE)
    if PREAMBLE not in data:
        assert frame[7:-1] in items
