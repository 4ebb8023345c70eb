"""Validation of every kind of remote content, shared by the kiosk and the operator tool (which
refuses to publish what a kiosk would reject).

Settings are checked against the allowlist and then exactly like local configuration; a catalog
is unpacked and loaded with ``kiosk.catalog.load_catalog`` and its translations with polib.
"""
from __future__ import annotations

import io
import tarfile
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import polib
from pydantic import BaseModel, ValidationError

from common.i18n import LANGUAGES
from kiosk.catalog import CatalogError, load_catalog
from kiosk.config import ConfigError
from kiosk.remote.announcements import Announcements
from kiosk.remote.commands import Commands
from kiosk.remote.hours import Hours

MAX_CATALOG_BYTES = 8 * 1024 * 1024
MODELS: dict[str, type[BaseModel]] = {"announcements": Announcements, "hours": Hours, "commands": Commands}


class ContentRejected(Exception):
    """Remote content that must not be applied. ``reason`` is a short metric label."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Content:
    """Validated content of one kind: the raw bytes (stored as they came) and what they mean."""

    kind: str
    version: int
    data: bytes
    parsed: Any


SettingsCheck = Callable[[dict], Any]  # raises ConfigError: the data over the local layers


def validate(kind: str, version: int, data: bytes, check_settings: SettingsCheck) -> Content:
    """Parse and validate ``data`` of ``kind``; raises :class:`ContentRejected` saying why."""
    if kind == "settings":
        parsed: Any = _settings(data, check_settings)
    elif kind == "catalog":
        with tempfile.TemporaryDirectory(prefix="kiosk-catalog-") as tmp:
            unpack_catalog(data, Path(tmp))
            parsed = None
    elif kind in MODELS:
        try:
            parsed = MODELS[kind].model_validate(_toml(data))
        except ValidationError as e:
            raise ContentRejected("invalid", f"{kind}: " + "; ".join(
                f"{'.'.join(map(str, err['loc']))}: {err['msg']}" for err in e.errors())) from None
    else:
        raise ContentRejected("invalid", f"unknown kind of content {kind!r}")
    return Content(kind, version, data, parsed)


def _toml(data: bytes) -> dict:
    try:
        return tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise ContentRejected("invalid", f"not valid UTF-8 TOML ({e})") from None


def _settings(data: bytes, check_settings: SettingsCheck) -> dict:
    parsed = _toml(data)
    try:
        check_settings(parsed)
    except ConfigError as e:
        reason = "not_allowed" if "may not be set remotely" in str(e) else "invalid"
        raise ContentRejected(reason, str(e)) from None
    return parsed


def unpack_catalog(data: bytes, into: Path) -> None:
    """Unpack a catalog archive (``services/*.toml``, ``locales/<lang>/kiosk.po``) into ``into``
    and validate it; only those regular files are accepted (no links, no other paths)."""
    if len(data) > MAX_CATALOG_BYTES:
        raise ContentRejected("invalid", f"catalog: larger than {MAX_CATALOG_BYTES} bytes")
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
            for member in tar.getmembers():
                if not (member.isfile() and _allowed_name(member.name)):
                    raise ContentRejected("invalid", f"catalog: unexpected entry {member.name!r}")
                target = into / member.name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(tar.extractfile(member).read())
    except tarfile.TarError as e:
        raise ContentRejected("invalid", f"catalog: not a tar archive ({e})") from None
    try:
        services = load_catalog(into / "services")
    except CatalogError as e:
        raise ContentRejected("invalid", f"catalog: {e}") from None
    if not services:
        raise ContentRejected("invalid", "catalog: no services")
    for lang in LANGUAGES:
        po = into / "locales" / lang / "kiosk.po"
        if not po.exists():
            raise ContentRejected("invalid", f"catalog: {po.relative_to(into)} is missing")
        try:
            untranslated = [e.msgid for e in polib.pofile(str(po)).untranslated_entries()]
        except (OSError, ValueError) as e:
            raise ContentRejected("invalid", f"catalog: {po.relative_to(into)}: {e}") from None
        if untranslated and lang != "en":
            raise ContentRejected("invalid", f"catalog: {po.relative_to(into)}: {len(untranslated)} untranslated ids")


def _allowed_name(name: str) -> bool:
    parts = name.split("/")
    if ".." in parts or name.startswith("/"):
        return False
    return ((len(parts) == 2 and parts[0] == "services" and parts[1].endswith(".toml"))
            or (len(parts) == 3 and parts[0] == "locales" and parts[1] in LANGUAGES and parts[2] == "kiosk.po"))


def pack_catalog(services_dir: Path, locales_dir: Path) -> bytes:
    """The catalog archive of a services directory and a locales directory (reproducible bytes)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:", format=tarfile.PAX_FORMAT) as tar:
        files = [(f"services/{f.name}", f) for f in sorted(services_dir.glob("*.toml"))]
        files += [(f"locales/{lang}/kiosk.po", locales_dir / lang / "kiosk.po") for lang in LANGUAGES]
        for name, path in files:
            content = path.read_bytes()
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(content), 0o644, 0
            tar.addfile(info, io.BytesIO(content))
    return buffer.getvalue()
