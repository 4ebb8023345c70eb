"""Translation of every user-visible string, gettext style.

Message ids are English source strings; catalogs live in ``assets/locales/<lang>/kiosk.po``
and are read directly with polib (no compile step to forget). Simplified Chinese is the first
language and must be complete: ``tests/test_i18n.py`` fails on any untranslated id.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import polib

LANGUAGES: dict[str, str] = {"zh_CN": "简体中文", "zh_HK": "繁體中文", "en": "English"}
LOCALE_DIR = Path(__file__).resolve().parent.parent / "assets" / "locales"


def load_catalog(lang: str, locale_dir: Path = LOCALE_DIR) -> dict[str, str]:
    """The translations of one language as ``{msgid: msgstr}`` (untranslated entries left out)."""
    po_file = locale_dir / lang / "kiosk.po"
    if not po_file.exists():
        return {}
    return {e.msgid: e.msgstr for e in polib.pofile(str(po_file)) if e.msgstr and not e.obsolete}


class Translator:
    """Holds the current language and translates message ids into it.

    Observers registered with :meth:`on_change` are called after every language switch
    (the Kivy shell uses this to re-evaluate every bound text).
    """

    def __init__(self, language: str = "zh_CN", locale_dir: Path = LOCALE_DIR) -> None:
        self._catalogs = {lang: load_catalog(lang, locale_dir) for lang in LANGUAGES}
        self._observers: list[Callable[[str], None]] = []
        self.language = language

    def gettext(self, msgid: str) -> str:
        """The translation of ``msgid`` in the current language (``msgid`` itself when missing)."""
        return self._catalogs[self.language].get(msgid, msgid)

    def set_language(self, language: str) -> None:
        """Switch language and notify observers."""
        if language not in LANGUAGES:
            raise ValueError(f"unknown language {language!r}; expected one of {', '.join(LANGUAGES)}")
        self.language = language
        for observer in list(self._observers):
            observer(language)

    def on_change(self, observer: Callable[[str], None]) -> None:
        """Call ``observer(language)`` after each switch."""
        self._observers.append(observer)

    def pick(self, texts: dict[str, str]) -> str:
        """Choose from data carrying its own translations (catalog entries): current, then zh_CN."""
        return texts.get(self.language) or texts.get("zh_CN") or next(iter(texts.values()), "")


def N_(msgid: str) -> str:
    """Mark ``msgid`` for translation where it is defined; translate it where it is shown."""
    return msgid


_WEEKDAYS = [N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"),
             N_("Saturday"), N_("Sunday")]
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"]


def format_date(day, translator: Translator) -> str:
    """A date as citizens write it: ``2026年11月21日 星期六`` or ``Saturday, 21 November 2026``."""
    weekday = translator.gettext(_WEEKDAYS[day.weekday()])
    if translator.language == "en":
        return f"{weekday}, {day.day} {_MONTHS[day.month - 1]} {day.year}"
    return f"{day.year}年{day.month}月{day.day}日 {weekday}"
