"""Large print (body 18 pt or more, headings 22 pt or more, nothing under 14 pt) and the standard
sheet (nothing under 9 pt), read back glyph by glyph from the PDF; paginated cleanly."""

import ctypes
import io
import json
import math
import re

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest

from generator.content import patient as patient_module
from generator.sheet.model import Options

from .conftest import TODAY, normalise, pdf_pages, pdf_text
from .test_web import desk_sheet


def glyph_size(textpage, index: int) -> float:
    """The size (pt) a character is printed at: its font size scaled by its text and page
    matrices (WeasyPrint sets fonts in CSS px on a page scaled by 0.75)."""
    matrix = pdfium_c.FS_MATRIX()
    pdfium_c.FPDFText_GetMatrix(textpage.raw, index, ctypes.byref(matrix))
    scale = math.hypot(matrix.c, matrix.d)
    return round(pdfium_c.FPDFText_GetFontSize(textpage.raw, index) * scale, 1)


def sizes_of(pdf: bytes, phrase: str) -> list[float]:
    """Printed sizes (pt) of the characters of `phrase` wherever it is on the pages (every
    occurrence, so a phrase in a heading and in the text gives both)."""
    document = pdfium.PdfDocument(io.BytesIO(pdf))
    sizes = []
    try:
        for page in document:
            textpage = page.get_textpage()
            text = textpage.get_text_range()
            for found in re.finditer(re.escape(phrase), text):  # never broken across lines
                for index in range(found.start(), found.end()):
                    if not text[index].isspace():
                        sizes.append(glyph_size(textpage, index))
    finally:
        document.close()
    return sizes


def smallest_glyphs(pdf: bytes) -> list[tuple[float, int, str]]:
    """Every visible character's size (pt), page and the text around it, smallest first."""
    document = pdfium.PdfDocument(io.BytesIO(pdf))
    found = []
    try:
        for number, page in enumerate(document, start=1):
            textpage = page.get_textpage()
            text = textpage.get_text_range()
            for index, char in enumerate(text):
                if char.strip():
                    size = glyph_size(textpage, index)
                    found.append((round(size, 1), number, text[max(0, index - 12) : index + 12]))
    finally:
        document.close()
    return sorted(found)


def heading_sizes(pdf: bytes, headings) -> dict[str, float]:
    """The largest size each heading's words are printed at (the heading, not the text)."""
    return {heading: max(sizes_of(pdf, heading) or [0.0]) for heading in headings}


@pytest.fixture(scope="module")
def large(project):
    jane = patient_module.make("Jane Doe", "2026-11-23", "Dr. Rivera")
    return project.render("microneedling", jane, TODAY, Options(large_print=True))


def test_body_text_is_at_least_18_points_and_headings_22(large, project):
    normal = project.render("microneedling", patient_module.make("Jane Doe", "2026-11-23"), TODAY)
    for phrase in ("No lotions,", "Within two (2) days", "Results vary,"):
        assert sizes_of(normal.pdf, phrase) and max(sizes_of(normal.pdf, phrase)) < 16
        assert sizes_of(large.pdf, phrase) and min(sizes_of(large.pdf, phrase)) >= 18
    headings = ("Micro-Needling Post Procedure", "Your plan", "Your calendar", "Days 2-7")
    assert all(size >= 22 for size in heading_sizes(large.pdf, headings).values()), heading_sizes(
        large.pdf, headings
    )


def test_nothing_in_large_print_is_under_14_points(large, project):
    jane = patient_module.make("Jane Doe", "2026-11-23", "Dr. Rivera")
    blank = project.render("microneedling", None, TODAY, Options(large_print=True))
    for pdf in (large.pdf, blank.pdf):
        smallest = smallest_glyphs(pdf)
        assert smallest[0][0] >= 14, smallest[:3]  # footer, calendar labels and marks included
    options = Options(large_print=True, sheet_id="ABCD-2345")
    with_id = project.render("microneedling", jane, TODAY, options)
    assert smallest_glyphs(with_id.pdf)[0][0] >= 14


def test_nothing_on_a_standard_sheet_is_under_9_points(project):
    jane = patient_module.make("Jane Doe", "2026-11-23", "Dr. Rivera")
    for patient in (jane, None):
        result = project.render("microneedling", patient, TODAY, Options(sheet_id="ABCD-2345"))
        smallest = smallest_glyphs(result.pdf)
        assert smallest[0][0] >= 9, smallest[:3]


def test_large_print_paginates_cleanly(large):
    pages = pdf_pages(large.pdf)
    assert 2 < len(pages) <= 4
    calendar = [p for p in pages if "Your calendar" in p]
    assert len(calendar) == 1  # the whole calendar on one page, legend included
    assert all(day in calendar[0] for day in ("Nov 23", "29", "30", "Dec 1", "Days 7+"))
    for heading, first_words in (
        ("Day 1 Tue, Nov 24", "On the next day"),
        ("Days 2-7 Wed, Nov 25", "Within two (2) days"),
        ("Days 7+ from Mon, Nov 30", "A week after"),
    ):
        instructions = pages[next(i for i, p in enumerate(pages) if "Your instructions" in p) :]
        page = next(p for p in instructions if heading in p)
        assert first_words in page, f"{heading!r} is alone at the foot of a page"
    assert "Page 1 of" in pages[0]


def test_large_print_from_the_cli_for_handouts(run, tmp_path):
    assert run("handouts", "--large-print", "--out", tmp_path).code == 0
    pdf = (tmp_path / "microneedling.pdf").read_bytes()
    assert min(sizes_of(pdf, "No lotions,")) >= 18


def test_large_print_from_the_api_and_the_desk(client):
    response = client.post(
        "/api/sheets",
        content_type="application/json",
        data=json.dumps({"policy": "microneedling", "name": "Lorem Large", "large_print": True}),
    )
    assert response.status_code == 200
    assert min(sizes_of(response.data, "No lotions,")) >= 18
    bad = client.post(
        "/api/sheets",
        content_type="application/json",
        data=json.dumps({"policy": "microneedling", "name": "Lorem", "large_print": "yes"}),
    )
    assert bad.status_code == 422 and bad.json["field"] == "large_print"
    _, pdf = desk_sheet(client, policy="microneedling", name="Lorem Desk", large_print="on")
    assert min(sizes_of(pdf, "No lotions,")) >= 18
    assert "Lorem Desk" in normalise(pdf_text(pdf))
