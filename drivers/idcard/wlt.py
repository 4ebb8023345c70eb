"""Decoding the card photo: the pluggable WLT decoder.

The 1024-byte photo block is in the proprietary "WLT" compression; no open decoder exists, so
production loads the reader vendor's licensed library (:class:`VendorWltDecoder`). Without one the
card is still read, ``Card.photo_bmp`` stays None and the supervisor's status says so: the kiosk
never pretends a photo was decoded. :class:`DemoWltDecoder` only understands the simulator's demo
photo blocks, so the demo can run face matching end to end.
"""
from __future__ import annotations

import ctypes
import io
import warnings
from pathlib import Path
from typing import Protocol

import numpy as np
from PIL import Image, ImageOps

from drivers.idcard.errors import IdCardError

PHOTO_WIDTH, PHOTO_HEIGHT = 102, 126
BMP_SIZE = 38_862          # 54-byte header + 126 rows of 102 * 3 bytes padded to 308
DEMO_MARKER = b"WLDEMO\0"  # the simulator's demo photo block: marker, image file name, NUL
DEMO_ASSETS = Path(__file__).resolve().parents[2] / "assets" / "demo"


class WltDecodeError(IdCardError):
    """The photo could not be decoded (no personal data in the message)."""


class WltDecoder(Protocol):
    """Turns a card's 1024-byte WLT photo block into a 102x126 24-bit BMP file (38,862 bytes)."""

    name: str  # for status details, e.g. "vendor:/opt/reader/libwlt2bmp.so"

    def decode(self, wlt: bytes) -> bytes:
        """Decode one photo block. Raises :class:`WltDecodeError`."""


class VendorWltDecoder:
    """The reader vendor's licensed decoder, loaded with ctypes.

    Expected C entry point (the common ``libwlt2bmp.so`` shape; a site whose library differs
    adds a small shim library with this signature)::

        int wlt2bmp(const unsigned char *wlt,  /* in: the 1024-byte photo block            */
                    unsigned char *bmp,        /* out: 38,862 bytes, a complete BMP file     */
                    int flags);                /* passed through, 0 unless the vendor says   */
                                               /* returns 1 on success                       */

    Some vendors also need a licence file next to the library; that is the vendor's setup.

    Args:
        path: the shared library file.
        symbol: the entry point's name.
        flags: the third argument.
        success: the return value meaning success.

    Raises:
        WltDecodeError: the library is missing, cannot be loaded or lacks the entry point.
    """

    def __init__(self, path: str | Path, symbol: str = "wlt2bmp", flags: int = 0, success: int = 1) -> None:
        self.name = f"vendor:{path}"
        if not Path(path).is_file():
            raise WltDecodeError(f"WLT decoder library {path} does not exist; check [idcard] wlt_decoder")
        try:
            library = ctypes.CDLL(str(path))
            self._decode = getattr(library, symbol)
        except OSError as e:
            raise WltDecodeError(f"cannot load WLT decoder library {path}: {e}") from e
        except AttributeError:
            raise WltDecodeError(f"WLT decoder library {path} has no function {symbol!r}") from None
        self._decode.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int]
        self._decode.restype = ctypes.c_int
        self._flags = flags
        self._success = success

    def decode(self, wlt: bytes) -> bytes:
        out = ctypes.create_string_buffer(BMP_SIZE)
        result = self._decode(bytes(wlt), out, self._flags)
        if result != self._success:
            raise WltDecodeError(f"the vendor decoder returned {result}")
        bmp = out.raw
        ctypes.memset(out, 0, BMP_SIZE)  # do not leave a face in a buffer we no longer own
        if not bmp.startswith(b"BM"):
            raise WltDecodeError("the vendor decoder did not return a BMP file")
        return bmp


class DemoWltDecoder:
    """Decodes only the simulator's demo photo blocks: ``WLDEMO\\0`` + an image file name + NUL.

    The named image (under ``assets_dir``) is cropped to the card photo's aspect ratio and
    returned as a real 102x126 24-bit BMP, like a vendor decoder's output.

    Args:
        assets_dir: where the demo images live (``assets/demo`` by default).
    """

    name = "demo"

    def __init__(self, assets_dir: str | Path = DEMO_ASSETS) -> None:
        self.assets_dir = Path(assets_dir)

    def decode(self, wlt: bytes) -> bytes:
        if not bytes(wlt).startswith(DEMO_MARKER):
            raise WltDecodeError("not a demo photo block: the demo decoder cannot decode real cards")
        file_name = bytes(wlt[len(DEMO_MARKER):]).split(b"\0", 1)[0].decode("ascii", "replace")
        path = self.assets_dir / file_name
        if Path(file_name).name != file_name or not path.is_file():
            raise WltDecodeError(f"demo image {file_name!r} not found in {self.assets_dir}")
        try:
            with _bounded_open(path) as image:
                photo = ImageOps.fit(image.convert("RGB"), (PHOTO_WIDTH, PHOTO_HEIGHT))
        except (OSError, Image.DecompressionBombError) as e:
            raise WltDecodeError(f"demo image {file_name!r} cannot be read: {type(e).__name__}") from None
        out = io.BytesIO()
        photo.save(out, format="BMP")
        return out.getvalue()


def load_decoder(setting: str) -> WltDecoder | None:
    """The decoder for the ``[idcard] wlt_decoder`` setting: "" none, "demo", or a library path.

    Raises:
        WltDecodeError: the configured library cannot be loaded.
    """
    if not setting:
        return None
    if setting == "demo":
        return DemoWltDecoder()
    return VendorWltDecoder(setting)


_DEMO_MAX_PIXELS = 4096 * 4096  # a demo picture larger than this is refused before it is decoded


def _bounded_open(source, max_pixels: int = _DEMO_MAX_PIXELS) -> Image.Image:
    """``Image.open`` that refuses oversized images from their header, before any pixel is decoded.

    Pillow's own guard only warns up to twice ``MAX_IMAGE_PIXELS`` (and then raises its own
    ``DecompressionBombError``, no ``OSError``); here both become an ``OSError`` subclass early.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(source)
        except Image.DecompressionBombWarning as e:
            raise Image.DecompressionBombError(str(e)) from None
    if image.width * image.height > max_pixels:
        image.close()
        raise Image.DecompressionBombError(f"{image.width}x{image.height} pixels")
    return image


def bmp_to_rgb(bmp: bytes) -> np.ndarray:
    """A decoded card photo as an (H, W, 3) uint8 RGB array (for the face module).

    Runs where the photo is decoded (the reader's thread), never on the UI thread.

    Raises:
        WltDecodeError: the bytes are not an image, or not a card photo's size (a decompression
            bomb is refused from its header, before it is decoded).
    """
    try:
        with _bounded_open(io.BytesIO(bytes(bmp)), PHOTO_WIDTH * PHOTO_HEIGHT) as image:
            if image.size != (PHOTO_WIDTH, PHOTO_HEIGHT):
                raise WltDecodeError(f"the photo is {image.width}x{image.height}, not {PHOTO_WIDTH}x{PHOTO_HEIGHT}")
            return np.asarray(image.convert("RGB"), dtype=np.uint8).copy()
    except (OSError, Image.DecompressionBombError) as e:
        raise WltDecodeError(f"the photo is not a readable card photo ({type(e).__name__})") from None
