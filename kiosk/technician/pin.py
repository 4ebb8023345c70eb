"""Technician PINs: stored only as scrypt hashes in the site file; wrong PINs lock entry for a growing time.

A hash reads ``scrypt$N$r$p$SALT$HASH`` (base64). ``python -m kiosk.technician set-pin ID`` prints the
line to put under ``[technician.pins]``. The lockout is kept in a small JSON file so a restart does
not reset it (a restart is one power cycle away on an unattended kiosk).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 14, 8, 1   # about 50 ms and 16 MiB per try
MIN_PIN_DIGITS = 6


def hash_pin(pin: str, *, n: int = SCRYPT_N) -> str:
    """The stored form of ``pin`` (a fresh random salt each time)."""
    if not (pin.isdigit() and len(pin) >= MIN_PIN_DIGITS):
        raise ValueError(f"a PIN is at least {MIN_PIN_DIGITS} digits")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=n, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    b64 = lambda b: base64.b64encode(b).decode()  # noqa: E731
    return f"scrypt${n}${SCRYPT_R}${SCRYPT_P}${b64(salt)}${b64(digest)}"


def verify_pin(pin: str, stored: str) -> bool:
    """True when ``pin`` matches ``stored``; a malformed hash never matches."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(pin.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                             dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


def technician_for(pin: str, pins: Mapping[str, str]) -> str | None:
    """The id of the technician whose PIN this is, or None. Every hash is tried (no early exit by id)."""
    found = None
    for technician, stored in pins.items():
        if verify_pin(pin, stored) and found is None:
            found = technician
    return found


@dataclass
class Lockout:
    """Counts wrong PINs; after ``free_attempts`` each further one locks entry, doubling each time.

    Args:
        state_file: where the count and the end of the lockout are kept (JSON, no PINs).
        clock: wall-clock seconds (a lockout must survive a restart, so not monotonic).
    """

    state_file: Path
    free_attempts: int = 3
    initial_s: float = 30.0
    max_s: float = 3600.0
    clock: Callable[[], float] = time.time

    def __post_init__(self) -> None:
        self.failures, self.locked_until = 0, 0.0
        try:
            data = json.loads(self.state_file.read_text(encoding="utf-8"))
            self.failures, self.locked_until = int(data["failures"]), float(data["locked_until"])
        except (OSError, ValueError, KeyError, TypeError):
            pass  # no file yet (or a damaged one): start counting afresh

    def remaining_s(self) -> float:
        """Seconds until a PIN may be tried again (0 when it may be tried now)."""
        return max(0.0, self.locked_until - self.clock())

    def failed(self) -> float:
        """Count a wrong PIN; returns the lockout it caused in seconds (0 while attempts are free)."""
        self.failures += 1
        over = self.failures - self.free_attempts
        delay = 0.0 if over < 0 else min(self.initial_s * 2 ** over, self.max_s)
        self.locked_until = self.clock() + delay
        self._save()
        return delay

    def succeeded(self) -> None:
        self.failures, self.locked_until = 0, 0.0
        self._save()

    def _save(self) -> None:
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps({"failures": self.failures, "locked_until": self.locked_until}), encoding="utf-8")
        os.replace(tmp, self.state_file)
