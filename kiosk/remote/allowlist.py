"""The settings a remote update may change. Everything else is refused, by name.

Never remotely settable (and so absent here): backend URLs, TLS and key files, paths and ports,
anything that loads code (the WLT decoder library, face detector/recognizer/liveness import paths),
switching liveness off, the update channel itself. A key added to the settings is not remotely
settable until it is added here on purpose.
"""
from __future__ import annotations

ALLOWED: frozenset[str] = frozenset({
    "kiosk.default_language", "kiosk.hall_name.zh_CN", "kiosk.hall_name.zh_HK", "kiosk.hall_name.en",
    "ui.large_text_scale",
    "session.idle_timeout_s", "session.countdown_s",
    "logging.level",
    "idcard.poll_interval_s",
    "camera.exposure", "camera.rotation",
    "face.accept_distance", "face.reject_distance", "face.attempts", "face.challenge_timeout_s",
    "face.same_face_distance", "face.min_face_px", "face.max_yaw", "face.min_sharpness",
    "printer.paper_width_mm", "printer.dots_per_line", "printer.cutter", "printer.text_mode",
    "printer.chinese_font",
    "backend.connect_timeout_s", "backend.read_timeout_s", "backend.query_attempts",
    "backend.down_hold_s",
    "outbox.retry_initial_s", "outbox.retry_max_s", "outbox.stuck_after_s",
    "voice.enabled", "voice.volume", "voice.rate",
    "remote.poll_interval_s", "remote.heartbeat_interval_s",
})


def flatten(data: dict, prefix: str = "") -> list[str]:
    """Dotted names of every leaf key of a TOML table (``{"a": {"b": 1}}`` -> ``["a.b"]``)."""
    keys = []
    for key, value in data.items():
        name = f"{prefix}{key}"
        keys.extend(flatten(value, name + ".") if isinstance(value, dict) else [name])
    return keys


def refused(data: dict) -> list[str]:
    """The keys of ``data`` a remote update may not set, as ``[section] key`` (empty: all allowed)."""
    return [_describe(key) for key in flatten(data) if key not in ALLOWED]


def _describe(key: str) -> str:
    section, _, rest = key.partition(".")
    return f"[{section}] {rest}" if rest else f"[{section}]"
