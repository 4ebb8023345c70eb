"""The terminal's signature key and the envelope that binds a citizen's signature to what was signed.

A citizen signs on the screen's pad; the kiosk binds the strokes to the form, the terminal, the
face-check outcome and the time with its own Ed25519 key (电子签名法 第十三条: any later change to
the signature or the content must be detectable). The envelope travels inside the submission (the
outbox encrypts it at rest); the department recomputes the digest and verifies the signature with
the key the terminal enrolled (``registration.enroll_signing_key``).

The key is created on first start in an owner-only file (0600) outside the repository
(``[signature] key_file``); its public half is enrolled through the outbox at every start
(enrolling the same key again is harmless). A production terminal would hold an SM2 key in a
cryptographic module (GB/T 38540); the envelope keeps the same fields.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

ALGORITHM = "ed25519-sha256"
ENROLL_OPERATION = "registration.enroll_signing_key"


class SigningKeyError(Exception):
    """The key file is unreadable, too open or malformed; the message names the file and the fix."""


def canonical(value: Any) -> bytes:
    """The canonical JSON of ``value``: UTF-8, keys sorted, no spaces (what the digest covers)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def key_id_of(public: bytes) -> str:
    """The first 16 hex digits of SHA-256 over the raw public key."""
    return hashlib.sha256(public).hexdigest()[:16]


def digest(form: dict, strokes: dict, *, terminal_id: str, face_check: str, signed_at: str, key_id: str,
           signer: str) -> str:
    """The hex SHA-256 of everything the signature binds (``form`` is the request without its envelope;
    ``signer`` the signer's role, so one party's signature cannot stand for another's)."""
    return hashlib.sha256(canonical({
        "algorithm": ALGORITHM, "face_check": face_check, "form": form, "key_id": key_id,
        "signed_at": signed_at, "signer": signer, "strokes": strokes, "terminal_id": terminal_id,
    })).hexdigest()


def document_digest(request: dict) -> str:
    """The hex SHA-256 of a request's canonical JSON: what a citizen confirms elsewhere (on the phone)
    binds exactly the request the department then receives."""
    return hashlib.sha256(canonical(request)).hexdigest()


def verify(envelope: dict, form: dict, public: bytes) -> bool:
    """True when ``envelope`` signs exactly ``form`` (the request without the envelope) with ``public``."""
    expected = digest(form, envelope["strokes"], terminal_id=envelope["terminal_id"],
                      face_check=envelope["face_check"], signed_at=envelope["signed_at"], key_id=envelope["key_id"],
                      signer=envelope["signer"])
    if expected != envelope["digest"] or key_id_of(public) != envelope["key_id"]:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(base64.b64decode(envelope["signature"]),
                                                          bytes.fromhex(expected))
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass(frozen=True, repr=False)
class TerminalKey:
    """The terminal's signing key (never logged: its ``repr`` shows the key id only)."""

    private: Ed25519PrivateKey
    terminal_id: str

    def __repr__(self) -> str:
        return f"TerminalKey({self.key_id})"

    @property
    def public(self) -> bytes:
        return self.private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def key_id(self) -> str:
        return key_id_of(self.public)

    def enrolment(self) -> dict:
        """The request body of ``registration.enroll_signing_key``."""
        return {"terminal_id": self.terminal_id, "key_id": self.key_id, "algorithm": "ed25519",
                "public_key": base64.b64encode(self.public).decode("ascii")}

    def envelope(self, form: dict, strokes: dict, face_check: str, signed_at: datetime, signer: str) -> dict:
        """Bind ``strokes`` of ``signer`` (a role: applicant, lessor, lessee) to ``form`` (the request
        without its envelopes) and sign the digest."""
        at = signed_at.isoformat(timespec="seconds")
        found = digest(form, strokes, terminal_id=self.terminal_id, face_check=face_check, signed_at=at,
                       key_id=self.key_id, signer=signer)
        return {"algorithm": ALGORITHM, "key_id": self.key_id, "terminal_id": self.terminal_id, "signed_at": at,
                "signer": signer, "face_check": face_check, "strokes": strokes, "digest": found,
                "signature": base64.b64encode(self.private.sign(bytes.fromhex(found))).decode("ascii")}

    @classmethod
    def load_or_create(cls, path: Path, terminal_id: str) -> "TerminalKey":
        """The key in ``path`` (PKCS#8 PEM, owner-only), created on first start.

        Raises:
            SigningKeyError: the file is readable by others, owned by another user, or not a key.
        """
        try:
            info = os.stat(path)
        except FileNotFoundError:
            return cls(_create(path), terminal_id)
        if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise SigningKeyError(f"{path}: permissions {stat.filemode(info.st_mode)} are too open; the signature "
                                  f"key must be readable by its owner only: chmod 600 {path}")
        if info.st_uid not in (os.geteuid(), 0):
            raise SigningKeyError(f"{path}: owned by another user (uid {info.st_uid}); chown it to the kiosk's user.")
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        try:
            key = load_pem_private_key(path.read_bytes(), password=None)
        except (ValueError, TypeError):
            raise SigningKeyError(f"{path}: not an Ed25519 private key in PEM. Move it away; the kiosk creates "
                                  "a new key and enrols it at the next start.") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise SigningKeyError(f"{path}: holds a {type(key).__name__}, not an Ed25519 key.")
        return cls(key, terminal_id)


def _create(path: Path) -> Ed25519PrivateKey:
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as e:
        raise SigningKeyError(f"{path}: cannot create the signature key ({e.strerror}). Check [signature] key_file.") \
            from None
    try:
        os.write(fd, pem)
        os.fsync(fd)
    finally:
        os.close(fd)
    return key


def enrol(key: TerminalKey, enqueue: Callable[[str, dict], str]) -> str:
    """Send the public key to the registration office through the outbox (delivered before any
    submission this key signs, since the outbox delivers a department's submissions oldest first)."""
    return enqueue(ENROLL_OPERATION, key.enrolment())
