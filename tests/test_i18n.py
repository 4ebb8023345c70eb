"""Every user-visible string is translated; Simplified Chinese first."""
import datetime

import pytest

from common.i18n import LANGUAGES, Translator, format_date, load_catalog
from kiosk.messages import extract_msgids


@pytest.fixture(scope="module")
def msgids():
    return extract_msgids()


@pytest.mark.parametrize("lang", ["zh_CN", "zh_HK"])
def test_every_message_id_is_translated(msgids, lang):
    catalog = load_catalog(lang)
    missing = sorted(m for m in msgids if m not in catalog)
    assert not missing, f"untranslated in {lang} (run python -m kiosk.messages): {missing}"


def test_placeholders_survive_translation(msgids):
    for lang in LANGUAGES:
        for msgid, msgstr in load_catalog(lang).items():
            if msgid in msgids:
                assert set(_fields(msgid)) == set(_fields(msgstr)), (lang, msgid)


def _fields(text):
    import string
    return [f for _, f, _, _ in string.Formatter().parse(text) if f]


def test_switching_language_translates_and_notifies():
    translator, seen = Translator("zh_CN"), []
    translator.on_change(seen.append)
    assert translator.gettext("Home") == "首页"
    translator.set_language("zh_HK")
    assert translator.gettext("Home") == "首頁"
    translator.set_language("en")
    assert translator.gettext("Home") == "Home"
    assert seen == ["zh_HK", "en"]


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="zh_CN"):
        Translator().set_language("fr")


def test_dates_read_naturally():
    day = datetime.date(2026, 11, 21)
    assert format_date(day, Translator("zh_CN")) == "2026年11月21日 星期六"
    assert format_date(day, Translator("en")) == "Saturday, 21 November 2026"
