"""Pinyin input: the usual word comes first, readings without tones (v for ü), beginnings, and the
letters a shorter word stands for."""
import pytest

from kiosk.pinyin_ime import PinyinIme


@pytest.fixture(scope="module")
def ime():
    ime = PinyinIme()
    ime.load()
    return ime


def words(ime, letters, n=5):
    return [c.text for c in ime.candidates(letters)[:n]]


def test_the_usual_word_comes_first(ime):
    assert words(ime, "shi")[0] == "是"
    assert words(ime, "guangzhou")[0] == "广州"
    assert words(ime, "zhongguo")[0] == "中国"


def test_a_less_usual_reading_of_a_character_does_not_come_first(ime):
    assert words(ime, "ti")[0] == "提" and "是" not in words(ime, "ti")  # 是 has a rare reading tí


def test_v_stands_for_u_umlaut(ime):
    assert "绿" in words(ime, "lv") and "女" in words(ime, "nv")


def test_a_beginning_offers_the_words_it_begins(ime):
    assert "天河" in words(ime, "tianh", 10)


def test_letters_no_word_covers_offer_the_longest_beginning_that_has_one(ime):
    first = ime.candidates("tianhexx")[0]
    assert first.text == "天河" and first.consumed == 6


def test_a_character_jieba_never_counted_is_still_offered(ime):
    assert "䶮" in [c.text for c in ime.candidates("yan", limit=5000)]  # 刘䶮, a name of an emperor


def test_nothing_typed_offers_nothing(ime):
    assert ime.candidates("") == [] and ime.candidates("qq") == []
