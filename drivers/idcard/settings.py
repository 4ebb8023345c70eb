"""The ID card reader's settings (``[idcard]`` in config.toml).

Validated strictly by the kiosk's configuration loader (``kiosk.config``), which composes it; the
driver depends only on this object, never on the kiosk's whole configuration.
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from common.settings import Section


class IdCardSettings(Section):
    """The ID card reader's settings (``[idcard]`` in config.toml)."""

    port: str = "sim"
    baud: Literal[0, 9600, 115200] = 0
    poll_interval_s: Annotated[float, Field(ge=0.05, le=5.0)] = 0.3
    wlt_decoder: str = "demo"
