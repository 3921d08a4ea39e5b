"""Blank handouts: write-in lines, day numbers instead of dates, the undated QR code, paper size,
and rebuilds only when an input changed."""

import io
import os

import pypdfium2 as pdfium

from generator.handouts import handouts
from generator.sheet import Options

from .conftest import pdf_text, qr_codes


def test_blank_handout_has_day_numbers_and_the_plain_qr_code(run, tmp_path):
    result = run("handouts", "--out", tmp_path)
    assert result.code == 0, result.err
    pdf = (tmp_path / "microneedling.pdf").read_bytes()
    text = pdf_text(pdf)
    for expected in (
        "Day 0",
        "Day 1",
        "Days 2–7",
        "Day 7 onward",
        "Micro-Needling Post Procedure",
        "Page 1 of 2",
    ):
        assert expected in text
    assert "Nov" not in text.replace("November", "")  # no dates at all
    assert "printed" not in text
    assert qr_codes(pdf) == ["https://harborskin.example/aftercare/microneedling/"]
    assert oct((tmp_path / "microneedling.pdf").stat().st_mode & 0o777) == "0o644"


def test_paper_option_overrides_the_clinic(run, tmp_path):
    assert run("handouts", "--out", tmp_path, "--paper", "a4").code == 0
    document = pdfium.PdfDocument(io.BytesIO((tmp_path / "microneedling.pdf").read_bytes()))
    assert tuple(round(v) for v in document[0].get_size()) == (595, 842)
    document.close()


def test_unchanged_handouts_are_not_rendered_again(project, tmp_path, synthetic_content):
    first = handouts(project, tmp_path, jobs=1)
    assert [p.name for p in first.written] == ["microneedling.pdf"]
    stamp = os.stat(tmp_path / "microneedling.pdf").st_mtime_ns
    second = handouts(project, tmp_path, jobs=1)
    assert second.written == [] and [p.name for p in second.unchanged] == ["microneedling.pdf"]
    assert os.stat(tmp_path / "microneedling.pdf").st_mtime_ns == stamp
    third = handouts(project, tmp_path, Options(paper="a4"), jobs=1)
    assert [p.name for p in third.written] == ["microneedling.pdf"]


def test_a_changed_policy_is_rebuilt_and_a_removed_one_is_cleaned_up(tmp_path, synthetic_content):
    from generator.project import Project

    out = tmp_path / "handouts"
    extra = synthetic_content / "lorem-care.md"
    extra.write_text(
        (synthetic_content / "example-procedure.md")
        .read_text()
        .replace("Example Procedure", "Lorem Care")
    )
    report = handouts(Project(synthetic_content), out, jobs=2)
    assert sorted(p.name for p in report.written) == ["example-procedure.pdf", "lorem-care.pdf"]
    extra.write_text(extra.read_text().replace("Sed do eiusmod tempor.", "Sed do eiusmod."))
    extra_changed = handouts(Project(synthetic_content), out, jobs=2)
    assert [p.name for p in extra_changed.written] == ["lorem-care.pdf"]
    assert "Sed do eiusmod." in pdf_text((out / "lorem-care.pdf").read_bytes())
    extra.unlink()
    cleaned = handouts(Project(synthetic_content), out, jobs=2)
    assert [p.name for p in cleaned.removed] == ["lorem-care.pdf"]
    assert sorted(p.name for p in out.glob("*.pdf")) == ["example-procedure.pdf"]


def test_an_invalid_policy_stops_the_build_before_anything_is_written(
    run, tmp_path, synthetic_content
):
    (synthetic_content / "broken.md").write_text("---\ntitle: Broken\n---\n\nText.\n")
    result = run("--content", synthetic_content, "handouts", "--out", tmp_path / "h")
    assert result.code == 1
    assert "broken.md" in result.err and "version: is required" in result.err
    assert not (tmp_path / "h").exists()
