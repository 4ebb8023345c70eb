"""A throw-away private CA for tests and demos: CA, server and kiosk client certificates.

Files in ``<data>/tls/``: ``ca.pem`` (what a kiosk's ``[backend] ca_file`` points to),
``server.pem``/``server.key`` (for 127.0.0.1 and localhost), ``client.pem``/``client.key`` (a
kiosk's ``client_cert``/``client_key``). Made once and reused; keys are written owner-only.
"""
from __future__ import annotations

import datetime
import ipaddress
import os
import ssl
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

FILES = ("ca.pem", "server.pem", "server.key", "client.pem", "client.key")


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "backend_sim test CA"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _write(path: Path, data: bytes, private: bool = False) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _issue(subject: str, key, issuer: x509.Name, issuer_key, *, ca: bool = False,
           server: bool = False) -> x509.Certificate:
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(issuer)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=825))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False))
    if ca:
        usage = x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                              data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                              encipher_only=False, decipher_only=False)
        builder = builder.add_extension(usage, critical=True)
    else:
        builder = builder.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                                        critical=False)
        usage = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    if server:
        builder = builder.add_extension(x509.SubjectAlternativeName(
            [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def ensure_test_pki(directory: Path) -> Path:
    """Create the CA and certificates in ``directory`` unless they are all there; return it."""
    directory.mkdir(parents=True, exist_ok=True)
    if all((directory / f).exists() for f in FILES):
        return directory
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = _issue("backend_sim CA", ca_key, _name("backend_sim CA"), ca_key, ca=True)
    _write(directory / "ca.pem", ca_cert.public_bytes(serialization.Encoding.PEM))
    for role in ("server", "client"):
        key = ec.generate_private_key(ec.SECP256R1())
        cert = _issue(f"backend_sim {role}", key, ca_cert.subject, ca_key, server=role == "server")
        _write(directory / f"{role}.pem", cert.public_bytes(serialization.Encoding.PEM))
        _write(directory / f"{role}.key", _key_pem(key), private=True)
    return directory


def server_context(directory: Path, require_client_cert: bool) -> ssl.SSLContext:
    """The server's TLS context; with ``require_client_cert`` it accepts only clients of the CA."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(directory / "server.pem", directory / "server.key")
    if require_client_cert:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(directory / "ca.pem")
    return ctx
