"""The receipt printer's settings (``[printer]`` in config.toml).

Validated strictly by the kiosk's configuration loader (``kiosk.config``), which composes it; the
driver depends only on this object, never on the kiosk's whole configuration.
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from common.settings import Section


class PrinterSettings(Section):
    """The receipt printer's settings (``[printer]`` in config.toml)."""

    port: str = "sim"
    paper_width_mm: Literal[58, 80] = 80
    dots_per_line: Annotated[int, Field(ge=256, le=1024, multiple_of=8)] = 576
    cutter: bool = True
    cut_mode: Literal["partial", "full"] = "partial"
    density_percent: Annotated[int, Field(ge=70, le=130, multiple_of=5)] = 100
    roll_length_m: Annotated[float, Field(gt=0, le=500)] = 80.0
    text_mode: Literal["gb18030", "raster"] = "gb18030"
    chinese_font: Literal["gb2312", "gbk", "gb18030"] = "gbk"
    qr_as_image: bool = False
    baud: Literal[9600, 19200, 38400, 57600, 115200] = 9600
    flow_control: Literal["none", "rtscts", "dsrdtr"] = "none"
    status_timeout_s: Annotated[float, Field(ge=0.05, le=5.0)] = 0.5
