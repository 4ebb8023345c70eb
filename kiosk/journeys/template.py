"""The small, safe template language of journey definitions: ``{path}`` and ``{path|filter}``.

Definitions come from files an operator may push remotely, so templates never reach Python's
``str.format`` (which can read attributes of anything it is given). A placeholder is a dotted
path into the journey's scope (``card.id_number``, ``reply.totals.income``, ``row.month``)
followed by filters from :data:`FILTERS` (``|mask_id``, ``|yuan``, ``|pad2``, ``|count``,
``|code:income_item``, ``|minute``). Unknown paths and filters are caught when the definition is loaded.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Mapping

from drivers.printer.receipt import mask_id_number, yuan

PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*(?:\.[a-z0-9_]+)*)((?:\|[a-z_0-9]+(?::[a-z_0-9]+)?)*)\}")
_BAD_BRACE = re.compile(r"[{}]")


class TemplateError(ValueError):
    """A template names an unknown filter or is malformed (found at load time)."""


def _yuan(value: Any) -> str:
    try:
        return yuan(Decimal(str(value)))
    except InvalidOperation:
        return str(value)


FILTERS: dict[str, Callable[[Any], str]] = {
    "mask_id": lambda v: mask_id_number(str(v)),   # 4401**********123X
    "yuan": _yuan,                                 # ¥1,234.50
    "pad2": lambda v: f"{int(v):02d}",
    "count": lambda v: str(len(v)),
    "minute": lambda v: str(v)[:16].replace("T", " "),  # an RFC 3339 time as 2026-11-21 10:05
}


def placeholders(template: str) -> list[tuple[str, list[str]]]:
    """The ``(path, [filter, ...])`` pairs of ``template``; raises :class:`TemplateError` if malformed."""
    found = []
    for match in PLACEHOLDER.finditer(template):
        filters = [f for f in match.group(2).split("|") if f]
        for f in filters:
            name = f.split(":", 1)[0]
            if name not in FILTERS and name != "code":
                raise TemplateError(f"unknown filter {name!r} in {match.group(0)!r}; known: "
                                    f"{', '.join([*FILTERS, 'code:NAME'])}")
        found.append((match.group(1), filters))
    if _BAD_BRACE.search(PLACEHOLDER.sub("", template)):
        raise TemplateError("a '{' or '}' that is not part of a {path} placeholder")
    return found


def lookup(scope: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted ``path`` in ``scope`` (mappings by key, sequences by index, objects by
    public attribute); None where the path does not lead anywhere."""
    value: Any = scope
    for part in path.split("."):
        if part.startswith("_"):
            return None
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, (list, tuple)) and part.isdigit():
            value = value[int(part)] if int(part) < len(value) else None
        else:
            value = getattr(value, part, None)
        if value is None:
            return None
    return value


def render(template: str, scope: Mapping[str, Any], codes: Mapping[str, Mapping[str, str]] | None = None) -> str:
    """Fill ``template`` from ``scope``; a missing value renders as "".

    Args:
        codes: for ``|code:NAME``: ``{NAME: {code: text in the current language}}``; a code not
            in the table shows as it is.
    """
    def fill(match: re.Match) -> str:
        value = lookup(scope, match.group(1))
        for f in (f for f in match.group(2).split("|") if f):
            if value is None:
                return ""
            name, _, arg = f.partition(":")
            if name == "code":
                value = (codes or {}).get(arg, {}).get(str(value), value)
            else:
                value = FILTERS[name](value)
        return "" if value is None else str(value)
    return PLACEHOLDER.sub(fill, template)
