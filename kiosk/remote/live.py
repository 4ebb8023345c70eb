"""Remote settings that take effect between citizen sessions without a restart, and those that need one.

Most remotely settable keys are read where they are used, or have a running part that takes a new
value (the session's timeouts, the printer's profile, the camera's controls, the voice's rate and
volume, the log level): :func:`apply_live` hands them over. A key in :data:`RESTART` is baked into
something started once (a process, a thread's schedule, an HTTP client): a change to it makes the
kiosk restart itself while idle. Both happen only between sessions (the apply queue).
"""
from __future__ import annotations

import logging
from typing import Any, Mapping

from drivers.camera import controls_for
from drivers.printer.profile import PrinterProfile
from kiosk.config import Settings
from kiosk.remote.allowlist import ALLOWED, flatten

log = logging.getLogger(__name__)

_FACE = "the face worker process is started with its thresholds and limits"
_BACKEND = "the department clients are built with their timeouts and attempts at start-up"
_OUTBOX = "the outbox sender is started with its retry schedule"
_REMOTE = "the update poller and the heartbeat are started with their intervals (the poller applies this very update)"
#: remotely settable keys that only a restart applies, and why
RESTART: dict[str, str] = {
    "idcard.poll_interval_s": "the reader supervisor's loop is started with it",
    **{key: _FACE for key in ALLOWED if key.startswith("face.")},
    **{key: _BACKEND for key in ALLOWED if key.startswith("backend.")},
    **{key: _OUTBOX for key in ALLOWED if key.startswith("outbox.")},
    **{key: _REMOTE for key in ALLOWED if key.startswith("remote.")},
    "voice.enabled": "whether the speech synthesiser is there is checked when the voice starts",
}
LIVE: frozenset[str] = ALLOWED - RESTART.keys()


def changed_keys(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Dotted keys whose value differs between two remote settings layers (a key the new layer
    drops counts: the local value comes back)."""
    def value(data: Mapping[str, Any], key: str) -> Any:
        for part in key.split("."):
            if not isinstance(data, Mapping) or part not in data:
                return None
            data = data[part]
        return data

    return sorted(key for key in set(flatten(dict(old))) | set(flatten(dict(new))) if value(old, key) != value(new, key))


def needs_restart(keys: list[str]) -> list[str]:
    """The keys of ``keys`` that only a restart applies."""
    return [key for key in keys if key not in LIVE]


def apply_live(context, runtime, voice, settings: Settings) -> None:
    """Hand the live keys of ``settings`` to the running parts (call between sessions).

    Args:
        context: the :class:`~kiosk.context.KioskContext` (its settings, session and translator).
        runtime: the running devices (:class:`~kiosk.runtime.Runtime`).
        voice: the shell's voice, or None.
    """
    context.settings = runtime.settings = settings
    context.session.idle_timeout_s = settings.session.idle_timeout_s
    context.session.countdown_s = settings.session.countdown_s
    logging.getLogger().setLevel(settings.logging.level)
    runtime.printer.driver.set_profile(PrinterProfile.from_settings(settings.printer))
    runtime.camera.apply_controls(controls_for(settings.camera))
    if voice is not None:
        voice.configure(settings.voice.rate, settings.voice.volume)
    context.translator.set_language(settings.kiosk.default_language)
    log.info("remote settings applied without a restart")
