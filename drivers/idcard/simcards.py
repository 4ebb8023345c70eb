"""Cards for the simulator: fixture files of fictional people, turned into the blocks a module sends.

A fixture (``drivers/idcard/fixtures/<name>.json``) names the layout and the field strings as
printed (dates ``YYYYMMDD``, ``valid_to`` may be ``长期``), and optionally a new address, a
fingerprint flag, and ``demo_photo``: an image file under ``assets/demo/`` whose name goes into the
photo block for :class:`drivers.idcard.wlt.DemoWltDecoder`. Other cards get a deterministic fake
WLT block (it starts like real dumps but decodes to nothing).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from drivers.idcard.card import PHOTO_SIZE, CardType, encode_text_block
from drivers.idcard.wlt import DEMO_MARKER

FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"
_WLT_HEADER = bytes.fromhex("574C66007E003200")  # how public WLT dumps begin
_TEMPLATE_SIZE = 512


@dataclass(frozen=True, repr=False)
class SimCard:
    """The blocks a simulated module returns for one card."""

    text: bytes
    photo: bytes
    fingerprint: bytes = b""   # two 512-byte templates, or empty
    new_address: str = ""

    def __repr__(self) -> str:
        return "SimCard(<fictional card data>)"


def fixture_names(fixtures_dir: Path = FIXTURES_DIR) -> list[str]:
    """The names ``place`` accepts, e.g. ``["demo_citizen", "hmt_permit", ...]``."""
    return sorted(p.stem for p in fixtures_dir.glob("*.json"))


def load_fixture(name: str, fixtures_dir: Path = FIXTURES_DIR) -> SimCard:
    """Build the card of fixture ``name``.

    Raises:
        FileNotFoundError: no such fixture.
        ValueError: the fixture does not fit its layout.
    """
    path = fixtures_dir / f"{name}.json"
    if not path.is_file():
        raise FileNotFoundError(f"no card fixture {name!r}; known: {', '.join(fixture_names(fixtures_dir))}")
    spec = json.loads(path.read_text(encoding="utf-8"))
    text = encode_text_block(CardType(spec["card_type"]), spec["fields"])
    seed = hashlib.sha256(text).digest()
    if "demo_photo" in spec:
        photo = (DEMO_MARKER + spec["demo_photo"].encode("ascii") + b"\0").ljust(PHOTO_SIZE, b"\0")
    else:
        photo = (_WLT_HEADER + _stream(seed + b"photo", PHOTO_SIZE))[:PHOTO_SIZE]
    fingerprint = _stream(seed + b"finger", 2 * _TEMPLATE_SIZE) if spec.get("fingerprint") else b""
    return SimCard(text, photo, fingerprint, spec.get("new_address", ""))


def _stream(seed: bytes, size: int) -> bytes:
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(seed + counter.to_bytes(4, "big")).digest()
        counter += 1
    return bytes(out[:size])
