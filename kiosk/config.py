"""Typed, validated kiosk configuration.

Layers, later ones winning key by key:

1. ``config.toml`` in the repository: every key with its default (the embedded demo set-up);
2. the site file: ``--config PATH`` or the ``KIOSK_CONFIG`` environment variable;
3. the technician calibration file (``[paths] calibration_file``), written on site;
4. remotely delivered settings (``[paths] remote_file``), written by the update client.

Each layer is validated as it is added, so an error names the file it came from, the key,
what was expected and how to fix it. A broken local file (1-3) stops the kiosk from starting
(:class:`ConfigError`); a missing optional layer (3, 4) is simply absent. The remote layer may
only set the keys of ``kiosk.remote.allowlist``; a remote layer that is refused or invalid is
ignored and reported, never a reason not to start: a bad push must not take a fleet offline.
"""
from __future__ import annotations

import os
import sys
import re
import reprlib
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, PrivateAttr, ValidationError

from common.settings import Section
from kiosk.remote.allowlist import refused
from drivers.a4printer.settings import A4PrinterSettings
from drivers.camera.settings import CameraSettings
from drivers.face.settings import FaceSettings
from drivers.idcard.settings import IdCardSettings
from drivers.printer.settings import PrinterSettings

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULTS_FILE = REPO_ROOT / "config.toml"
SITE_ENV = "KIOSK_CONFIG"

Language = Literal["zh_CN", "zh_HK", "en"]


class HallName(Section):
    zh_CN: Annotated[str, Field(min_length=1)] = "天河区24小时智慧政务大厅"
    zh_HK: Annotated[str, Field(min_length=1)] = "天河區24小時智慧政務大廳"
    en: Annotated[str, Field(min_length=1)] = "Tianhe 24-Hour Smart Government Service Hall"


class HelpHours(Section):
    zh_CN: Annotated[str, Field(min_length=1, max_length=80)] = "窗口服务时间：周一至周五 9:00—12:00，13:30—17:30"
    zh_HK: Annotated[str, Field(min_length=1, max_length=80)] = "櫃檯服務時間：星期一至五 9:00—12:00，13:30—17:30"
    en: Annotated[str, Field(min_length=1, max_length=120)] = "Counters open Monday to Friday 9:00-12:00 and 13:30-17:30"


class HelpSection(Section):
    phone: Annotated[str, Field(pattern=r"^[0-9][0-9 -]{2,19}$")] = "12345"
    counter_hours: HelpHours = HelpHours()


class KioskSection(Section):
    hall_name: HallName = HallName()
    terminal_id: Annotated[str, Field(min_length=1, max_length=32)] = "DEMO-0001"
    default_language: Language = "zh_CN"


class UiSection(Section):
    fullscreen: bool = True
    width: Annotated[int, Field(ge=320, le=4096)] = 1080
    height: Annotated[int, Field(ge=320, le=4096)] = 1920
    large_text_scale: Annotated[float, Field(ge=1.0, le=2.0)] = 1.35


class SessionSection(Section):
    idle_timeout_s: Annotated[int, Field(ge=10, le=600)] = 60
    countdown_s: Annotated[int, Field(ge=5, le=120)] = 20


class LoggingSection(Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    file: str = "var/log/kiosk.log"


class PathsSection(Section):
    data_dir: str = "var"
    calibration_file: str = "var/calibration.toml"
    remote_file: str = "var/remote.toml"


Url = Annotated[str, Field(pattern=r"^(sim|https?://[^\s/?#]+(/[^\s?#]*)?)$")]
DepartmentUrl = Annotated[str, Field(pattern=r"^(|sim|https?://[^\s/?#]+(/[^\s?#]*)?)$")]


class BackendSection(Section):
    base_url: Url = "sim"
    tax_url: DepartmentUrl = ""
    exit_entry_url: DepartmentUrl = ""
    registration_url: DepartmentUrl = ""
    hall_url: DepartmentUrl = ""
    payment_url: DepartmentUrl = ""
    ca_file: str = ""
    client_cert: str = ""
    client_key: str = ""
    connect_timeout_s: Annotated[float, Field(gt=0, le=30)] = 3.0
    read_timeout_s: Annotated[float, Field(gt=0, le=120)] = 10.0
    query_attempts: Annotated[int, Field(ge=1, le=3)] = 2
    down_hold_s: Annotated[float, Field(ge=5, le=3600)] = 60.0
    sim_data_dir: str = "var/backend_sim"
    sim_latency_ms: Annotated[int, Field(ge=0, le=10000)] = 200

    def url(self, department: str) -> str:
        """The base URL of ``department`` (``tax``, ``exit_entry``, ``registration``, ``hall``, ``payment``)."""
        return getattr(self, f"{department}_url") or self.base_url


class OutboxSection(Section):
    db_file: str = "var/outbox.db"
    key_file: str = "var/outbox.key"
    retry_initial_s: Annotated[float, Field(gt=0, le=600)] = 2.0
    retry_max_s: Annotated[float, Field(gt=0, le=3600)] = 300.0
    stuck_after_s: Annotated[float, Field(ge=60, le=7 * 86400)] = 1800.0
    poll_interval_s: Annotated[float, Field(gt=0, le=300)] = 5.0
    confirm_wait_s: Annotated[float, Field(ge=0, le=30)] = 3.0


class PaymentSection(Section):
    poll_interval_s: Annotated[float, Field(ge=0.5, le=10)] = 3.0
    settle_initial_s: Annotated[float, Field(gt=0, le=600)] = 2.0
    settle_max_s: Annotated[float, Field(gt=0, le=3600)] = 120.0


class VoiceSection(Section):
    enabled: bool = True
    volume: Annotated[int, Field(ge=0, le=200)] = 100
    rate: Annotated[int, Field(ge=80, le=300)] = 150
    recordings_dir: str = "assets/voice"


class TouchSection(Section):
    """Touch calibration: the correction applied to every touch, and the screen's size for errors in mm."""

    matrix: Annotated[list[float], Field(min_length=6, max_length=6)] = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0]
    screen_width_mm: Annotated[float, Field(gt=0, le=3000)] = 296.0
    screen_height_mm: Annotated[float, Field(gt=0, le=3000)] = 527.0


class TechnicianSection(Section):
    """Technician mode: PIN hashes, lockout, idle exit and where its files go."""

    pins: dict[str, str] = {}
    idle_exit_s: Annotated[int, Field(ge=30, le=3600)] = 300
    free_attempts: Annotated[int, Field(ge=1, le=10)] = 3
    lockout_initial_s: Annotated[float, Field(ge=1, le=3600)] = 30.0
    lockout_max_s: Annotated[float, Field(ge=1, le=86400)] = 3600.0
    audit_file: str = "technician-audit.jsonl"
    state_file: str = "technician-state.json"
    control_socket: str = "kiosk-control.sock"
    reports_dir: str = "self-test"
    export_dir: str = "diagnostics"


Hours = Annotated[str, Field(pattern=r"^(|([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-4]):[0-5][0-9])$")]


class IceServer(Section):
    """One STUN or TURN server, as a browser's ``RTCIceServer``."""

    urls: Annotated[list[Annotated[str, Field(pattern=r"^(stun|stuns|turn|turns):\S+$")]], Field(min_length=1)]
    username: str = ""
    credential: str = ""


class CallSection(Section):
    """The video consultation with the hall's remote agents (``kiosk.call``)."""

    enabled: bool = True
    console_url: Annotated[str, Field(pattern=r"^(sim|wss?://[^\s/?#]+(/[^\s?#]*)?)$")] = "sim"
    ice_servers: list[IceServer] = []
    local_addresses: list[Annotated[str, Field(pattern=r"^[0-9a-fA-F.:]+$")]] = []
    weekday_hours: Hours = "08:00-22:00"
    weekend_hours: Hours = "09:00-18:00"
    phone: Annotated[str, Field(min_length=1, max_length=32)] = "12345"
    microphone: Annotated[str, Field(pattern=r"^(none|(alsa|file):.+)$")] = "file:assets/call/demo_citizen_voice.ogg"
    speaker: Annotated[str, Field(pattern=r"^(none|alsa:.+)$")] = "none"
    send_fps: Annotated[int, Field(ge=1, le=30)] = 15
    send_width: Annotated[int, Field(ge=160, le=1920)] = 640
    connect_timeout_s: Annotated[float, Field(gt=0, le=60)] = 10.0
    camera_wait_s: Annotated[float, Field(ge=0, le=10)] = 3.0
    sim_average_call_s: Annotated[int, Field(ge=10, le=3600)] = 240


class RemoteSection(Section):
    repository_url: Annotated[str, Field(pattern=r"^(|https?://[^\s?#]+)$")] = ""
    trusted_root: str = ""
    poll_interval_s: Annotated[float, Field(ge=5, le=86400)] = 300.0
    jitter: Annotated[float, Field(ge=0, le=1)] = 0.5
    heartbeat_interval_s: Annotated[float, Field(ge=10, le=3600)] = 60.0


class MetricsSection(Section):
    textfile: str = ""
    port: Annotated[int, Field(ge=0, le=65535)] = 0
    interval_s: Annotated[float, Field(ge=1, le=600)] = 15.0


class SignatureSection(Section):
    key_file: str = "var/signature.key"


class Settings(Section):
    """All kiosk settings. Each section's fields are documented in ``config.toml``."""

    kiosk: KioskSection = KioskSection()
    help: HelpSection = HelpSection()
    ui: UiSection = UiSection()
    session: SessionSection = SessionSection()
    logging: LoggingSection = LoggingSection()
    paths: PathsSection = PathsSection()
    idcard: IdCardSettings = IdCardSettings()
    camera: CameraSettings = CameraSettings()
    face: FaceSettings = FaceSettings()
    printer: PrinterSettings = PrinterSettings()
    a4printer: A4PrinterSettings = A4PrinterSettings()
    backend: BackendSection = BackendSection()
    outbox: OutboxSection = OutboxSection()
    payment: PaymentSection = PaymentSection()
    voice: VoiceSection = VoiceSection()
    call: CallSection = CallSection()
    touch: TouchSection = TouchSection()
    technician: TechnicianSection = TechnicianSection()
    # The site file these settings were loaded with (the calibration writer re-validates with it).
    _site_file: Path | None = PrivateAttr(None)

    @property
    def site_file(self) -> Path | None:
        return self._site_file
    remote: RemoteSection = RemoteSection()
    metrics: MetricsSection = MetricsSection()
    signature: SignatureSection = SignatureSection()

    def path(self, value: str) -> Path:
        """Resolve a configured path: relative paths are relative to the repository root."""
        p = Path(value)
        return p if p.is_absolute() else REPO_ROOT / p

    def data_path(self, value: str) -> Path:
        """Resolve a ``[technician]`` path: relative paths are inside ``[paths] data_dir``."""
        p = Path(value)
        return p if p.is_absolute() else self.path(self.paths.data_dir) / p


class ConfigError(Exception):
    """A configuration file is missing, unreadable or invalid. The message says what to fix."""


def _describe(file: Path, err: dict) -> str:
    loc = [str(part) for part in err["loc"]]
    where = f"[{loc[0]}] {'.'.join(loc[1:])}" if len(loc) > 1 else f"[{loc[0]}]" if loc else "(top level)"
    if err["type"] == "extra_forbidden":
        model = Settings
        for part in loc[:-1]:
            model = model.model_fields[part].annotation
        known = ", ".join(model.model_fields) if isinstance(model, type) and issubclass(model, BaseModel) else ""
        return f"{file}: {where}: unknown key. Remove it or use one of: {known}."
    got = _short(err.get("input"))
    return f"{file}: {where}: {err['msg']} (got {got}). See config.toml in the repository for the default."


_REPR = reprlib.Repr()  # Python 3.11's takes no keyword arguments
_REPR.maxlevel, _REPR.maxdict, _REPR.maxlist, _REPR.maxother = 2, 3, 3, 40
_SHOWN = 40  # characters of a refused value a message quotes: enough to find it, never a 20 MB echo


def _short(value: Any) -> str:
    """A refused value as a short quote (a prefix of a long string, the size of a huge number)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"an integer of {len(str(abs(value)))} digits"
    if isinstance(value, str):
        return repr(value[:_SHOWN]) + ("..." if len(value) > _SHOWN else "")
    text = _REPR.repr(value)
    return text[:_SHOWN * 2] + ("..." if len(text) > _SHOWN * 2 else "")


def _deep_merge(base: dict, overlay: dict) -> dict:
    merged = dict(base)
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def read_toml(file: Path) -> dict:
    """Read one TOML layer, turning every failure into a :class:`ConfigError` naming the file."""
    try:
        with open(file, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{file}: file not found. Check the path, or unset {SITE_ENV}.") from None
    except PermissionError:
        raise ConfigError(f"{file}: permission denied. The kiosk user must be able to read it.") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{file}: not valid TOML ({e}). Fix the syntax at that line.") from None
    except UnicodeDecodeError as e:
        raise ConfigError(f"{file}: not UTF-8 text (bad byte at offset {e.start}). Save the file as UTF-8.") from None
    except RecursionError:
        raise ConfigError(f"{file}: values nested too deeply to read. No setting needs more than two levels.") from None
    except ValueError:  # tomllib's int() refuses numbers of more than 4300 digits
        raise ConfigError(f"{file}: {_huge_number_at(file)}: number far too long. See config.toml for the range.") \
            from None
    except OSError as e:
        raise ConfigError(f"{file}: cannot be read ({e.strerror}).") from None


_HUGE_NUMBER = re.compile(r"^\s*([^=\s]+)\s*=\s*[+-]?[\d_]{1000,}", re.MULTILINE)


def _huge_number_at(file: Path) -> str:
    """Where the over-long number is: 'line N, key K' (the file has already been read once)."""
    text = file.read_bytes().decode("utf-8", "replace")
    found = _HUGE_NUMBER.search(text)
    if not found:
        return "a value"
    return f"line {text.count(chr(10), 0, found.start()) + 1}, key {found.group(1)[:_SHOWN]}"


def validate_layers(layers: list[tuple[Path, dict]]) -> Settings:
    """Merge layers in order, validating after each so errors name the file responsible."""
    merged: dict[str, Any] = {}
    settings = Settings()
    for file, data in layers:
        merged = _deep_merge(merged, data)
        try:
            settings = Settings.model_validate(merged)
        except ValidationError as e:
            raise ConfigError("\n".join(_describe(file, err) for err in e.errors())) from None
        except RecursionError:
            raise ConfigError(f"{file}: values nested too deeply. No setting needs more than two levels.") from None
        _cross_check(file, settings)
    return settings


def _cross_check(file: Path, settings: Settings) -> None:
    """Rules between keys, checked after each layer so the refusal names the file that broke them."""
    face = settings.face
    if face.recognizer not in face.zones:
        raise ConfigError(
            f"{file}: [face] recognizer = {face.recognizer!r} has no [face.zones.{face.recognizer}] table. Measure the "
            "zones with 'python -m drivers.face calibrate FOLDER' and add the table it prints (distances differ "
            "between recognizers)."
        )
    for name, zones in face.zones.items():
        if zones.accept_distance >= zones.reject_distance:
            raise ConfigError(
                f"{file}: [face.zones.{name}] accept_distance must be smaller than reject_distance "
                f"(got {zones.accept_distance} and {zones.reject_distance})."
            )
    if settings.outbox.retry_initial_s > settings.outbox.retry_max_s:
        raise ConfigError(
            f"{file}: [outbox] retry_initial_s must not be larger than retry_max_s "
            f"(got {settings.outbox.retry_initial_s} and {settings.outbox.retry_max_s})."
        )


def settings_for_tool(site_file: str | os.PathLike | None = None) -> Settings:
    """The settings a technician's command-line tool runs with: the kiosk's own, or, when they
    cannot be read, the built-in defaults with a note on standard error saying why."""
    try:
        return load_settings(site_file)
    except ConfigError as e:
        print(f"note: using built-in defaults, the configuration could not be read: {e}", file=sys.stderr)
        return Settings()


def load_settings(site_file: str | os.PathLike | None = None, *, defaults_file: Path = DEFAULTS_FILE,
                  rejected: list[str] | None = None) -> Settings:
    """Load all layers and return validated settings.

    Args:
        site_file: the site file; when None, ``$KIOSK_CONFIG`` is used if set.
        defaults_file: the repository defaults (tests point this elsewhere).
        rejected: when given, why the remote layer was ignored is appended to it.

    Raises:
        ConfigError: a local file is missing, unreadable or invalid; the message names file, key
            and fix. A refused or invalid remote layer never raises: it is left out.
    """
    layers = local_layers(site_file, defaults_file=defaults_file)
    settings = validate_layers(layers)
    remote_file = settings.path(settings.paths.remote_file)
    if remote_file.exists():
        try:
            settings = validate_remote(layers, remote_file, read_toml(remote_file))
        except ConfigError as e:
            if rejected is not None:
                rejected.append(str(e))
    site = site_file if site_file is not None else os.environ.get(SITE_ENV)
    settings._site_file = Path(site) if site else None  # the calibration writer re-validates with it
    return settings


def local_layers(site_file: str | os.PathLike | None = None, *,
                 defaults_file: Path = DEFAULTS_FILE) -> list[tuple[Path, dict]]:
    """The local layers (defaults, site file, calibration file), read and validated."""
    layers = [(defaults_file, read_toml(defaults_file))]
    site = site_file if site_file is not None else os.environ.get(SITE_ENV)
    if site:
        layers.append((Path(site), read_toml(Path(site))))
    settings = validate_layers(layers)
    # Optional layer: present only once a technician calibrated.
    calibration = settings.path(settings.paths.calibration_file)
    if calibration.exists():
        layers.append((calibration, read_toml(calibration)))
        validate_layers(layers)
    return layers


def validate_remote(layers: list[tuple[Path, dict]], file: Path, data: dict) -> Settings:
    """The settings with remote ``data`` on top of the local ``layers``.

    Raises:
        ConfigError: ``data`` sets a key that is not remotely settable, or is invalid over these layers.
    """
    not_allowed = refused(data)
    if not_allowed:
        raise ConfigError("\n".join(f"{file}: {key}: may not be set remotely. Set it in the site file instead."
                                     for key in not_allowed))
    return validate_layers([*layers, (file, data)])
