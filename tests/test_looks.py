"""Where things sit, measured from the PDF: large print keeps the QR code on page 1 in every
language, mirrored on a right-to-left sheet; a right-to-left name on a left-to-right sheet sits
by its label, not at the far side of the box."""

from __future__ import annotations

import io
import shutil

import pypdfium2 as pdfium
import pytest
import zxingcpp

from generator import i18n
from generator.content import patient as patient_module
from generator.paths import CONTENT
from generator.project import Project
from generator.render.preview import PDFIUM
from generator.sheet.model import Options

from .conftest import TODAY

URL = "https://harborskin.example/aftercare/microneedling/#d=20261123"
MM = 72 / 25.4


@pytest.fixture(scope="module")
def relabelled(tmp_path_factory):
    """The shipped policy as if written in each shipped language: our labels in that language
    around the clinic's text (longer dates, labels and footers than English)."""

    def project(lang: str) -> Project:
        folder = tmp_path_factory.mktemp(f"looks-{lang}")
        shutil.copy(CONTENT / "clinic.toml", folder)
        shutil.copy(CONTENT / "harbor-logo.svg", folder)
        text = (CONTENT / "microneedling.md").read_text(encoding="utf-8")
        (folder / "microneedling.md").write_text(
            text.replace("\nlang: en\n", f"\nlang: {lang}\n", 1), encoding="utf-8"
        )
        return Project(folder)

    return project


def qr_places(pdf: bytes, page: int) -> list[tuple[str, float]]:
    """Each QR code decoded on a page, with its centre across the page (0 left, 1 right)."""
    with PDFIUM:
        document = pdfium.PdfDocument(io.BytesIO(pdf))
        try:
            image = document[page].render(scale=2).to_pil()
        finally:
            document.close()
    found = []
    for code in zxingcpp.read_barcodes(image):
        corners = code.position
        xs = [corners.top_left.x, corners.top_right.x, corners.bottom_left.x]
        found.append((code.text, (min(xs) + max(xs)) / 2 / image.width))
    return found


def jane():
    return patient_module.make("Jane Doe", "2026-11-23", "Dr. Rivera")


@pytest.mark.parametrize(
    ("lang", "paper"),
    [(lang, "letter") for lang in i18n.LANGUAGES] + [("es", "a4"), ("ru", "a4"), ("ar", "a4")],
)
def test_large_print_keeps_the_qr_code_on_page_1_mirrored_right_to_left(relabelled, lang, paper):
    options = Options(large_print=True, paper=paper)
    pdf = relabelled(lang).render("microneedling", jane(), TODAY, options).pdf
    ((text, across),) = qr_places(pdf, 0)
    assert text == URL
    if i18n.is_rtl(lang):
        assert across < 0.5  # the plan starts at the right, the code at the left
    else:
        assert across > 0.5


def char_boxes(pdf: bytes, wanted) -> list[tuple[float, float, float, float]]:
    """The boxes (left, bottom, right, top, in points) of page 1's characters that `wanted`
    accepts."""
    with PDFIUM:
        document = pdfium.PdfDocument(io.BytesIO(pdf))
        try:
            text = document[0].get_textpage()
            return [
                text.get_charbox(index)
                for index in range(text.count_chars())
                if wanted(text.get_text_range(index, 1))
            ]
        finally:
            document.close()


@pytest.mark.parametrize("name", ["فاطمة الزهراء", "שרה כהן"])
def test_a_right_to_left_name_on_a_left_to_right_sheet_sits_by_its_label(relabelled, name):
    lang = "en"
    patient = patient_module.make(name, "2026-11-23")
    pdf = relabelled(lang).render("microneedling", patient, TODAY).pdf
    label = i18n.translations(lang).gettext("Prepared for").upper()
    labels = char_boxes(pdf, lambda c: c in label and c.strip())
    letters = char_boxes(pdf, lambda c: c in name and c.strip() and c not in label)
    top = max(b[3] for b in letters)
    labels = [box for box in labels if top < box[1] < top + 8 * MM]  # the line above the name
    assert min(b[0] for b in letters) == pytest.approx(min(b[0] for b in labels), abs=2 * MM)
