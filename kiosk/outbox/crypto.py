"""The outbox's encryption at rest: an AES-256-GCM key in an owner-only file, and the payload cipher.

The key file holds 32 random bytes. It is created (mode 0600, in a 0700 folder if the folder is
new) only when the outbox holds nothing encrypted with an older key: a missing key with
submissions waiting is an error to fix by restoring the key, never a reason to start a new one.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import stat
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
NONCE_BYTES = 12


class KeyFileError(Exception):
    """The key file is missing, unreadable, too open or malformed; the message says what to do."""


def load_key(path: Path, *, may_create: bool) -> bytes:
    """Read the key, or create it when ``may_create`` and it does not exist.

    Raises:
        KeyFileError: missing (and not creatable), permission denied, readable by others, owned by
            another user, or not exactly 32 bytes.
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if not may_create:
            raise KeyFileError(
                f"{path}: the outbox key file is missing, but submissions waiting in the outbox are encrypted "
                "with it. Restore it from the terminal's backup; a new key could not read them."
            ) from None
        return _create(path)
    except PermissionError:
        raise KeyFileError(f"{path}: permission denied. Run the kiosk as the user that owns the key file.") from None
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileError(f"{path}: permissions {stat.filemode(info.st_mode)} are too open; "
                           f"the key must be readable by its owner only: chmod 600 {path}")
    if info.st_uid not in (os.geteuid(), 0):
        raise KeyFileError(f"{path}: owned by another user (uid {info.st_uid}); chown it to the kiosk's user.")
    try:
        key = path.read_bytes()
    except PermissionError:
        raise KeyFileError(f"{path}: permission denied. Run the kiosk as the user that owns the key file.") from None
    if len(key) != KEY_BYTES:
        raise KeyFileError(f"{path}: must hold exactly {KEY_BYTES} bytes (an AES-256 key), holds {len(key)}.")
    return key


def _create(path: Path) -> bytes:
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True)
    key = os.urandom(KEY_BYTES)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as e:
        raise KeyFileError(f"{path}: cannot create the outbox key ({e.strerror}).") from None
    try:
        os.write(fd, key)
        os.fsync(fd)
    finally:
        os.close(fd)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # the new name is durable too
    finally:
        os.close(dir_fd)
    return key


def key_check(key: bytes) -> str:
    """A short fingerprint stored with the outbox, to notice a wrong key before decrypting anything."""
    return hmac.new(key, b"kiosk-outbox-key-check", hashlib.sha256).hexdigest()[:16]


class PayloadCipher:
    """AES-256-GCM over the JSON payload; the associated data binds a ciphertext to its row."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def seal(self, payload: dict, associated: bytes) -> tuple[bytes, bytes]:
        """Return ``(nonce, ciphertext)`` of ``payload``."""
        nonce = os.urandom(NONCE_BYTES)
        plain = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return nonce, self._aead.encrypt(nonce, plain, associated)

    def open(self, nonce: bytes, ciphertext: bytes, associated: bytes) -> dict:
        """The payload; raises ``InvalidTag`` if the ciphertext, its row or the key do not match."""
        return json.loads(self._aead.decrypt(nonce, ciphertext, associated))


__all__ = ["InvalidTag", "KeyFileError", "PayloadCipher", "key_check", "load_key"]
