"""Reading QR codes and CODE128 barcodes back from screenshots and printed receipts, as a citizen's
phone or a hall's counter scanner would: from the pixels, not from the bytes the printer was sent."""
from __future__ import annotations

import cv2
import zxingcpp


def decode_qr(png) -> str:
    """The text of the QR code in an image, or "" when none is found.

    OpenCV's classic detector misses a few per cent of codes (depending on their content) and small
    codes on very tall images (a long receipt); its ArUco-based detector reads those. Both are
    tried on the whole image, then on square-ish windows down the picture."""
    image = cv2.imread(str(png))
    detectors = (cv2.QRCodeDetector(), cv2.QRCodeDetectorAruco())
    height, width = image.shape[:2]
    windows = [image] + [image[top:top + 2 * width] for top in range(0, max(1, height - width // 2), width // 2)]
    for window in windows:
        for detector in detectors:
            data, _points, _ = detector.detectAndDecode(window)
            if data:
                return data
    return ""


def decode_code128(png) -> str:
    """The text of the CODE128 barcode in an image (its check symbol verified), or "" when none is read.

    OpenCV's barcode detector reads only EAN and UPC, so this is zxing-cpp's reader; it is given
    the picture as it is, with no help about where the barcode lies."""
    image = cv2.imread(str(png), cv2.IMREAD_GRAYSCALE)
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.Code128)
    return found[0].text if found else ""


def read_a4(pdf_path) -> tuple[str, str]:
    """The text of a printed A4 PDF (all pages, whitespace runs as one space) and its QR code, read
    from the pages rendered as a scanner would see them (last page first: the code comes at the end)."""
    import re
    from pathlib import Path

    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(pdf_path))
    text = " ".join(page.get_textpage().get_text_range() for page in pdf)
    qr = ""
    for number in reversed(range(len(pdf))):
        png = Path(pdf_path).with_suffix(f".page{number + 1}.png")
        pdf[number].render(scale=2).to_pil().save(png)
        if qr := decode_qr(png):
            break
    return re.sub(r"\s+", " ", text), qr
