"""The Chinese line-breaking rules as a checker over broken lines (shared by the line-breaking tests)."""
import re

from common.linebreak import NO_LINE_END, NO_LINE_START

_ALNUM = re.compile(r"[A-Za-z0-9]")
_RUN_END = re.compile(r"[A-Za-z0-9.,:/\-_'￥]*$")
_RUN_START = re.compile(r"[A-Za-z0-9.,:/\-_']*")
_NUMBER_UNIT = re.compile(r"\d(元|年|月|日|号|个|楼|次|天|小时|分钟|%)")


def violations(lines: list[str], width: float, measure, text: str) -> list[str]:
    """Every way ``lines`` break the rules: a line too wide (unless one unbreakable piece),
    closing punctuation first, opening punctuation last, a Latin word, number or number+unit of
    ``text`` (the text before breaking) split."""
    found = []
    for i, line in enumerate(lines):
        if not line:
            continue
        if i > 0 and line[0] in NO_LINE_START:
            found.append(f"line {i + 1} starts with {line[0]!r}: {line!r}")
        if i < len(lines) - 1 and line[-1] in NO_LINE_END and lines[i + 1]:
            found.append(f"line {i + 1} ends with {line[-1]!r}: {line!r}")
        if measure(line) > width and (" " in line or len(line) > 1 and not _ALNUM.search(line)):
            found.append(f"line {i + 1} is {measure(line):.0f} wide, more than {width:.0f}: {line!r}")
    for a, b in zip(lines, lines[1:]):
        run = _RUN_END.search(a).group() + _RUN_START.match(b).group() if a and b else ""
        if _ALNUM.match(a[-1:]) and _ALNUM.match(b[:1]) and run in text and measure(run) <= width:
            found.append(f"a word or number is split: {a!r} / {b!r}")
        if a and b and a[-1].isdigit() and _NUMBER_UNIT.match(a[-1] + b[:2]):
            found.append(f"a number is split from its unit: {a!r} / {b!r}")
    return found
