"""Photo decoders: the demo decoder gives a real 102x126 24-bit BMP, the vendor decoder loads a
library through ctypes and fails clearly without one."""
import shutil
import struct
import subprocess

import numpy as np
import pytest

from drivers.idcard.simcards import load_fixture
from drivers.idcard.wlt import (
    BMP_SIZE, DEMO_MARKER, DemoWltDecoder, VendorWltDecoder, WltDecodeError, bmp_to_rgb, load_decoder,
)
from tests.idcard_support import write_demo_image


def demo_block(file_name: str) -> bytes:
    return (DEMO_MARKER + file_name.encode() + b"\0").ljust(1024, b"\0")


def test_demo_decoder_returns_a_102x126_24_bit_bmp_of_the_named_image(tmp_path):
    write_demo_image(tmp_path)
    bmp = DemoWltDecoder(tmp_path).decode(demo_block("citizen.png"))
    width, height, _, bits = struct.unpack_from("<iiHH", bmp, 18)
    assert bmp[:2] == b"BM" and len(bmp) == BMP_SIZE == 38_862
    assert (width, abs(height), bits) == (102, 126, 24)
    rgb = bmp_to_rgb(bmp)
    assert rgb.shape == (126, 102, 3) and rgb.dtype == np.uint8
    assert tuple(rgb[60, 50]) == (200, 150, 120)


def test_the_demo_citizen_fixture_names_citizen_png(tmp_path):
    write_demo_image(tmp_path)
    photo = load_fixture("demo_citizen").photo
    assert len(photo) == 1024 and photo.startswith(DEMO_MARKER)
    assert bmp_to_rgb(DemoWltDecoder(tmp_path).decode(photo)).shape == (126, 102, 3)


def test_demo_decoder_refuses_real_wlt_blocks(tmp_path):
    real_like = load_fixture("resident").photo
    assert real_like.startswith(bytes.fromhex("574C66007E003200"))
    with pytest.raises(WltDecodeError, match="cannot decode real cards"):
        DemoWltDecoder(tmp_path).decode(real_like)


@pytest.mark.parametrize("name", ["missing.png", "../citizen.png", "/etc/passwd"])
def test_demo_decoder_only_opens_existing_files_inside_its_directory(tmp_path, name):
    (tmp_path / "assets").mkdir()
    write_demo_image(tmp_path)  # one level up: must not be reachable
    with pytest.raises(WltDecodeError, match="not found"):
        DemoWltDecoder(tmp_path / "assets").decode(demo_block(name))


def test_a_broken_demo_image_is_a_decode_error(tmp_path):
    (tmp_path / "citizen.png").write_bytes(b"not an image")
    with pytest.raises(WltDecodeError, match="cannot be read"):
        DemoWltDecoder(tmp_path).decode(demo_block("citizen.png"))


def test_vendor_decoder_without_a_library_says_what_to_configure(tmp_path):
    with pytest.raises(WltDecodeError, match="does not exist.*wlt_decoder"):
        VendorWltDecoder(tmp_path / "libwlt2bmp.so")


def test_vendor_decoder_with_an_unloadable_file_says_so(tmp_path):
    bogus = tmp_path / "libwlt2bmp.so"
    bogus.write_text("not a shared library")
    with pytest.raises(WltDecodeError, match="cannot load"):
        VendorWltDecoder(bogus)


FAKE_VENDOR_C = r"""
#include <string.h>
/* Stands in for a vendor library: a white 102x126 BMP, or failure when the block starts with 0xFF. */
int wlt2bmp(const unsigned char *wlt, unsigned char *bmp, int flags) {
    static const unsigned char head[54] = {'B','M', 0xCE,0x97,0,0, 0,0,0,0, 54,0,0,0, 40,0,0,0,
        102,0,0,0, 126,0,0,0, 1,0, 24,0, 0,0,0,0, 0x98,0x97,0,0, 0,0,0,0, 0,0,0,0, 0,0,0,0, 0,0,0,0};
    if (wlt[0] == 0xFF) return -3;
    memcpy(bmp, head, 54);
    memset(bmp + 54, 0xFF, 38862 - 54);
    return 1;
}
"""


@pytest.fixture
def fake_vendor_library(tmp_path):
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("no C compiler to build a stand-in vendor library")
    source, library = tmp_path / "fake.c", tmp_path / "libwlt2bmp.so"
    source.write_text(FAKE_VENDOR_C)
    subprocess.run([compiler, "-shared", "-fPIC", "-o", str(library), str(source)], check=True)
    return library


def test_vendor_decoder_calls_the_documented_entry_point(fake_vendor_library):
    decoder = VendorWltDecoder(fake_vendor_library)
    rgb = bmp_to_rgb(decoder.decode(bytes(1024)))
    assert rgb.shape == (126, 102, 3) and rgb.min() == 255
    with pytest.raises(WltDecodeError, match="returned -3"):
        decoder.decode(b"\xFF" + bytes(1023))


def test_vendor_decoder_without_the_entry_point_names_it(fake_vendor_library):
    with pytest.raises(WltDecodeError, match="no function 'unpack'"):
        VendorWltDecoder(fake_vendor_library, symbol="unpack")


def test_load_decoder_follows_the_setting(fake_vendor_library):
    assert load_decoder("") is None
    assert isinstance(load_decoder("demo"), DemoWltDecoder)
    assert isinstance(load_decoder(str(fake_vendor_library)), VendorWltDecoder)


def test_bmp_to_rgb_rejects_non_images():
    with pytest.raises(WltDecodeError):
        bmp_to_rgb(b"BM not really")
