"""Data that looks like printer commands: a barcode, QR code or image whose bytes hold DLE EOT is never
acted on as a real-time command mid-job; QR codes print on printers without GS ( k; raster mode
without the font is a clear refusal."""
from __future__ import annotations

from datetime import datetime

import cv2
import numpy as np
import pytest
from PIL import Image

from drivers.printer import __main__ as cli, escpos, raster
from drivers.printer.code128 import epson_data
from drivers.printer.emulator import EscPosEmulator
from drivers.printer.encoder import ReceiptEncoder
from drivers.printer.layout import LayoutError
from drivers.printer.profile import PrinterProfile
from drivers.printer.receipt import Origin, Receipt
from drivers.printer.sim import VirtualPrinter
from tests.qr import decode_code128

ORIGIN = Origin("天河区24小时智慧政务大厅", "DEMO-0001", datetime(2025, 11, 16, 4, 1, 2))
P80, P58 = PrinterProfile.standard(80), PrinterProfile.standard(58)


def receipt(**kw) -> Receipt:
    return Receipt("submission", "业务受理回执", ORIGIN, **kw)


def print_on(data: bytes, profile: PrinterProfile = P80, out_dir=None, **kw):
    emulator = EscPosEmulator(profile.dots_per_line, profile.chinese_font, out_dir=out_dir, **kw)
    unasked = emulator.feed(data)  # a real-time command inside the job would be answered here
    emulator.tear_off()
    [job] = emulator.jobs
    return job, unasked


def qr_on_paper(job) -> str:
    text, _, _ = cv2.QRCodeDetector().detectAndDecode(cv2.imread(str(job.png_path)))
    return text


@pytest.mark.parametrize("number", ["YY20251116040102", "1604011605021614", "X16041"])
def test_a_barcode_whose_digits_pair_to_dle_eot_is_not_a_status_request(number, tmp_path):
    assert b"\x10" not in epson_data(number)
    data = ReceiptEncoder(P80).encode(receipt(barcode=number))
    job, unasked = print_on(data, out_dir=tmp_path)
    assert unasked == b"" and job.errors == []
    assert decode_code128(job.png_path) == number  # the digits sent partly in set B still scan as the number


def test_a_qr_code_whose_bytes_hold_dle_eot_goes_as_an_image(tmp_path):
    payload = "A\x10\x04\x01B"
    data = ReceiptEncoder(P80).encode(receipt(qr=payload))
    assert not escpos.REALTIME.search(data)
    job, unasked = print_on(data, out_dir=tmp_path)
    assert unasked == b"" and job.errors == [] and job.qr_codes == [] and job.rasters == 1
    assert qr_on_paper(job) == payload


def test_image_data_never_holds_a_real_time_command():
    dots = np.zeros((2, 24), dtype=bool)
    dots[0, 3] = True        # byte 0x10: one dot
    dots[0, 13] = True       # byte 0x04: the next group's sixth dot -> DLE EOT
    dots[0, 23] = True       # byte 0x01 -> DLE EOT 1
    image = Image.fromarray(np.where(dots, 0, 255).astype(np.uint8), "L")
    command = raster.raster_command(image)
    assert not escpos.REALTIME.search(command[8:])  # the 8-byte header is GS v 0 m xL xH yL yH
    job, unasked = print_on(escpos.INIT + command + escpos.LF)
    assert unasked == b""


@pytest.mark.parametrize("profile", [P58, P80])
def test_a_printer_without_gs_k_gets_the_qr_code_as_an_image(profile, tmp_path):
    qr_profile = PrinterProfile.standard(profile.paper_width_mm, qr_as_image=True)
    data = ReceiptEncoder(qr_profile).encode(receipt(qr="SB202511160001"))
    assert b"\x1d(k" not in data
    job, unasked = print_on(data, qr_profile, out_dir=tmp_path, qr_codes=False)
    assert unasked == b"" and job.errors == [] and qr_on_paper(job) == "SB202511160001"


def test_the_printer_without_gs_k_cannot_read_the_native_command():
    job, _ = print_on(ReceiptEncoder(P58).encode(receipt(qr="SB202511160001")), P58, qr_codes=False)
    assert job.errors and job.qr_codes == []  # what the setting is for


@pytest.fixture
def no_font(monkeypatch, tmp_path):
    monkeypatch.setattr(raster, "FONTS", {False: tmp_path / "gone.otf", True: tmp_path / "gone-bold.otf"})
    raster._font.cache_clear()
    raster.glyph.cache_clear()
    yield
    raster._font.cache_clear()
    raster.glyph.cache_clear()


def test_raster_mode_without_the_font_is_a_layout_error_naming_the_fix(no_font):
    with pytest.raises(LayoutError, match="scripts/prepare_font.py"):
        ReceiptEncoder(PrinterProfile.standard(58, text_mode="raster")).encode(receipt(fields=(("姓名", "陈思远"),)))


def test_the_test_page_in_raster_mode_without_the_font_says_what_to_do(no_font, tmp_path, capsys):
    with VirtualPrinter(tmp_path / "out", transport="tcp") as printer:
        code = cli.main(["--port", printer.url, "--text-mode", "raster", "test-page"])
    err = capsys.readouterr().err
    assert code == 2 and "run scripts/prepare_font.py" in err and "Traceback" not in err
