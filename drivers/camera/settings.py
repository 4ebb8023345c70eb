"""The camera's settings (``[camera]`` in config.toml).

Validated strictly by the kiosk's configuration loader (``kiosk.config``), which composes it; the
driver depends only on this object, never on the kiosk's whole configuration.
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from common.settings import Section


class CameraSettings(Section):
    """The camera's settings (``[camera]`` in config.toml)."""

    device: str = "sim"
    width: Annotated[int, Field(ge=160, le=3840)] = 640
    height: Annotated[int, Field(ge=120, le=2160)] = 480
    fps: Annotated[int, Field(ge=1, le=120)] = 30
    exposure: float = -1.0
    gain: float = -1.0
    white_balance_k: Annotated[int, Field(ge=-1, le=10000)] = -1
    rotation: Literal[0, 90, 180, 270] = 0
    mirror: bool = False
    sim_source: str = "demo"
