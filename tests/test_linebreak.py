"""Chinese line breaking (common.linebreak): the faults citizens saw, and the rules over random text."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.linebreak import break_lines, pieces
from drivers.printer.layout import printable, text_columns, wrap
from tests.catalog_texts import all_texts
from tests.linebreak_rules import violations


def cols(text):
    return sum(1 if ord(c) < 128 else 2 for c in text)


def test_a_number_stays_with_its_unit_and_currency_sign():
    assert break_lines("办理费用：共收取60元", 18, cols) == ["办理费用：共收取", "60元"]
    assert break_lines("需要缴纳税款￥1,234.56", 14, cols) == ["需要缴纳税款", "￥1,234.56"]
    assert "5个工作日" in pieces("预计5个工作日内办结")
    assert "123,456.78 元" in pieces("收入 123,456.78 元")


def test_no_line_starts_with_closing_or_ends_with_opening_punctuation():
    assert break_lines("请将身份证放在读卡区，然后", 20, cols) == ["请将身份证放在读卡", "区，然后"]
    assert break_lines("一二三四五六七八（个人所得税）", 18, cols) == ["一二三四五六七八", "（个人所得税）"]
    assert break_lines("未完的话……下一行", 10, cols) == ["未完的", "话……下", "一行"]


def test_a_paragraph_does_not_end_on_one_character_alone():
    """In large text the call's consent sentence ended on "像。" alone (zh_CN), "影。" (zh_HK)."""
    assert break_lines("坐席会看到并听到您。本终端不会录音录像。", 36, cols) == ["坐席会看到并听到您。本终端不会录音", "录像。"]
    assert break_lines("一二三四五六七八九", 16, cols) == ["一二三四五六七", "八九"]
    assert break_lines("一二三四五六七八九", 18, cols) == ["一二三四五六七八九"]  # one line: nothing to do
    assert break_lines("Please sign here 签", 16, cols) == ["Please sign here", "签"]  # a space between: left


def test_a_receipt_number_is_never_split():
    assert break_lines("回执编号：SB202406150001", 20, cols) == ["回执编号：", "SB202406150001"]


def test_latin_breaks_at_spaces_and_only_an_overlong_piece_is_cut():
    assert break_lines("Please place your ID card", 12, cols) == ["Please place", "your ID card"]
    assert break_lines("ABCDEFGHIJ", 4, cols) == ["ABCD", "EFGH", "IJ"]


def test_existing_line_breaks_are_kept():
    assert break_lines("第一行\n第二行", 40, cols) == ["第一行", "第二行"]


@given(st.lists(st.sampled_from(list("中文字，。、）（「」：60元 年") + ["SB2024", "Latin ", "￥12.50", "……"]),
                max_size=50).map("".join),
       st.integers(min_value=10, max_value=40))
def test_random_text_keeps_every_character_and_the_rules(text, width):
    lines = break_lines(text, width, cols)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert all(cols(line) <= width for line in lines)
    if all(cols(piece) <= width for piece in pieces(text)):  # else no layout can keep every rule
        assert not violations(lines, width, cols, text)


@pytest.mark.parametrize("lang", ["zh_CN", "zh_HK"])
@pytest.mark.parametrize("columns", [32, 48])  # 58 mm and 80 mm paper
def test_every_catalog_text_and_message_prints_by_the_rules(lang, columns):
    problems = []
    for where, text in all_texts(lang):
        lines = wrap(text, columns)
        problems += [f"{where}: {v}" for v in violations(lines, columns, text_columns, printable(text))]
    assert not problems, "\n".join(problems)
