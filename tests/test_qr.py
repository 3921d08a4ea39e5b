"""The printed QR code scans on a bad day: a small version with big modules, read back from the
PDF, and a blurred low-resolution picture of its page (page 1; in large print the plan fills
page 1 and the code heads page 2) that two different decoders still read."""

import ctypes
import io
import itertools
import re
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
import zxingcpp
from PIL import Image, ImageFilter

from generator.content import patient as patient_module
from generator.render.preview import PDFIUM
from generator.sheet import qr
from generator.sheet.model import Options

from .conftest import TODAY, qr_codes, zbar_qr_codes

URL = "https://harborskin.example/aftercare/microneedling/"
DATED = URL + "#d=20261123"
KINDS = {  # what each sheet's code opens
    "letter": DATED,
    "a4": DATED,
    "large print": DATED,
    "blank handout": URL,
}
MM_PER_PT = 25.4 / 72


@pytest.fixture(scope="module")
def sheets(project):
    jane = patient_module.make("Jane Doe", "2026-11-23", "Dr. Rivera")
    return {
        "letter": project.render("microneedling", jane, TODAY).pdf,
        "a4": project.render("microneedling", jane, TODAY, Options(paper="a4")).pdf,
        "large print": project.render("microneedling", jane, TODAY, Options(large_print=True)).pdf,
        "blank handout": project.render("microneedling", None, TODAY).pdf,
    }


def code_page(pdf: bytes) -> int:
    """The index of the first page with a QR code on it."""
    return next(page for page in range(3) if qr_codes(pdf, page))


def page_image(pdf: bytes, page: int, dpi: float) -> Image.Image:
    """A page as a greyscale picture at `dpi`, as a phone camera or a fax might see it."""
    with PDFIUM:
        document = pdfium.PdfDocument(io.BytesIO(pdf))
        try:
            return document[page].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
        finally:
            document.close()


@dataclass(frozen=True)
class PrintedCode:
    """The QR code as drawn on its page: its version, module size and quiet zone."""

    version: int
    module_mm: float
    quiet_modules: float


def printed_code(pdf: bytes, page: int) -> PrintedCode:
    """Measure a page's QR code in the PDF itself: the path of its dark modules (the path with
    the most segments on the page) and the white square drawn behind it, quiet zone included."""
    with PDFIUM:
        document = pdfium.PdfDocument(io.BytesIO(pdf))
        try:
            paths = [
                o
                for o in document[page].get_objects(max_depth=5)
                if o.type == pdfium_c.FPDF_PAGEOBJ_PATH
            ]
            code = max(paths, key=lambda o: pdfium_c.FPDFPath_CountSegments(o.raw))
            xs = set()
            for index in range(pdfium_c.FPDFPath_CountSegments(code.raw)):
                x, y = ctypes.c_float(), ctypes.c_float()
                segment = pdfium_c.FPDFPath_GetPathSegment(code.raw, index)
                pdfium_c.FPDFPathSegment_GetPoint(segment, x, y)
                xs.add(round(x.value, 3))
            left, bottom, right, top = code.get_bounds()
            backdrops = [
                o.get_bounds()
                for o in paths
                if o is not code and _contains(o.get_bounds(), (left, bottom, right, top))
            ]
        finally:
            document.close()
    edges = sorted(xs)
    module = min(b - a for a, b in itertools.pairwise(edges))  # in the path's units
    modules = round((edges[-1] - edges[0]) / module)
    module_pt = (right - left) / modules
    backdrop = min(backdrops, key=lambda box: box[2] - box[0])  # the innermost white square
    quiet = min(left - backdrop[0], backdrop[2] - right, bottom - backdrop[1], backdrop[3] - top)
    return PrintedCode((modules - 17) // 4, module_pt * MM_PER_PT, quiet / module_pt)


def _contains(outer, inner) -> bool:
    return (
        outer[0] <= inner[0]
        and outer[1] <= inner[1]
        and outer[2] >= inner[2]
        and outer[3] >= inner[3]
    )


@pytest.mark.parametrize("kind", KINDS)
def test_a_blurred_scan_at_100_dpi_still_decodes_with_zbar_and_zxing(sheets, kind):
    pdf = sheets[kind]
    blurred = page_image(pdf, code_page(pdf), dpi=100).filter(ImageFilter.GaussianBlur(1))
    assert zbar_qr_codes(blurred) == [KINDS[kind]]
    zxing = zxingcpp.read_barcodes(blurred, formats=zxingcpp.BarcodeFormat.QRCode)
    assert [result.text for result in zxing] == [KINDS[kind]]


@pytest.mark.parametrize("kind", KINDS)
def test_the_code_is_version_4_or_lower_with_modules_of_1_mm(sheets, kind):
    pdf = sheets[kind]
    page = code_page(pdf)
    code = printed_code(pdf, page)
    assert code.version <= 4
    assert code.module_mm >= 1.0, f"{code.module_mm:.3f} mm"
    assert code.quiet_modules >= 4 - 0.01  # the quiet zone the QR specification asks for
    sharp = zxingcpp.read_barcodes(page_image(pdf, page, dpi=300))
    assert [r.text for r in sharp] == [KINDS[kind]]
    assert sharp[0].ec_level in {"M", "Q", "H"}  # 15% of the code may be lost, or more


def version(data: str) -> int:
    """The version of the code qr.svg draws for `data`."""
    side = int(re.search(r'viewBox="0 0 (\d+) ', qr.svg(data))[1]) - 2 * qr.QUIET_ZONE
    return (side - 17) // 4


def test_every_code_of_the_demo_clinics_pages_is_version_4():
    assert version(URL) == 4  # a blank handout
    assert version(DATED) == 4  # 62 bytes, all that version 4-M holds as bytes; less as digits
    assert version(URL + "es/#d=20261123") == 4  # a translated page: 65 bytes, fits as digits
    assert version(URL + "#d=2026-11-23") == 4  # the old form, 64 bytes (version 5 as bytes)


def test_a_kinds_later_sheets_reuse_its_code_and_read_the_same(project, monkeypatch):
    """A second sheet of a kind (another patient) makes no QR code of its own: it prints the
    first one's, which opens the same page on the same date."""
    made = []
    real = qr.qrcode.QRCode

    def counting(*args, **kwargs):
        made.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(qr.qrcode, "QRCode", counting)
    qr.svg.cache_clear()
    first = patient_module.make("Jane Doe", "2026-11-24", "Dr. Rivera")
    second = patient_module.make("John Roe", "2026-11-24", "Dr. Rivera")
    codes = [qr_codes(project.render("microneedling", one, TODAY).pdf) for one in (first, second)]
    assert codes == [[URL + "#d=20261124"]] * 2
    assert len(made) == 1
