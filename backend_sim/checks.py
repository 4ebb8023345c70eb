"""Check digits of Chinese identifiers, as a department checks them (and the sim's generator needs them)."""
from __future__ import annotations

from datetime import date

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def id_check_digit(first17: str) -> str:
    """The 18th character of a resident ID number (GB 11643, ISO 7064 MOD 11-2)."""
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS)) % 11]


def id_number_valid(id_number: str) -> bool:
    """True when the check digit and the birth date of an 18-character ID number are right."""
    if len(id_number) != 18 or not id_number[:17].isdigit():
        return False
    try:
        date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return False
    return id_check_digit(id_number[:17]) == id_number[17]


def uscc_check_char(first17: str) -> str:
    """The 18th character of a unified social credit code (GB 32100-2015)."""
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS))
    return _USCC_CHARS[(31 - total % 31) % 31]


def uscc_valid(code: str) -> bool:
    return len(code) == 18 and all(c in _USCC_CHARS for c in code) and uscc_check_char(code[:17]) == code[17]


def mask_id(id_number: str) -> str:
    """``4401**********123X``: enough to recognise, not enough to use."""
    return id_number[:4] + "*" * 10 + id_number[-4:]
