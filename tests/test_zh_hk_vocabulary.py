"""Traditional Chinese speaks Hong Kong: one word for each thing, the Hong Kong one, everywhere."""
import pytest

from tests.catalog_texts import all_texts

# mainland (or Taiwan) word -> the Hong Kong word the zh_HK texts use
HONG_KONG_WORDS = {
    "回執": "回條", "屏幕": "螢幕", "窗口": "櫃檯", "櫃台": "櫃檯", "攝像頭": "鏡頭", "點擊": "輕觸",
    "憑條": "單據", "諮詢台": "詢問處", "信息": "資訊", "視頻": "視像", "短信": "短訊", "登錄": "登入",
    "質量": "質素", "默認": "預設", "網路": "網絡", "激活": "啟用", "軟體": "軟件",
}


def test_zh_hk_texts_use_the_hong_kong_words():
    found = [f"{where}: {mainland} (use {hk}) in {text!r}" for where, text in all_texts("zh_HK")
             for mainland, hk in HONG_KONG_WORDS.items() if mainland in text]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("word", ["回條", "螢幕", "櫃檯"])
def test_the_hong_kong_words_are_the_ones_in_use(word):
    """The banned list is not vacuous: the catalog does talk about receipts, the screen and counters."""
    assert any(word in text for _, text in all_texts("zh_HK"))
