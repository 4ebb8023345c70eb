"""Widgets shared by several screens."""
from __future__ import annotations

import math
import re

from kivy.core.text import Label as CoreLabel
from kivy.metrics import dp, sp
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.screenmanager import ScreenManager

from screens.linebreak import BrokenLabel  # noqa: F401  (registers the kv base class of Body)


class ScreenStack(ScreenManager):
    """The shell's screens, one at a time, switched without a transition.

    Kivy's ScreenManager clips its screens with a stencil: two extra full-window fills and a
    stencil test on every pixel of every frame, which in software OpenGL costs more than the
    screen itself. The kiosk's screens fill the window, so style.kv drops that rule
    (``<-ScreenStack>``).
    """


class TopBar(BoxLayout):
    """The bar at the top of every citizen screen: home, hall name, language and large text."""

    hall_name = StringProperty("")
    show_home = BooleanProperty(True)
    __events__ = ("on_home",)

    def on_home(self) -> None:
        """Dispatched when the citizen touches Home."""


_UNBREAKABLE = re.compile(r"[0-9A-Za-z*/:.,¥-]+")  # a receipt number, a code, a date, an amount: never split
_FIT_TRIES = 4  # measurements per fit: the second one fits in practice
# The type scale, in sp: every text size the screens give is one of these (tests/ui/test_drawing.py
# checks the kv files), and a FitLabel shrinks only to these. Kivy's SDL2 text renderer opens the
# font file again for every (font, size) it draws, one open file and about 2.5 MB each, and keeps up
# to 64 (benchmarks.font_cache). Sizes in proportion to each text and width opened one for nearly
# every code and amount; ladders of whole pixels below each label's own largest size still made
# every pixel from 9 to 40 a size (34 fonts open after the gallery, where the kv files give 16 sizes).
TYPE_SCALE_SP = (14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34, 36, 40, 44, 48, 52, 56, 64, 72, 180)  # 14: a code's floor
_RUNG = 0.9  # each try aims at 90 % of the size before, or less, rounded down to the scale


class FitLabel(Label):
    """A one-line label whose font shrinks (down to ``smallest`` of ``largest``) so its text fits
    its width instead of wrapping: a Chinese hall name has no word boundaries a line breaker could
    know ("智慧政 / 务大厅" splits 政务), and a table cell that wraps grows out of its row.
    A number or code (``YY20261130000002``) shrinks below ``smallest`` rather than split.
    With ``wrap_words`` a text with spaces (English) wraps at them instead."""

    largest = NumericProperty(dp(30))   # the size it has when the text fits ("24sp" follows large text)
    smallest = NumericProperty(0.6)     # as a fraction of largest
    wrap_words = BooleanProperty(False)

    # What the fit depends on; a table row sets its cells' weight after their text.
    _FITS_ON = ("size", "text", "largest", "bold", "font_name", "padding")

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        for name in self._FITS_ON:
            self.fbind(name, self.fit)
        self.fit()

    def fit(self, *_args) -> None:
        size = self.largest
        room = self.width - self.padding[0] - self.padding[2]
        if self.text and room > 1 and not (self.wrap_words and " " in self.text.strip()):
            scale = [sp(v) for v in TYPE_SCALE_SP]  # in pixels now: large text scales them all
            least = scale[0] if _UNBREAKABLE.fullmatch(self.text) else self.largest * self.smallest
            floor = min(self.largest, max((s for s in scale if s <= least), default=scale[0]))
            rung = 0
            # Glyphs advance by whole pixels, so a width does not shrink in proportion to the size
            # (24 -> 21.4 px made a 251 px date 230 px, not 224): measure again at the new size.
            for _ in range(_FIT_TRIES):
                width = CoreLabel(font_name=self.font_name, font_size=size, bold=self.bold).get_extents(self.text)[0]
                if width <= room or size <= floor:
                    break
                rung += max(1, math.ceil(math.log(room / width) / math.log(_RUNG)))
                aim = self.largest * _RUNG ** rung
                size = max(floor, max((s for s in scale if s <= aim), default=scale[0]))
        self.font_size = size
