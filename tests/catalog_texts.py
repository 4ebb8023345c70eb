"""Every Chinese text a citizen reads: the message catalogs and the service catalog, per language."""
import re
import tomllib
from pathlib import Path

from common.i18n import load_catalog

SERVICES = Path(__file__).resolve().parent.parent / "assets" / "services"
# What placeholders become on screen: a receipt number, amounts, years (anything else: a small number).
SAMPLES = {"number": "SB202611290001", "income": "123,456.78", "tax": "12,345.67", "year_from": "2022",
           "year_to": "2026"}


def filled(text: str) -> str:
    """``text`` with its placeholders (``{number}``, a journey's ``{reply.slot.date|code:x}``) replaced
    by realistic values."""
    return re.sub(r"\{([\w.]+)(?:\|[\w:]+)*\}", lambda m: SAMPLES.get(m.group(1).rsplit(".", 1)[-1], "12"), text)


def _strings(node, lang):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == lang and isinstance(value, str):
                yield value
            else:
                yield from _strings(value, lang)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value, lang)


def service_texts(lang: str) -> list[tuple[str, str]]:
    """(where, text) for every ``lang`` text in ``assets/services/*.toml``."""
    return [(path.name, filled(text)) for path in sorted(SERVICES.glob("*.toml"))
            for text in _strings(tomllib.loads(path.read_text(encoding="utf-8")), lang)]


def all_texts(lang: str) -> list[tuple[str, str]]:
    """(where, text) for every translated message and catalog text in ``lang``."""
    return [(f"kiosk.po {msgid!r}", filled(text)) for msgid, text in load_catalog(lang).items()] + service_texts(lang)
