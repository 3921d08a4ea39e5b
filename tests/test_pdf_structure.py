"""Tagged, accessible PDFs, and PDF/A archive copies, checked by reading the files back.

veraPDF cannot be installed here; these tests check what pikepdf can see: the structure
tree, the language, the title and its display, alt text, and the PDF/A identification."""

import io

import pikepdf
import pytest

from generator import patient as patient_module
from generator.sheet import Options

from .conftest import TODAY, pdf_text, qr_codes


def figures_and_tags(pdf: pikepdf.Pdf) -> tuple[list[str], set[str]]:
    alts, tags = [], set()

    def walk(node):
        if isinstance(node, pikepdf.Dictionary):
            if "/S" in node:
                tags.add(str(node.S))
                if node.S == "/Figure":
                    alts.append(str(node.get("/Alt", "")))
            kids = node.get("/K")
            for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
                walk(kid)

    walk(pdf.Root.StructTreeRoot)
    return alts, tags


@pytest.fixture(scope="module")
def sheets(project):
    jane = patient_module.make("Jane Doe", "2026-11-23", "Dr. Rivera")
    return {
        "sheet": project.render("microneedling", jane, TODAY).pdf,
        "handout": project.render("microneedling", None, TODAY).pdf,
        "archive": project.render("microneedling", jane, TODAY, Options(archival=True)).pdf,
    }


@pytest.mark.parametrize("kind", ["sheet", "handout", "archive"])
def test_pdfs_are_tagged_with_language_title_and_alt_text(sheets, kind):
    with pikepdf.open(io.BytesIO(sheets[kind])) as pdf:
        assert pdf.Root.MarkInfo.Marked is True
        assert str(pdf.Root.Lang) == "en"
        assert pdf.Root.ViewerPreferences.DisplayDocTitle is True
        assert "Micro-Needling Post Procedure" in str(pdf.open_metadata())
        alts, tags = figures_and_tags(pdf)
    assert alts == [
        "Harbor Skin Clinic logo",
        "QR code: https://harborskin.example/aftercare/microneedling/",
    ]
    assert {"/H1", "/H2", "/P"} <= tags
    assert ("/Table" in tags) == (kind != "handout")  # the calendar


def test_archive_copy_is_pdf_a_3_and_still_the_same_sheet(sheets):
    with pikepdf.open(io.BytesIO(sheets["archive"])) as pdf:
        xmp = str(pdf.open_metadata())
        assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="A"' in xmp
        assert str(pdf.Root.OutputIntents[0].S) == "/GTS_PDFA1"
        assert "Jane" not in xmp
    assert "Jane Doe" in pdf_text(sheets["archive"])
    assert qr_codes(sheets["archive"]) == [
        "https://harborskin.example/aftercare/microneedling/#d=2026-11-23"
    ]


def test_cli_pdf_a_option(run, tmp_path):
    result = run(
        "sheet", "microneedling", "--name", "Lorem", "--pdf-a", "--out", tmp_path / "a.pdf"
    )
    assert result.code == 0, result.err
    with pikepdf.open(tmp_path / "a.pdf") as pdf:
        assert 'pdfaid:part="3"' in str(pdf.open_metadata())
