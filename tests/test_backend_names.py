"""Income items are shown in the citizen's language from their code, never as the backend's Simplified name."""
from pathlib import Path

import pytest
import yaml

from common.i18n import Translator
from kiosk.backends.names import INCOME_ITEMS, income_item_name

TAX_API = Path(__file__).resolve().parent.parent / "api" / "tax.yaml"


def test_every_income_item_code_of_the_contract_has_a_name():
    spec = yaml.safe_load(TAX_API.read_text(encoding="utf-8"))
    codes = spec["components"]["schemas"]["IncomeRecord"]["properties"]["income_item"]["enum"]
    assert set(codes) == set(INCOME_ITEMS)


@pytest.mark.parametrize("lang,expected", [("zh_CN", "工资薪金"), ("zh_HK", "工資薪金"), ("en", "Wages and salaries")])
def test_income_item_is_named_in_the_kiosk_language(lang, expected):
    assert income_item_name("wages", "工资薪金", Translator(lang).gettext) == expected


def test_every_income_item_is_translated():
    for lang in ("zh_CN", "zh_HK"):
        gettext = Translator(lang).gettext
        assert all(gettext(msgid) != msgid for msgid in INCOME_ITEMS.values()), lang


def test_an_unknown_code_shows_the_departments_name():
    assert income_item_name("royalties", "特许权使用费所得", Translator("en").gettext) == "特许权使用费所得"
