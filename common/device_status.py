"""The one device status vocabulary every driver reports in.

Modelled on XFS4IoT: a device has a *state*, optional device-specific *conditions*
(``{"paper": "near_end"}``), and every problem names *who must act*. ``UNKNOWN`` is
its own value: a status we could not read is never reported as "offline" or "out".
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping


class DeviceState(enum.Enum):
    """Overall state of one device."""

    ONLINE = "online"                  # ready for work
    BUSY = "busy"                      # working on a command
    OFFLINE = "offline"                # present but not answering or not ready
    NO_DEVICE = "no_device"            # nothing at the configured port
    HARDWARE_ERROR = "hardware_error"  # the device reports a fault it cannot clear itself
    USER_ERROR = "user_error"          # something a person must fix (paper out, cover open)
    UNSUPPORTED = "unsupported"        # something answers, but not in a protocol we speak
    UNKNOWN = "unknown"                # not yet known or could not be read


class Action(enum.Enum):
    """Who must act to clear a problem."""

    NONE = "none"
    WAIT = "wait"                      # the driver retries by itself
    RESET = "reset"                    # a reset or power cycle may clear it
    REPLENISH = "replenish"            # consumables: paper, ribbon
    CLEAR = "clear"                    # a person must clear it on site (close cover, remove jam)
    MAINTENANCE = "maintenance"        # a technician must repair or replace the device
    CONFIGURATION = "configuration"    # settings or licensed components are missing or wrong


@dataclass(frozen=True)
class DeviceStatus:
    """A snapshot of one device's health, safe to log (it never carries personal data).

    Attributes:
        device: the device name as configured, e.g. ``"idcard"``, ``"printer"``.
        state: overall state.
        reason: a short machine-readable word, e.g. ``"paper_out"``, ``"photo_decoder_missing"``.
        action: who must act.
        conditions: device-specific sub-states, e.g. ``{"paper": "near_end", "cover": "closed"}``.
        detail: a technician-facing sentence in English (never shown to citizens).
    """

    device: str
    state: DeviceState
    reason: str = ""
    action: Action = Action.NONE
    conditions: Mapping[str, str] = field(default_factory=dict)
    detail: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "conditions", MappingProxyType(dict(self.conditions)))

    @property
    def ready(self) -> bool:
        """True when the device can take a citizen's job now."""
        return self.state is DeviceState.ONLINE

    def as_dict(self) -> dict:
        """A plain dict for diagnostics output and JSON."""
        return {
            "device": self.device,
            "state": self.state.value,
            "reason": self.reason,
            "action": self.action.value,
            "conditions": dict(self.conditions),
            "detail": self.detail,
        }
