"""What a site's printer can do: paper width, dots per line, cutter, and how Chinese text is sent."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

TextMode = Literal["gb18030", "raster"]
ChineseFont = Literal["gb2312", "gbk", "gb18030"]
CELL_DOTS = 12  # font A: 12 x 24 dots per ASCII character, 24 x 24 per two-byte character
LINE_DOTS = 24
MIN_AREA_DOTS = 256  # the narrowest print area a receipt is laid out for (21 columns, 32 mm at 203 dpi)


def mm_to_dots(mm: float, dpi: int) -> int:
    """A length on paper in the head's dots (203 dpi: 8 dots per millimetre)."""
    return round(mm * dpi / 25.4)


def dots_to_mm(dots: float, dpi: int) -> float:
    """The paper length of ``dots`` dot rows, in millimetres."""
    return dots * 25.4 / dpi


@dataclass(frozen=True)
class PrinterProfile:
    """A printer model as configured in ``[printer]``.

    Attributes:
        paper_width_mm: 58 or 80.
        dots_per_line: printable dots across the paper (384 on most 58 mm, 576 on 80 mm printers).
        cutter: the printer has an automatic cutter (else the citizen tears the paper off).
        cut_mode: ``"partial"`` (a hinge holds the receipt) or ``"full"``.
        density_percent: print density sent with every job (70-130 %).
        text_mode: ``"gb18030"``: the printer has a Chinese font and gets text in Chinese mode;
            ``"raster"``: lines with non-ASCII characters are sent as images drawn with our font.
        chinese_font: which characters that font has: ``"gb2312"`` (6,763 hanzi, no traditional
            characters), ``"gbk"`` (two-byte GB18030 codes: 21,886 hanzi incl. traditional) or
            ``"gb18030"`` (four-byte codes too). In gb18030 mode a line with a character the
            font lacks is sent as an image instead, so rare characters still print.
        qr_as_image: the printer lacks ``GS ( k`` (common on 58 mm models): QR codes are sent as
            raster images drawn here.
        dpi: the head's resolution (dots per inch, across and along the paper).
        margin_left_dots, margin_right_dots: blank dots kept at each side of the head's width
            (``GS L`` / ``GS W``); the receipt is laid out on what is left, :attr:`area_dots`.
    """

    paper_width_mm: int = 80
    dots_per_line: int = 576
    cutter: bool = True
    text_mode: TextMode = "gb18030"
    chinese_font: ChineseFont = "gbk"
    cut_mode: Literal["partial", "full"] = "partial"
    density_percent: int = 100
    qr_as_image: bool = False
    dpi: int = 203
    margin_left_dots: int = 0
    margin_right_dots: int = 0

    def __post_init__(self) -> None:
        if self.dots_per_line % 8 or not 256 <= self.dots_per_line <= 1024:
            raise ValueError("dots_per_line must be a multiple of 8 between 256 and 1024")
        if self.text_mode not in ("gb18030", "raster"):
            raise ValueError(f"unknown text mode {self.text_mode!r}")
        if self.chinese_font not in ("gb2312", "gbk", "gb18030"):
            raise ValueError(f"unknown Chinese font coverage {self.chinese_font!r}")
        if self.cut_mode not in ("partial", "full"):
            raise ValueError(f"unknown cut mode {self.cut_mode!r}")
        if self.density_percent % 5 or not 70 <= self.density_percent <= 130:
            raise ValueError("density_percent must be 70-130 in steps of 5")
        if self.margin_left_dots < 0 or self.margin_right_dots < 0:
            raise ValueError("margins cannot be negative")
        if self.area_dots < MIN_AREA_DOTS:
            raise ValueError(f"the margins leave {self.area_dots} of {self.dots_per_line} dots; "
                             f"at least {MIN_AREA_DOTS} must remain")

    @property
    def area_dots(self) -> int:
        """The print area between the margins, in dots (a multiple of 8: raster rows are whole bytes)."""
        return (self.dots_per_line - self.margin_left_dots - self.margin_right_dots) // 8 * 8

    @property
    def columns(self) -> int:
        """ASCII characters per line in font A (32 on 58 mm, 48 on 80 mm paper, fewer inside margins)."""
        return self.area_dots // CELL_DOTS

    @classmethod
    def standard(cls, paper_width_mm: int, **overrides) -> PrinterProfile:
        """The usual profile for 58 mm (384 dots) or 80 mm (576 dots) paper."""
        dots = {58: 384, 80: 576}.get(paper_width_mm)
        if dots is None:
            raise ValueError(f"paper width must be 58 or 80 mm, got {paper_width_mm}")
        return cls(paper_width_mm=paper_width_mm, dots_per_line=dots, **overrides)

    @classmethod
    def from_settings(cls, section) -> PrinterProfile:
        """The profile of a :class:`kiosk.config.PrinterSettings`."""
        return cls(section.paper_width_mm, section.dots_per_line, section.cutter, section.text_mode,
                   section.chinese_font, section.cut_mode, section.density_percent, section.qr_as_image,
                   section.dpi, mm_to_dots(section.margin_left_mm, section.dpi),
                   mm_to_dots(section.margin_right_mm, section.dpi))

    def font_has(self, ch: str) -> bool:
        """True when the printer's own font prints ``ch`` (always False for non-ASCII in raster mode)."""
        if self.text_mode == "raster":
            return " " <= ch <= "~"
        return font_covers(self.chinese_font, ch)


def font_covers(chinese_font: ChineseFont, ch: str) -> bool:
    """True when a printer font of that coverage has a glyph for ``ch`` in Chinese mode."""
    if " " <= ch <= "~" or chinese_font == "gb18030":
        return True
    code = ch.encode("gb18030")
    if chinese_font == "gbk":
        return len(code) == 2
    return len(code) == 2 and 0xA1 <= code[0] <= 0xF7 and code[1] >= 0xA1  # the EUC-CN (GB2312) area
