"""The personalised sheet as a reader sees it: text, dates, QR code, pages, footer, metadata."""

import io
import re
import subprocess
from datetime import date

import pikepdf
import pypdfium2 as pdfium
import pytest

from generator.content import patient as patient_module
from generator.content.policy import load
from generator.paths import CONTENT
from generator.project import Project
from generator.sheet.model import Options

from .conftest import TODAY, normalise, pdf_metadata, pdf_pages, pdf_text, qr_codes

URL = "https://harborskin.example/aftercare/microneedling/"


def jane(**overrides):
    fields = {"name": "Jane Doe", "procedure_date": "2026-11-23", "provider": "Dr. Rivera"}
    return patient_module.make(**{**fields, **overrides})


@pytest.fixture(scope="module")
def letter(project):
    return project.render("microneedling", jane(), TODAY)


def test_sheet_shows_patient_plan_and_calendar(letter):
    text = pdf_text(letter.pdf)
    for expected in (
        "Harbor Skin Clinic",
        "(555) 010-4400",
        "(555) 010-4499",
        "Micro-Needling Post Procedure",
        "Jane Doe",
        "Monday, November 23, 2026",
        "Dr. Rivera",
        "Day of procedure Mon, Nov 23",
        "Day 1 Tue, Nov 24",
        "Days 2-7 Wed, Nov 25 – Mon, Nov 30",
        "Days 7+ from Mon, Nov 30",
        "November 2026",
        "Procedure",
    ):
        assert expected in text, expected


def test_sheet_has_every_sentence_of_the_policy(letter):
    policy = load(CONTENT / "microneedling.md")
    source = " ".join(re.sub(r"<[^>]+>", " ", b.html) for b in policy.blocks)
    sentences = re.split(r"(?<=[.!:])\s+", normalise(source.replace("&amp;", "&")))
    text = pdf_text(letter.pdf)
    assert len(sentences) > 20
    assert [s for s in sentences if s not in text] == []


def test_qr_code_opens_the_online_page_with_the_date_in_the_fragment(letter):
    assert qr_codes(letter.pdf) == [URL + "#d=20261123"]
    assert "harborskin.example/aftercare/microneedling/" in pdf_text(letter.pdf).replace(" ", "")


@pytest.mark.parametrize("paper", ["letter", "a4"])
def test_two_pages_with_footer_on_each(project, paper, letter):
    result = (
        letter
        if paper == "letter"
        else project.render("microneedling", jane(), TODAY, Options(paper="a4"))
    )
    pages = pdf_pages(result.pdf)
    assert result.pages == len(pages) == 2
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of 2" in text
        assert "version 1.0 · " + load(CONTENT / "microneedling.md").content_hash in text
        assert "printed Nov 23, 2026" in text


def test_paper_size_is_letter_or_a4(project, letter):
    a4 = project.render("microneedling", jane(), TODAY, Options(paper="a4"))
    sizes = [pdfium.PdfDocument(io.BytesIO(r.pdf))[0].get_size() for r in (letter, a4)]
    assert [tuple(round(v) for v in s) for s in sizes] == [(612, 792), (595, 842)]


def test_metadata_names_policy_and_clinic_never_the_patient(letter):
    meta = pdf_metadata(letter.pdf)
    assert meta["Title"] == "Micro-Needling Post Procedure"
    assert meta["Author"] == "Harbor Skin Clinic"
    assert "Jane" not in repr(meta) and "Rivera" not in repr(meta)
    with pikepdf.open(io.BytesIO(letter.pdf)) as pdf:
        assert str(pdf.Root.Lang) == "en"
        xmp = str(pdf.open_metadata())
        info = repr(dict(pdf.docinfo.items()))
    assert "Micro-Needling Post Procedure" in info
    for detail in ("Jane", "Doe", "Rivera", "2026-11-23"):
        assert detail not in xmp and detail not in info


def test_same_inputs_on_the_same_day_give_identical_bytes(project, letter):
    again = project.render("microneedling", jane(), TODAY)
    assert again.pdf == letter.pdf
    other_day = project.render("microneedling", jane(), date(2026, 11, 24))
    assert other_day.pdf != letter.pdf


def test_markup_in_a_name_prints_literally(project):
    result = project.render(
        "microneedling", jane(name="Ann <b>Bold</b> & Co", provider="<i>X</i>"), TODAY
    )
    text = pdf_text(result.pdf)
    assert "Ann <b>Bold</b> & Co" in text
    assert "<i>X</i>" in text


@pytest.mark.parametrize(
    "name",
    [
        "Zoë Åsa Łukasiewicz-Núñez",
        "Nguyễn Thị Minh Khai",
        "王小明",
        "فاطمة الزهراء",
    ],
)
def test_names_in_other_scripts_render_with_real_glyphs(project, name):
    result = project.render("microneedling", jane(name=name), TODAY)
    assert result.missing_glyphs == 0
    assert name in pdf_text(result.pdf) or name[::-1] in pdf_text(result.pdf)


def _char_without_font() -> str | None:
    for char in ("\U0001f9ec", "\U0001fae8", "\U00016a70"):
        found = subprocess.run(
            ["fc-list", f":charset={ord(char):x}", "family"], capture_output=True, text=True
        ).stdout.strip()
        if not found:
            return char
    return None


@pytest.mark.allow_missing_glyphs
def test_a_character_without_a_font_is_detected(project):
    char = _char_without_font()
    if char is None:
        pytest.skip("every candidate character has a font here")
    result = project.render("microneedling", jane(name=f"Lorem {char}"), TODAY)
    assert result.missing_glyphs == 1


def test_a_very_long_name_wraps_and_stays_on_the_first_page(project):
    name = " ".join(["Maximiliana-Alexandrina"] * 8)[:200]
    result = project.render("microneedling", jane(name=name), TODAY)
    first_page = pdf_pages(result.pdf)[0]
    assert name.replace("-", "") in first_page.replace("-", "")
    assert result.pages == 2


def test_blank_handout_has_day_numbers_and_no_dates(project):
    result = project.render("microneedling", None, TODAY)
    text = pdf_text(result.pdf)
    assert "PREPARED FOR" in text.upper() and "Day 0" in text and "Days 2–7" in text
    assert "Nov 24" not in text and "Jane" not in text
    assert qr_codes(result.pdf) == [URL]


def test_a_synthetic_policy_renders_from_another_content_folder(synthetic_content):
    project = Project(synthetic_content)
    result = project.render("example-procedure", jane(), TODAY)
    text = pdf_text(result.pdf)
    assert "Example Procedure" in text and "Days 1-3 Tue, Nov 24 – Thu, Nov 26" in text
    assert qr_codes(result.pdf) == [
        "https://harborskin.example/aftercare/example-procedure/#d=20261123"
    ]
