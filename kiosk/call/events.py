"""What the kiosk's side of a call and the call process say to each other, and to the screen.

Plain data only: every class here crosses the process boundary (``kiosk.call.client`` spawns
``kiosk.call.peer`` for each call).
"""
from __future__ import annotations

from dataclasses import dataclass

# Why a call ended (CallEvent.reason).
HUNG_UP = "hung_up"                # the citizen (or the session ending) hung up
AGENT_HUNG_UP = "agent_hung_up"
AGENT_LEFT = "agent_left"          # the agent's browser closed or lost its connection
NETWORK = "network"                # the console or the media path was lost mid-call, or the call process failed
UNAVAILABLE = "unavailable"        # the console could not be reached
OUTSIDE_HOURS = "outside_hours"


@dataclass(frozen=True)
class CallEvent:
    """What happened in the call, for the screen.

    ``kind``: ``connecting``; ``queued`` (``position``, ``wait_s``); ``accepted`` (an agent took
    the call, media starting); ``connected`` (media flowing); ``guide`` (``service_id``); ``text``
    (``text``); ``camera`` (``camera_ok``: the agent sees the citizen again, or no longer);
    ``ended`` (``reason``, one of the module's reason constants; always the last event).
    """

    kind: str
    position: int = 0
    wait_s: int = 0
    reason: str = ""
    text: str = ""
    service_id: str = ""
    camera_ok: bool = True

    def __repr__(self) -> str:  # the agent's text may name the citizen: never in a log line
        return f"CallEvent({self.kind}{', ' + self.reason if self.reason else ''})"


@dataclass(frozen=True)
class CallOptions:
    """What a call needs from ``[call]`` (see config.toml), with the console's resolved URL.

    ``microphone`` is as in ``[call]``; a ``file:`` path relative to the kiosk's folder is
    resolved with ``resolve_path`` before the call process starts.
    """

    url: str
    terminal_id: str
    ice_servers: list[dict]
    local_addresses: list[str]
    microphone: str
    speaker: str
    send_fps: int
    send_width: int
    connect_timeout_s: float
    camera_wait_s: float
    resolve_path: object = str  # Callable[[str], str]; not sent to the call process


@dataclass(frozen=True)
class CallStats:
    """The call process's running figures, sent a few times a second.

    ``last_speech``: ``time.monotonic()`` (system-wide on Linux) when the citizen's microphone last
    carried speech, 0 never; ``agent_voice_level``: the loudest 20 ms of the agent's voice in the
    last second, int16 RMS.
    """

    frames_sent: int = 0
    last_speech: float = 0.0
    agent_voice_level: float = 0.0
