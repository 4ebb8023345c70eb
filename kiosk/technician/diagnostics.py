"""The diagnostics bundle: logs, device status history, counters, versions, configuration without
secrets, the audit log and the latest self-test reports, as one zip file.

Redacted by construction (only device facts and already-redacted logs go in, log lines pass through
:func:`kiosk.logs.redact` again, secrets are replaced by ``"<set>"``) and then checked: every member
is scanned for ID and phone numbers, images and, outside the configuration, Chinese text; a bundle
that fails the scan is not written.
"""
from __future__ import annotations

import datetime
import importlib.metadata
import json
import os
import platform
import re
import subprocess
import zipfile
from pathlib import Path
from typing import Iterable

from kiosk.config import REPO_ROOT, Settings
from kiosk.logs import redact

PACKAGES = ("kivy", "pyserial", "opencv-python", "dlib-bin", "face-recognition", "pydantic", "requests",
            "cryptography", "numpy", "pillow")
SECRET = "<set>"
REPORTS_KEPT = 5
_LEAKS = [
    ("an ID number", re.compile(r"(?<!\d)(\d{17}[\dXx]|\d{15})(?!\d)")),
    ("a phone number", re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")),
    ("a permit or passport number", re.compile(r"(?<![A-Za-z])[A-Z]{1,2}\d{8,10}(?!\d)")),
]
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]")
_IMAGES = (b"\xff\xd8\xff", b"\x89PNG", b"BM", b"RIFF", b"\x00\x00\x00\x0cjP")


class BundleRejected(Exception):
    """The scan found something that looks like personal data; nothing was written."""


def redacted_settings(settings: Settings) -> dict:
    """The effective settings, secrets replaced by ``"<set>"`` (PIN hashes, key material)."""
    data = settings.model_dump()
    data["technician"]["pins"] = {technician: SECRET for technician in data["technician"]["pins"]}
    for key in ("client_key",):
        if data["backend"].get(key):
            data["backend"][key] = SECRET
    return data


def versions() -> dict:
    found = {"python": platform.python_version(), "platform": platform.platform()}
    for name in PACKAGES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            pass
    try:
        found["kiosk"] = subprocess.run(["git", "-C", str(REPO_ROOT), "describe", "--always", "--dirty"],
                                        capture_output=True, text=True, timeout=5).stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        found["kiosk"] = "unknown"
    return found


def log_files(settings: Settings) -> list[Path]:
    base = settings.path(settings.logging.file)
    return [p for p in [base, *(base.with_name(f"{base.name}.{i}") for i in range(1, 6))] if p.exists()]


def scan(name: str, data: bytes) -> str | None:
    """What in ``data`` looks like personal data (a description), or None."""
    if data.startswith(_IMAGES):
        return "an image"
    text = data.decode("utf-8", errors="replace")
    for what, pattern in _LEAKS:
        if pattern.search(text):
            return what
    if name != "config.json" and _CJK.search(text):  # hall names in the configuration are not personal
        return "Chinese text"
    return None


def build(settings: Settings, monitor_snapshot: dict, devices: dict, audit: Iterable[dict],
          reports: Iterable[Path]) -> dict[str, bytes]:
    """The bundle's members, by name (nothing written yet)."""
    dump = lambda obj: json.dumps(obj, indent=1, ensure_ascii=False, default=str).encode("utf-8")  # noqa: E731
    members = {
        "manifest.json": dump({"terminal_id": settings.kiosk.terminal_id,
                               "created": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
                               "versions": versions()}),
        "config.json": dump(redacted_settings(settings)),
        "status-history.json": dump(monitor_snapshot.get("history", {})),
        "errors.json": dump(monitor_snapshot.get("errors", [])),
        "counters.json": dump({"events": monitor_snapshot.get("counters", {}), "devices": devices}),
        "audit.jsonl": "".join(redact(json.dumps(e, ensure_ascii=False)) + "\n" for e in audit).encode("utf-8"),
    }
    for path in log_files(settings):
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        members[f"logs/{path.name}"] = "".join(redact(line) + "\n" for line in lines).encode("utf-8")
    for path in sorted(reports)[-REPORTS_KEPT:]:
        members[f"self-test/{path.name}"] = redact(path.read_text(encoding="utf-8")).encode("utf-8")
    return members


def write_bundle(members: dict[str, bytes], folder: Path, terminal_id: str) -> Path:
    """Scan every member, then write ``diagnostics-TERMINAL-YYYYmmdd-HHMMSS.zip`` into ``folder``.

    Raises:
        BundleRejected: a member looks like it holds personal data (nothing is written).
    """
    for name, data in members.items():
        found = scan(name, data)
        if found:
            raise BundleRejected(f"{name} seems to contain {found}; the bundle was not written")
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    safe_id = re.sub(r"[^A-Za-z0-9_-]", "_", terminal_id)
    path = folder / f"diagnostics-{safe_id}-{stamp}.zip"
    tmp = path.with_suffix(".part")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, data in members.items():
            bundle.writestr(name, data)
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())  # a drive pulled right after "written" must hold the whole file
    os.replace(tmp, path)
    return path


def export_targets(settings: Settings, media_roots: Iterable[Path] = (Path("/media"), Path("/run/media"))) -> list[Path]:
    """Where a bundle can go: writable removable drives first, then ``[technician] export_dir``."""
    drives = []
    for root in media_roots:
        if root.is_dir():
            for mount in sorted(root.glob("*")) + sorted(root.glob("*/*")):
                if mount.is_dir() and os.path.ismount(mount) and os.access(mount, os.W_OK):
                    drives.append(mount)
    return drives + [settings.data_path(settings.technician.export_dir)]
