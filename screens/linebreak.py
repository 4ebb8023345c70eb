"""Chinese line breaking for Kivy labels.

Kivy wraps a label's text at spaces and, for a run without spaces (all of Chinese), wherever the
width runs out: "60元" split as "6 / 0元", lines starting with "，". :class:`BrokenLabel` hands
Kivy its text already broken by :mod:`common.linebreak`, measured in the label's own font, so
Kivy's wrapping never has to cut a line. ``style.kv``'s ``Body`` (and so ``Heading``, ``Title`` and
every label built on them) is a ``BrokenLabel``.
"""
from __future__ import annotations

import functools

from kivy.core.text import Label as CoreLabel
from kivy.uix.label import Label

from common.linebreak import break_lines

# Kivy measures a whole line a hair wider than its pieces' sum (rounding per glyph run): keep a margin.
_MARGIN = 0.99


@functools.lru_cache(maxsize=8)
def _measurer(font_name: str, font_size: float, bold: bool) -> CoreLabel:
    return CoreLabel(font_name=font_name, font_size=font_size, bold=bold)


@functools.lru_cache(maxsize=50000)
def _extent(font_name: str, font_size: float, bold: bool, text: str) -> float:
    return _measurer(font_name, font_size, bold).get_extents(text)[0]


def break_text(text: str, width: float, font_name: str = "Roboto", font_size: float = 15,
               bold: bool = False) -> str:
    """``text`` with line breaks inserted so that no line is wider than ``width`` pixels in this font."""
    def measure(piece: str) -> float:
        return _extent(font_name, font_size, bold, piece)

    return "\n".join(break_lines(text, width * _MARGIN - 1, measure))


class BrokenLabel(Label):
    """A Label whose text, when it wraps (``text_size`` has a width), is broken by the Chinese rules.

    ``text`` keeps the text as given (tests and screen readers see it unchanged); only what Kivy
    lays out gets the inserted line breaks. Markup labels are left to Kivy.
    """

    def texture_update(self, *largs) -> None:
        width = self.text_size[0]
        if width is not None and not self.markup and self.text:
            inner = width - self.padding[0] - self.padding[2]
            self._label.text = break_text(self.text, inner, self.font_name, self.font_size, self.bold)
        super().texture_update(*largs)
