"""Large print: body text of 16 pt or more, still paginated cleanly, everywhere it is offered."""

import io
import json

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest

from generator import patient as patient_module
from generator.sheet import Options

from .conftest import TODAY, normalise, pdf_pages, pdf_text
from .test_web import desk_sheet


def sizes_of(pdf: bytes, phrase: str) -> list[float]:
    """Font sizes (pt) of the characters of `phrase` wherever it is on the pages."""
    document = pdfium.PdfDocument(io.BytesIO(pdf))
    sizes = []
    try:
        for page in document:
            textpage = page.get_textpage()
            text = textpage.get_text_range()
            start = text.find(phrase)  # short phrases, never broken across lines
            if start >= 0:
                for index in range(start, start + len(phrase)):
                    if not text[index].isspace():
                        sizes.append(pdfium_c.FPDFText_GetFontSize(textpage.raw, index))
    finally:
        document.close()
    return sizes


@pytest.fixture(scope="module")
def large(project):
    jane = patient_module.make("Jane Doe", "2026-11-23", "Dr. Rivera")
    return project.render("microneedling", jane, TODAY, Options(large_print=True))


def test_body_text_is_at_least_16_points(large, project):
    normal = project.render("microneedling", patient_module.make("Jane Doe", "2026-11-23"), TODAY)
    for phrase in ("No lotions,", "Within two (2) days", "Results vary,"):
        assert sizes_of(normal.pdf, phrase) and max(sizes_of(normal.pdf, phrase)) < 16
        assert sizes_of(large.pdf, phrase) and min(sizes_of(large.pdf, phrase)) >= 16


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
    assert min(sizes_of(pdf, "No lotions,")) >= 16


def test_large_print_from_the_api_and_the_desk(client):
    response = client.post(
        "/api/sheets",
        content_type="application/json",
        data=json.dumps({"policy": "microneedling", "name": "Lorem Large", "large_print": True}),
    )
    assert response.status_code == 200
    assert min(sizes_of(response.data, "No lotions,")) >= 16
    bad = client.post(
        "/api/sheets",
        content_type="application/json",
        data=json.dumps({"policy": "microneedling", "name": "Lorem", "large_print": "yes"}),
    )
    assert bad.status_code == 422 and bad.json["field"] == "large_print"
    _, pdf = desk_sheet(client, policy="microneedling", name="Lorem Desk", large_print="on")
    assert min(sizes_of(pdf, "No lotions,")) >= 16
    assert "Lorem Desk" in normalise(pdf_text(pdf))
