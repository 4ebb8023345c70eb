"""Signing keys as PEM files (Ed25519, PKCS#8), readable by their owner only.

The root key is written where the operator says and is kept offline; it is needed only to create
the repository, rotate keys and renew root. The online keys (targets, snapshot, timestamp) live in
the repository's key directory on the publishing machine.
"""
from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives.serialization import load_pem_private_key
from securesystemslib.signer import CryptoSigner

ONLINE_ROLES = ("targets", "snapshot", "timestamp")


def generate() -> CryptoSigner:
    return CryptoSigner.generate_ed25519()


def write(signer: CryptoSigner, path: Path) -> None:
    """Write the private key to ``path`` (mode 0600; refuses to overwrite)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(signer.private_bytes)


def load(path: Path) -> CryptoSigner:
    try:
        return CryptoSigner(load_pem_private_key(path.read_bytes(), None))
    except FileNotFoundError:
        raise SystemExit(f"fleet: key file {path} not found") from None
