"""The A4 printer's settings (``[a4printer]`` in config.toml), composed by ``kiosk.config``."""
from __future__ import annotations

from typing import Annotated

from pydantic import Field

from common.settings import Section


class A4PrinterSettings(Section):
    """The A4 laser printer for official documents (``[a4printer]`` in config.toml)."""

    port: Annotated[str, Field(pattern=r"^(sim|tcp://[^\s:]+:\d{1,5})$")] = "sim"
    connect_timeout_s: Annotated[float, Field(gt=0, le=30)] = 2.0
    status_timeout_s: Annotated[float, Field(gt=0, le=30)] = 3.0
    job_timeout_s: Annotated[float, Field(ge=5, le=600)] = 90.0
    poll_interval_s: Annotated[float, Field(ge=1, le=300)] = 5.0
    duplex: bool = False
