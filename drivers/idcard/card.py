"""The card model and the 256-byte text block of all four card layouts (pure; no I/O).

:func:`parse_card` turns the text and photo blocks of a read into a validated :class:`Card`, or
raises :class:`~drivers.idcard.errors.CardInvalid` whose ``reason`` names the rule that failed
(never a value). :func:`encode_text_block` is the inverse, used by the simulator.

Layouts (byte offsets in the UTF-16LE block) follow ``shared/specs/idcard-sam-protocol.md``; the
card type is the character at offset 248.
"""
from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass, field, fields
from datetime import date

import numpy as np

from drivers.idcard.errors import CardInvalid

TEXT_SIZE = 256
PHOTO_SIZE = 1024
LONG_TERM = "长期"                          # "valid to" text of a card that never expires
_FLAG_OFFSET = 248


class CardType(enum.Enum):
    """The four card layouts; the value is the ``card_type`` word of the JSON output."""

    RESIDENT = "resident"                              # 居民身份证
    HMT_RESIDENCE_PERMIT = "hmt_residence_permit"      # 港澳台居民居住证 (flag J)
    FOREIGN_PERMANENT = "foreign_permanent"            # 外国人永久居留身份证, 2017 (flag I)
    FOREIGN_PERMANENT_2023 = "foreign_permanent_2023"  # 外国人永久居留身份证, 2023 (flag Y)


_FLAGS = {" ": CardType.RESIDENT, "J": CardType.HMT_RESIDENCE_PERMIT,
          "I": CardType.FOREIGN_PERMANENT, "Y": CardType.FOREIGN_PERMANENT_2023}
FLAG_OF = {card_type: flag for flag, card_type in _FLAGS.items()}

_RESIDENT = {
    "name": (0, 30), "gender": (30, 2), "nation": (32, 4), "birth_date": (36, 16), "address": (52, 70),
    "id_number": (122, 36), "authority": (158, 30), "valid_from": (188, 16), "valid_to": (204, 16),
}
# field -> (offset, size in bytes)
LAYOUTS: dict[CardType, dict[str, tuple[int, int]]] = {
    CardType.RESIDENT: _RESIDENT,
    CardType.HMT_RESIDENCE_PERMIT: {**_RESIDENT, "pass_number": (220, 18), "issue_count": (238, 4)},
    CardType.FOREIGN_PERMANENT: {
        "english_name": (0, 120), "gender": (120, 2), "id_number": (122, 30), "nationality": (152, 6),
        "name": (158, 30), "valid_from": (188, 16), "valid_to": (204, 16), "birth_date": (220, 16),
        "card_version": (236, 4), "authority": (240, 8),
    },
    CardType.FOREIGN_PERMANENT_2023: {
        "name": (0, 30), "gender": (30, 2), "issue_count": (32, 4), "birth_date": (36, 16),
        "english_name": (52, 70), "id_number": (122, 36), "valid_from": (188, 16), "valid_to": (204, 16),
        "english_name_2": (220, 22), "nationality": (242, 6), "previous_card_link": (250, 6),
    },
}

# The JSON keys of each layout beyond the common ones (exactly those the layout carries).
_EXTRA_KEYS = {
    CardType.RESIDENT: (),
    CardType.HMT_RESIDENCE_PERMIT: ("pass_number", "issue_count"),
    CardType.FOREIGN_PERMANENT: ("english_name", "nationality"),
    CardType.FOREIGN_PERMANENT_2023: ("english_name", "nationality", "issue_count", "previous_card_link"),
}

GENDERS = {"0": "未知", "1": "男", "2": "女", "9": "未说明"}  # GB/T 2261.1
NATIONS = dict(zip(  # GB 3304
    [f"{n:02d}" for n in range(1, 57)] + ["97", "98"],
    "汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 东乡 纳西 景颇 "
    "柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 "
    "塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺 其他 外国血统中国籍人士".split(),
    strict=True,
))

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
# ASCII digits only: \d also matches full-width and other scripts' digits, which int() accepts but no
# card carries and the backends' contract (and every department) refuses.
_ID18 = re.compile(r"[0-9]{17}[0-9X]")
_PERMIT_2017 = re.compile(r"[A-Z]{3}[0-9]{12}")
_LINK = re.compile(r"[0-9A-Z]{0,3}")
# Unicode categories no field of a genuine card holds: controls (NUL inside a field, ESC, CR...),
# format characters (the bidi overrides U+202A-202E and isolates U+2066-2069 that make text display
# in another order than it is stored, zero-width characters) and line/paragraph separators.
_FORBIDDEN_CATEGORIES = {"Cc", "Cf", "Zl", "Zp"}


def check_character(first17: str) -> str:
    """The GB 11643 (ISO 7064 MOD 11-2) check character of the first 17 digits of an ID number."""
    return _CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def id_number_valid(number: str) -> bool:
    """True when ``number`` has 18 characters and a correct check character."""
    return bool(_ID18.fullmatch(number)) and check_character(number[:17]) == number[17]


@dataclass(repr=False)
class Card:
    """One card as read from the reader, validated.

    Every attribute except ``card_type`` is personal data: the repr hides it, and :meth:`wipe`
    drops it (overwriting the photo bytes) when the citizen's session ends.

    Attributes:
        card_type: the layout.
        name: the Chinese name ("" on a foreigner's card without one).
        gender: GB/T 2261.1 code as a string: "0", "1" (male), "2" (female), "9".
        nation: GB 3304 code, two digits ("" on cards without one).
        birth_date, valid_from: dates.
        valid_to: the expiry date, or None for a long-term (长期) card.
        address, authority: as printed ("" where the layout has none).
        id_number: the ID number (resident, J), or the permanent residence number (I, Y).
        pass_number, issue_count: J cards (issue_count is the renewal count on Y cards).
        english_name, nationality: I and Y cards (nationality: GB/T 2659 code).
        previous_card_link: Y cards: the link to the holder's previous card (up to three letters or
            digits, "" when none), as read.
        new_address: the address added after issue (read separately), "" if none.
        photo_wlt: the raw 1024-byte WLT photo block (a bytearray so :meth:`wipe` can overwrite it).
        photo_bmp: the decoded 102x126 24-bit BMP, or None when no decoder is installed or it failed.
        photo_rgb: the same photo as a (126, 102, 3) RGB array for face matching, decoded in the
            reader's thread; None whenever ``photo_bmp`` is.
    """

    card_type: CardType
    name: str
    gender: str
    nation: str
    birth_date: date
    address: str
    id_number: str
    authority: str
    valid_from: date
    valid_to: date | None
    pass_number: str = ""
    issue_count: str = ""
    english_name: str = ""
    nationality: str = ""
    previous_card_link: str = ""
    new_address: str = ""
    photo_wlt: bytearray = field(default_factory=bytearray)
    photo_bmp: bytearray | None = None
    photo_rgb: np.ndarray | None = None

    def __repr__(self) -> str:
        return f"Card(card_type={self.card_type.value!r}, <personal data hidden>)"

    __str__ = __repr__

    @property
    def gender_name(self) -> str:
        return GENDERS.get(self.gender, "")

    @property
    def nation_name(self) -> str:
        return NATIONS.get(self.nation, "")

    def expired(self, today: date) -> bool:
        """True when the card's validity ended before ``today`` (a long-term card never expires)."""
        return self.valid_to is not None and today > self.valid_to

    def to_json_dict(self) -> dict[str, str]:
        """The fields of the technician CLI's JSON output (no photo): common keys, then the layout's own."""
        out = {
            "card_type": self.card_type.value,
            "name": self.name,
            "gender": self.gender,
            "nation": self.nation,
            "birth_date": self.birth_date.isoformat(),
            "address": self.address,
            "id_number": self.id_number,
            "authority": self.authority,
            "valid_from": self.valid_from.isoformat(),
            "valid_to": self.valid_to.isoformat() if self.valid_to else LONG_TERM,
        }
        for key in _EXTRA_KEYS[self.card_type]:
            out[key] = getattr(self, key)
        return out

    def wipe(self) -> None:
        """Overwrite the photo buffers and drop every field (called at session end)."""
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bytearray):
                value[:] = bytes(len(value))
                value.clear()
            elif isinstance(value, np.ndarray):
                value.fill(0)
                setattr(self, f.name, None)
            elif isinstance(value, str):
                setattr(self, f.name, "")
            elif f.name != "card_type":
                setattr(self, f.name, None)


def parse_card(text: bytes, photo: bytes) -> Card:
    """Parse and validate a card's text block (256 bytes) and keep its photo block.

    Raises:
        CardInvalid: the block is malformed or a rule fails; ``reason`` is one of
            ``bad_layout``, ``unknown_card_type``, ``bad_field``, ``invalid_number``,
            ``birth_date_mismatch``, ``gender_mismatch``.
    """
    if len(text) != TEXT_SIZE:
        raise CardInvalid("bad_layout", f"text block has {len(text)} bytes, expected {TEXT_SIZE}")
    flag = _decode(text, "card type flag", _FLAG_OFFSET, 2)
    card_type = _FLAGS.get(flag or " ")  # a blank flag is a resident card
    if card_type is None:
        raise CardInvalid("unknown_card_type", "the card type flag is not one of space, J, I, Y")
    raw = {name: _decode(text, name, offset, size) for name, (offset, size) in LAYOUTS[card_type].items()}
    if card_type is CardType.FOREIGN_PERMANENT_2023:
        part2 = raw.pop("english_name_2")
        if part2:  # the name continues in the second field: keep part 1 unstripped at the join
            raw["english_name"] = _decode(text, "english_name", 52, 70, strip=False) + part2
    raw.pop("card_version", None)  # not part of the card model (no consumer; see the spec)
    valid_to = raw.pop("valid_to")
    card = Card(
        card_type=card_type,
        name=raw.pop("name"),
        gender=raw.pop("gender"),
        nation=raw.pop("nation", ""),
        birth_date=_date(raw.pop("birth_date"), "birth_date"),
        address=raw.pop("address", ""),
        id_number=raw.pop("id_number"),
        authority=raw.pop("authority", ""),
        valid_from=_date(raw.pop("valid_from"), "valid_from"),
        valid_to=None if valid_to == LONG_TERM else _date(valid_to, "valid_to"),
        photo_wlt=bytearray(photo),
        **raw,  # the layout's own fields: pass_number, issue_count, english_name, nationality
    )
    _validate(card)
    return card


def encode_text_block(card_type: CardType, values: dict[str, str]) -> bytes:
    """Build a 256-byte text block from field strings (the simulator's side of :func:`parse_card`).

    ``values`` uses the layout's field names; dates as ``YYYYMMDD``. Missing fields are blank.
    """
    block = bytearray(" ".encode("utf-16-le") * (TEXT_SIZE // 2))
    layout = LAYOUTS[card_type]
    for name, value in values.items():
        offset, size = layout[name]
        encoded = value.encode("utf-16-le")
        if len(encoded) > size:
            raise ValueError(f"field {name!r} does not fit in {size} bytes")
        block[offset:offset + len(encoded)] = encoded
    block[_FLAG_OFFSET:_FLAG_OFFSET + 2] = FLAG_OF[card_type].encode("utf-16-le")
    return bytes(block)


def _decode(text: bytes, name: str, offset: int, size: int, strip: bool = True) -> str:
    try:
        value = text[offset:offset + size].decode("utf-16-le")
    except UnicodeDecodeError:
        raise CardInvalid("bad_field", f"field {name!r} is not valid UTF-16") from None
    # Strip only trailing padding: an address may contain spaces. Some readers pad with NUL.
    return value.rstrip(" \0") if strip else value


def has_forbidden_characters(text: str) -> bool:
    """True when ``text`` holds a control, format (bidi, zero-width) or line-separator character."""
    return any(unicodedata.category(ch) in _FORBIDDEN_CATEGORIES for ch in text)


def _date(value: str, name: str) -> date:
    if len(value) == 8 and value.isascii() and value.isdigit():
        try:
            return date(int(value[:4]), int(value[4:6]), int(value[6:]))
        except ValueError:
            pass
    raise CardInvalid("bad_field", f"field {name!r} is not a date YYYYMMDD")


def _validate(card: Card) -> None:
    # Refused, not cleaned: the chip's data is signed by the issuing authority, so such characters
    # mean a forged or damaged card (or a faulty reader), and a "cleaned" name would not be the one
    # on record. A bidi override would also make the name shown differ from the name sent.
    for f in fields(card):
        value = getattr(card, f.name)
        if isinstance(value, str) and has_forbidden_characters(value):
            raise CardInvalid("bad_field", f"field {f.name!r} holds control or direction-formatting characters")
    if card.gender not in GENDERS:
        raise CardInvalid("bad_field", "gender code is not in GB/T 2261.1")
    if card.card_type is CardType.RESIDENT and card.nation not in NATIONS:
        raise CardInvalid("bad_field", "nation code is not in GB 3304")
    if card.card_type is CardType.HMT_RESIDENCE_PERMIT and card.nation and card.nation not in NATIONS:
        raise CardInvalid("bad_field", "nation code is not in GB 3304")
    if card.valid_to is not None and card.valid_to < card.valid_from:
        raise CardInvalid("bad_field", "validity ends before it starts")
    if not _LINK.fullmatch(card.previous_card_link):
        raise CardInvalid("bad_field", "previous card link is not up to three letters or digits")
    if card.card_type is CardType.FOREIGN_PERMANENT:
        # The spec gives no check rule for the 2017 permanent residence number: check its shape only.
        if not _PERMIT_2017.fullmatch(card.id_number):
            raise CardInvalid("invalid_number", "permanent residence number is not 3 letters and 12 digits")
        return
    if not id_number_valid(card.id_number):
        raise CardInvalid("invalid_number", "ID number has a wrong length, character or check character")
    if card.id_number[6:14] != card.birth_date.strftime("%Y%m%d"):
        raise CardInvalid("birth_date_mismatch", "birth date differs from the one in the ID number")
    # Gender parity of the sequence number: GB 11643 for resident and J cards; the 2023 permanent
    # residence number keeps the same sequence-and-check layout in its last four characters, and
    # public readers of the protocol check its parity too.
    if card.gender in ("1", "2"):
        if int(card.id_number[16]) % 2 != (1 if card.gender == "1" else 0):
            raise CardInvalid("gender_mismatch", "gender differs from the ID number's sequence parity")
