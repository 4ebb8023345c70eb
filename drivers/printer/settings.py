"""The receipt printer's settings (``[printer]`` in config.toml).

Validated strictly by the kiosk's configuration loader (``kiosk.config``), which composes it; the
driver depends only on this object, never on the kiosk's whole configuration.
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from common.settings import Section
from drivers.printer.profile import MIN_AREA_DOTS, mm_to_dots

Margin = Annotated[float, Field(ge=0, le=30, multiple_of=0.5)]


class PrinterSettings(Section):
    """The receipt printer's settings (``[printer]`` in config.toml)."""

    port: str = "sim"
    paper_width_mm: Literal[58, 80] = 80
    dots_per_line: Annotated[int, Field(ge=256, le=1024, multiple_of=8)] = 576
    dpi: Annotated[int, Field(ge=150, le=600)] = 203
    margin_left_mm: Margin = 0.0
    margin_right_mm: Margin = 0.0
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

    @model_validator(mode="after")
    def _margins_fit(self) -> "PrinterSettings":
        left, right = mm_to_dots(self.margin_left_mm, self.dpi), mm_to_dots(self.margin_right_mm, self.dpi)
        area = (self.dots_per_line - left - right) // 8 * 8
        if area < MIN_AREA_DOTS:
            width = self.dots_per_line * 25.4 / self.dpi
            raise ValueError(
                f"margin_left_mm + margin_right_mm ({self.margin_left_mm:g} + {self.margin_right_mm:g} mm) leave "
                f"{area * 25.4 / self.dpi:.0f} mm of the {width:.0f} mm the head prints on {self.paper_width_mm} mm "
                f"paper; at least {MIN_AREA_DOTS * 25.4 / self.dpi:.0f} mm must remain. Make the margins smaller")
        return self
