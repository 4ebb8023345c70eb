"""The encoder's bytes, checked byte-exactly and by feeding them to the printer emulator."""
from datetime import datetime

import numpy as np
import pytest
from PIL import Image

from drivers.printer import code128, escpos
from drivers.printer.emulator import EscPosEmulator
from drivers.printer.encoder import ReceiptEncoder
from drivers.printer.feed import FeedCounter
from drivers.printer.layout import LayoutError
from drivers.printer.profile import PrinterProfile
from drivers.printer.receipt import Origin, Receipt
from tests.qr import decode_code128, decode_qr

ORIGIN = Origin("天河区24小时智慧政务大厅", "DEMO-0001", datetime(2024, 6, 15, 14, 3, 5))
P80 = PrinterProfile.standard(80)


def receipt(**kw) -> Receipt:
    return Receipt(kw.pop("kind", "submission"), kw.pop("title", "业务受理回执"), ORIGIN, **kw)


def printed(data: bytes, profile: PrinterProfile = P80, **kw):
    emulator = EscPosEmulator(profile.dots_per_line, profile.chinese_font, **kw)
    assert emulator.feed(data) == b""
    emulator.tear_off()
    assert len(emulator.jobs) == 1
    job = emulator.jobs[0]
    assert job.errors == []
    return job


def test_job_starts_with_init_and_explicit_chinese_mode():
    data = ReceiptEncoder(P80).encode(receipt())
    assert data.startswith(escpos.INIT + escpos.ASB_OFF + escpos.USA_CHARACTERS + escpos.CHINESE_ON)


def test_punctuation_only_and_yuan_go_out_as_gb18030_two_byte_codes():
    data = ReceiptEncoder(P80).encode(receipt(notes=("，。！（）：", "¥12.50")))
    assert bytes.fromhex("a3aca1a3a3a1a3a8a3a9a3ba") + escpos.LF in data  # ，。！（）：
    assert bytes.fromhex("a3a4") + b"12.50" + escpos.LF in data          # ￥12.50, not 81 30 84 36
    assert b"?" not in data


def test_the_printer_prints_every_character_of_a_chinese_receipt():
    r = receipt(fields=(("金额", "¥12.50"), ("办理事项", "个人所得税（综合所得）")),
                notes=("，。！（）：", "中文English混排 ABC 123，测试。"))
    lines = printed(ReceiptEncoder(P80).encode(r)).text_lines
    for expected in ("业务受理回执", "金额：￥12.50", "办理事项：个人所得税（综合所得）", "，。！（）：",
                     "中文English混排 ABC 123，测试。"):
        assert expected in lines
    assert not any("?" in line or "\ufffd" in line for line in lines)


def test_without_chinese_mode_the_same_bytes_would_print_garbage():
    # What python-escpos does for '，。！': no FS &, so a printer in its default mode prints code page 437.
    data = escpos.INIT + "，。！".encode("gb18030") + escpos.LF
    assert printed(data).text_lines == ["ú¼íúúí"]


def test_cut_only_with_a_cutter():
    assert ReceiptEncoder(P80).encode(receipt()).endswith(escpos.PARTIAL_CUT)
    no_cutter = ReceiptEncoder(PrinterProfile.standard(80, cutter=False)).encode(receipt())
    assert escpos.GS + b"V" not in no_cutter
    assert no_cutter.endswith(escpos.feed_lines(4))


def test_rare_characters_missing_from_a_gbk_font_are_printed_as_an_image():
    r = receipt(notes=("地址：广东省𠀾村", "普通一行"))
    data = ReceiptEncoder(P80).encode(r)
    assert "𠀾".encode("gb18030") not in data
    job = printed(data)
    assert job.rasters == 1 and "普通一行" in job.text_lines
    full_font = PrinterProfile.standard(80, chinese_font="gb18030")
    assert "地址：广东省𠀾村" in printed(ReceiptEncoder(full_font).encode(r), full_font).text_lines


def test_traditional_characters_on_a_gb2312_printer_are_printed_as_an_image():
    profile = PrinterProfile.standard(80, chinese_font="gb2312")
    job = printed(ReceiptEncoder(profile).encode(receipt(notes=("業務受理回執",))), profile)
    assert job.rasters == 1 and "業務受理回執" not in job.text_lines


def test_raster_mode_sends_no_two_byte_text_at_all():
    profile = PrinterProfile.standard(58, text_mode="raster")
    r = receipt(fields=(("回执编号", "SB202406150001"),), notes=("ASCII only line",))
    data = ReceiptEncoder(profile).encode(r)
    assert escpos.CHINESE_ON not in data
    job = printed(data, profile)
    assert "ASCII only line" in job.text_lines and "DEMO-0001  2024-06-15 14:03:05" in job.text_lines
    assert job.rasters == 3  # the hall name, the title and the key-value line: the non-ASCII lines
    assert not any(ord(ch) > 127 for line in job.text_lines for ch in line)


def test_parts_are_whole_commands_so_status_queries_can_go_between_any_two():
    r = receipt(fields=(("回执编号", "SB202406150001"),), qr="SB202406150001", barcode="SB202406150001",
                notes=("𠀾",))
    emulator = EscPosEmulator(576)
    for part in ReceiptEncoder(P80).encode_parts(r):
        emulator.feed(part)
        assert emulator.feed(escpos.status_query(1)) == b"\x12"  # answered at once: nothing half-parsed
    assert emulator.jobs[0].cut and emulator.jobs[0].errors == []


def test_qr_code_and_barcode_carry_their_data(tmp_path):
    job = printed(ReceiptEncoder(P80).encode(receipt(qr="SB202406150001", barcode="SB202406150001")), out_dir=tmp_path)
    assert decode_qr(job.png_path) == "SB202406150001" and decode_code128(job.png_path) == "SB202406150001"


def test_the_barcode_reader_checks_the_symbol(tmp_path):
    """Bars in the wrong order fail the check symbol and are not read (so a wrong drawing is noticed)."""
    def scanned(modules: list[bool]) -> str:
        row = np.repeat(np.where(np.array(modules), 0, 255).astype(np.uint8), 3)
        image = Image.fromarray(np.pad(np.tile(row, (120, 1)), 60, constant_values=255), "L")
        image.save(tmp_path / "bars.png")
        return decode_code128(tmp_path / "bars.png")

    bars = code128.bar_modules(code128.epson_data("AB"))
    swapped = bars[:11] + bars[22:33] + bars[11:22] + bars[33:]  # "BA" with the check symbol of "AB"
    assert scanned(bars) == "AB" and scanned(swapped) == ""


def test_a_barcode_too_wide_for_58mm_is_left_out_but_the_qr_code_stays(tmp_path):
    profile = PrinterProfile.standard(58)
    long_number = "SB-ABCDEFGHIJKLMNOPQRST"
    job = printed(ReceiptEncoder(profile).encode(receipt(qr=long_number, barcode=long_number)), profile,
                  out_dir=tmp_path)
    assert job.barcodes == [] and decode_code128(job.png_path) == "" and decode_qr(job.png_path) == long_number


def test_a_qr_payload_too_large_for_the_paper_is_an_error_before_anything_is_sent():
    with pytest.raises(LayoutError):
        ReceiptEncoder(PrinterProfile.standard(58)).encode(receipt(qr="x" * 1500))


def test_control_characters_in_data_cannot_inject_printer_commands():
    data = ReceiptEncoder(P80).encode(receipt(fields=(("备注", "a\x1bd\x7f\x1dV\x00b"),)))
    job = printed(data)
    assert job.text_lines.count("备注：a d  V b") == 1
    assert data.count(escpos.GS + b"V") == 1  # only the real cut


def test_a_signature_is_printed_as_an_image_under_its_caption():
    from drivers.printer.receipt import Drawing

    wave = tuple((x * 10, 200 + (40 if x % 2 else -40)) for x in range(60))
    r = receipt(notes=("已提交，等待核实",), drawings=(Drawing(1000, 400, (wave, ((700, 100), (800, 300))), "申报人签名："),))
    job = printed(ReceiptEncoder(P80).encode(r))
    assert job.rasters == 1 and "申报人签名：" in job.text_lines
    assert "Drawing(<hidden>)" == repr(r.drawings[0])  # a signature never reaches a log line
    with_drawing, without = FeedCounter(203), FeedCounter(203)
    assert with_drawing.feed(ReceiptEncoder(P80).encode(r)) > \
        without.feed(ReceiptEncoder(P80).encode(receipt(notes=("已提交，等待核实",)))) + 100  # the paper counters see it


def test_two_signatures_are_printed_each_under_its_own_caption():
    from drivers.printer.receipt import Drawing

    wave = tuple((x * 10, 200 + (40 if x % 2 else -40)) for x in range(60))
    r = receipt(drawings=(Drawing(1000, 400, (wave,), "出租人签名："), Drawing(1000, 400, (wave[:30],), "承租人签名：")))
    job = printed(ReceiptEncoder(P80).encode(r))
    assert job.rasters == 2
    lines = job.text_lines
    assert lines.index("出租人签名：") < lines.index("承租人签名：")
