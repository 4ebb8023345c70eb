"""Receipt layout: what fits on a line, where lines break, how tables and key-value lines look."""
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.printer.layout import (
    LayoutError, QrBlock, TextLine, key_value, lay_out, printable, table, text_columns, wrap,
)
from drivers.printer.receipt import Origin, Receipt, mask_id_number, yuan

ORIGIN = Origin("天河区24小时智慧政务大厅", "DEMO-0001", datetime(2024, 6, 15, 14, 3, 5))


def test_a_two_byte_character_is_two_columns_whatever_unicode_calls_it():
    assert text_columns("ABC 123") == 7
    assert text_columns("回执编号") == 8
    assert text_columns("，。！（）：") == 12
    assert text_columns("“·”—…") == 10  # "ambiguous" in Unicode, but two-byte glyphs on the printer
    assert text_columns(printable("¥12.50")) == 7


def test_printable_sends_the_yuan_sign_the_printer_font_has_and_no_control_bytes():
    assert printable("¥12.50") == "￥12.50"
    assert printable("a\x1bd\x05b\tc") == "a d b c"  # ESC d 5 would feed paper


def test_long_chinese_value_wraps_at_the_right_column_without_splitting_a_character():
    lines = wrap("请携带身份证原件于工作日到二楼办理窗口领取证件", 32)
    assert lines == ["请携带身份证原件于工作日到二楼办", "理窗口领取证件"]
    assert text_columns(lines[0]) == 32


def test_odd_width_leaves_the_last_column_empty_rather_than_split_a_hanzi():
    assert wrap("一二三四五六七", 11) == ["一二三四五", "六七"]


def test_mixed_chinese_and_latin_breaks_between_words():
    lines = wrap("地点：天河区政务服务中心B座3楼A12号窗口（Tianhe Government Service Center）", 24)
    assert lines == ["地点：天河区政务服务中心", "B座3楼A12号窗口（Tianhe", "Government Service", "Center）"]
    assert all(text_columns(line) <= 24 for line in lines)


def test_no_line_starts_with_closing_punctuation_nor_ends_with_opening():
    assert wrap("一二三四五六七八九十，好", 20) == ["一二三四五六七八九", "十，好"]
    assert wrap("一二三四五六七八九（十）", 20) == ["一二三四五六七八九", "（十）"]


def test_amounts_and_numbers_are_never_split():
    assert wrap("合计金额 ￥1,234,567.89 元", 18) == ["合计金额", "￥1,234,567.89 元"]


@given(st.lists(st.sampled_from(list("中文，。！（）：ab c12¥“”") + ["English ", "x" * 40]), max_size=60).map("".join),
       st.integers(min_value=4, max_value=48))
def test_wrapped_lines_fit_and_keep_every_character(text, width):
    lines = wrap(text, width)
    assert all(text_columns(line) <= width for line in lines)
    assert "".join(lines).replace(" ", "") == printable(text).replace(" ", "")


def test_key_value_indents_continuation_lines_under_the_value():
    lines = key_value("办理事项", "个人所得税纳税记录开具（含明细）以及其他证明", 32)
    assert lines == ["办理事项：个人所得税纳税记录开具", "          （含明细）以及其他证明"]


def test_key_value_with_a_latin_key_uses_a_latin_colon():
    assert key_value("Receipt number", "SB202406150001", 32) == ["Receipt number: SB202406150001"]


def test_table_right_aligns_amounts_and_wraps_a_long_text_cell():
    lines = table(("所属期", "税种", "金额"),
                  (("2023-01", "个人所得税", printable(yuan("1234.56"))),
                   ("2023-02", "增值税及附加税费合计", printable(yuan(12)))), 32, frozenset({2}))
    assert lines == [
        "所属期  税种                金额",
        "2023-01 个人所得税    ￥1,234.56",
        "2023-02 增值税及附加     ￥12.00",
        "        税费合计",
    ]
    assert all(text_columns(line) <= 32 for line in lines)


def test_a_table_that_cannot_fit_is_an_error_not_a_mangled_receipt():
    with pytest.raises(LayoutError):
        table(("a", "b"), (("1" * 30, "2" * 30),), 32, frozenset({0, 1}))


def test_receipt_layout_puts_title_large_and_reprint_mark_first():
    receipt = Receipt("submission", "业务受理回执", ORIGIN, fields=(("回执编号", "SB1"),), qr="SB1")
    blocks = lay_out(receipt.as_reprint(), 32)
    assert blocks[0] == TextLine("** REPRINT **", "center", True, 2)
    assert TextLine("业务受理回执", "center", True, 2) in blocks
    assert QrBlock("SB1") in blocks
    assert blocks[-1].text == "DEMO-0001  2024-06-15 14:03:05"


def test_personal_data_helpers():
    assert mask_id_number("440582199001010014") == "4405**********0014"
    assert yuan("1234.5") == "¥1,234.50"
    assert repr(Receipt("tax_summary", "t", ORIGIN, fields=(("ID", "440582199001010014"),))) == \
        "Receipt(kind='tax_summary')"
