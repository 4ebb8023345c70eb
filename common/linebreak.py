"""Line breaking for Chinese (and mixed) text, for screens and the receipt printer alike.

A simplified UAX #14 with the Chinese line-breaking rules (禁则) a reader expects:

- a line may break between two Chinese characters, and at spaces;
- closing punctuation (``，。、；：？！）」』】》`` …) never starts a line, opening punctuation
  (``（「『【《`` …) never ends one, and ``——`` / ``……`` are not split;
- a paragraph does not end on a line holding one Chinese character alone (a "widow", 孤字, such as
  "像。"): the character before it comes down too;
- a run of Latin letters and digits (a word, a receipt or reference number, an amount such as
  ``1,234.56`` or a date ``2024-06-15``) is never split, and a number keeps its currency sign
  (``￥60``) and its unit (``60元``, ``123.45 元``, ``5个工作日``, ``3楼``).

Only a piece wider than a whole line is broken between characters, as a last resort.
The width of text is the caller's: columns on the printer, pixels of a font on screen.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Callable

NO_LINE_START = frozenset("，。、；：？！．）」』】》〉〕〗〙〛｝］’”…—·％‰℃,.;:!?)]}%")
NO_LINE_END = frozenset("（「『【《〈〔〖〘〚｛［‘“([{￥¥$€£")
_UNITS = ("个工作日", "工作日", "个月", "小时", "分钟", "公里", "平方米", "万元", "亿元", "周岁",
          "元", "角", "分", "年", "月", "日", "号", "时", "秒", "天", "周", "岁", "楼", "层", "座",
          "室", "个", "次", "项", "条", "张", "份", "页", "本", "位", "名", "户", "件", "台", "人",
          "元整", "米", "克", "倍", "度", "万", "亿", "期", "届")
_UNIT = re.compile(" ?(?:" + "|".join(sorted(_UNITS, key=len, reverse=True)) + ")")  # "60元", "123.45 元"
_WORD = re.compile(r"[A-Za-z0-9０-９\uff21-\uff3a\uff41-\uff5a]+(?:[.,:/\-_'][A-Za-z0-9０-９]+)*")
_SPACE = re.compile(r"[ \t\u3000]+")
_RUN = re.compile(r"—+|…+|\.{2,}")


def pieces(text: str) -> list[str]:
    """``text`` (one paragraph) cut into the pieces no line break may enter; spaces are pieces of their own."""
    return ["".join(atoms) for atoms in _pieces(text)]


def _pieces(text: str) -> list[list[str]]:
    """The pieces, each as its atoms (a character, a word or number with its unit, a space run)
    glued together by the punctuation rules."""
    out: list[list[str]] = []
    glue_next = False  # the previous piece ended with opening punctuation
    i = 0
    while i < len(text):
        m = _SPACE.match(text, i) or _WORD.match(text, i) or _RUN.match(text, i)
        atom = m.group() if m else text[i]
        i += len(atom)
        if atom[-1].isdigit():
            unit = _UNIT.match(text, i)
            if unit:
                atom += unit.group()
                i = unit.end()
        if atom[0].isspace():
            if glue_next:
                out[-1].append(atom)  # no break after opening punctuation, spaces or not
            else:
                out.append([atom])
            continue
        if atom[0] in NO_LINE_START and len(out) > 1 and out[-1][0].isspace():
            out[-2:] = [out[-2] + out[-1] + [atom]]  # no break before closing punctuation, spaces or not
        elif out and not out[-1][0].isspace() and (glue_next or atom[0] in NO_LINE_START):
            out[-1].append(atom)
        else:
            out.append([atom])
        glue_next = atom[-1] in NO_LINE_END
    return out


def break_lines(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """``text`` broken into lines at most ``width`` wide as measured by ``measure`` (always one line at least).

    Existing line breaks are kept; spaces at a break are dropped.
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines += _Filler(width, measure).fill(_pieces(paragraph))
    return lines


class _Filler:
    """Greedy filling: each piece goes on the current line if it fits, else on a new one."""

    def __init__(self, width: float, measure: Callable[[str], float]) -> None:
        self.width, self.measure = width, measure
        self.lines: list[str] = []
        self.line, self.used = "", 0.0
        self.starts: list[int] = []  # where each piece placed whole on the current line begins
        self.last_starts: list[int] = []  # the same for the line before

    def fill(self, parts: list[list[str]]) -> list[str]:
        for atoms in parts:
            piece = "".join(atoms)
            width = self.measure(piece)
            if piece[0].isspace():
                if self.line:
                    self._add(piece, width)
            elif width <= self.width:
                self._place(piece, width)
            else:  # wider than a line: break between its atoms, inside one only if it alone is too wide
                for atom in atoms:
                    atom_width = self.measure(atom)
                    if atom_width <= self.width:
                        self._place(atom, atom_width)
                    else:
                        self._split(atom)
        self._no_widow()
        self.lines.append(self.line.rstrip())
        return self.lines

    def _no_widow(self) -> None:
        """Bring the previous line's last character down to a last line of one Chinese character."""
        last = self.line.rstrip()
        if not self.lines or len(self.starts) != 1 or not _lone_character(last) or len(self.last_starts) < 2:
            return
        above = self.lines[-1]
        cut = self.last_starts[-1]
        moved = above[cut:]
        if _lone_character(moved) and not above[:cut].endswith(" ") and self.measure(moved + last) <= self.width:
            self.lines[-1] = above[:cut]
            self.line, self.used = moved + last, self.measure(moved + last)

    def _add(self, text: str, width: float) -> None:
        self.line, self.used = self.line + text, self.used + width

    def _place(self, text: str, width: float) -> None:
        if self.used + width > self.width and self.line.strip():
            self._new_line()
        self.starts.append(len(self.line))
        self._add(text, width)

    def _split(self, atom: str) -> None:
        self.starts = []  # a cut piece: no widow rule for these lines
        for ch in atom:
            width = self.measure(ch)
            if self.used + width > self.width and self.line.strip():
                carry = self.line[-1] if ch in NO_LINE_START and len(self.line.strip()) > 1 else ""
                self._new_line(carry)
            self._add(ch, width)

    def _new_line(self, carry: str = "") -> None:
        self.lines.append(self.line[:len(self.line) - len(carry)].rstrip())
        self.line, self.used = carry, self.measure(carry) if carry else 0.0
        self.last_starts, self.starts = self.starts, []


def _lone_character(text: str) -> bool:
    """One Chinese character, with the closing punctuation glued to it (``像。``)."""
    core = text.rstrip("".join(NO_LINE_START))
    return len(core) == 1 and core.isalpha() and unicodedata.east_asian_width(core) == "W"
