"""Blank handouts: write-in lines, day numbers instead of dates, the undated QR code, paper size,
and rebuilds only when an input changed."""

import hashlib
import io
import os

import pypdfium2 as pdfium

from generator.commands.handouts import handouts
from generator.sheet import visit_code
from generator.sheet.model import Options

from .conftest import DATA, pdf_text, qr_codes
from .test_cli import add_lorem_care, add_synthetic
from .test_large_print import sizes_of


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


COMBINED = "example-procedure+lorem-care"
CODES = visit_code.fragment(COMBINED.split("+"), None)  # the visit codes: sheet/visit_code.py


def test_combine_writes_the_blank_combined_handout_beside_the_others(
    run, synthetic_content, tmp_path
):
    add_lorem_care(synthetic_content)
    out = tmp_path / "handouts"
    result = run("--content", synthetic_content, "handouts", "--combine", COMBINED, "--out", out)
    assert result.code == 0, result.err
    assert sorted(p.name for p in out.glob("*.pdf")) == [
        f"{COMBINED}.pdf",
        "example-procedure.pdf",
        "lorem-care.pdf",
    ]
    pdf = (out / f"{COMBINED}.pdf").read_bytes()
    text = pdf_text(pdf)
    for expected in (
        "Example Procedure",
        "Lorem Care",
        "A1 Day 0",
        "A2 Days 1-3 Days 1–3",
        "B2 Days 1-5 Days 1–5",
        "B3 Days 5+ Day 5 onward",
        "Lorem care, second synthetic policy.",
        "Lorem ipsum dolor sit amet.",
    ):
        assert expected in text, expected
    assert "Nov" not in text and "printed" not in text  # no dates at all
    assert qr_codes(pdf) == [f"https://harborskin.example/aftercare/visit/#{CODES}"]
    assert oct((out / f"{COMBINED}.pdf").stat().st_mode & 0o777) == "0o644"


def test_combined_handouts_are_rebuilt_only_when_an_input_changed(run, synthetic_content, tmp_path):
    add_lorem_care(synthetic_content)
    add_synthetic(synthetic_content, "ipsum-care", "Ipsum Care")
    out = tmp_path / "handouts"
    triple = "ipsum-care+lorem-care+example-procedure"
    combine = ("--combine", COMBINED, "--combine", triple, "--combine", COMBINED)

    def build(*extra):
        result = run("--content", synthetic_content, "handouts", *combine, "--out", out, *extra)
        assert result.code == 0, result.err
        return result.err

    assert "Handouts: 5 written, 0 unchanged" in build()
    stamp = os.stat(out / f"{triple}.pdf").st_mtime_ns
    assert "Handouts: 0 written, 5 unchanged" in build()
    assert os.stat(out / f"{triple}.pdf").st_mtime_ns == stamp
    ipsum = synthetic_content / "ipsum-care.md"
    ipsum.write_text(ipsum.read_text().replace("Sed do eiusmod tempor.", "Sed do eiusmod."))
    assert "Handouts: 2 written, 3 unchanged" in build()  # ipsum-care and the triple
    assert "Sed do eiusmod." in pdf_text((out / f"{triple}.pdf").read_bytes())
    assert "Handouts: 5 written, 0 unchanged" in build("--large-print")
    assert min(sizes_of((out / f"{COMBINED}.pdf").read_bytes(), "Lorem care ipsum dolor.")) >= 18
    # The folder holds what the last build asked for: without --combine, combined ones go.
    result = run("--content", synthetic_content, "handouts", "--out", out)
    assert "Handouts: 3 written, 0 unchanged, 2 removed" in result.err
    assert sorted(p.name for p in out.glob("*.pdf")) == [
        "example-procedure.pdf",
        "ipsum-care.pdf",
        "lorem-care.pdf",
    ]


def test_bad_combinations_are_all_reported_and_nothing_is_written(run, synthetic_content, tmp_path):
    add_lorem_care(synthetic_content)
    out = tmp_path / "handouts"
    result = run(
        "--content", synthetic_content, "handouts", "--out", out,
        "--combine", "lorem-care+lorem-care", "--combine", "example-procedure",
        "--combine", "lorem-care+nope", "--combine", "+lorem-care",
    )  # fmt: skip
    assert result.code == 1
    assert result.err.strip().splitlines() == [
        "aftercare: error: --combine: lorem-care is chosen twice",
        "aftercare: error: --combine: 'example-procedure' is one procedure; combine two or "
        "three, such as a+b",
        "aftercare: error: --combine: unknown policy 'nope'; known policies: "
        "example-procedure, lorem-care",
        "aftercare: error: --combine: '+lorem-care' is not a procedure or procedures joined "
        "by '+', such as a+b",
    ]
    assert not out.exists()


def add_spanish(content, slug: str, title: str) -> None:
    """A synthetic, reviewed Spanish translation of `slug`, made from its source as it is now."""
    text = (DATA / "translations" / "example-procedure.es.md").read_text(encoding="utf-8")
    source = hashlib.sha256((content / f"{slug}.md").read_bytes()).hexdigest()[:8]
    text = text.replace("SOURCE_HASH", source).replace("example-procedure", slug)
    text = text.replace("Procedimiento de ejemplo", title)
    (content / f"{slug}.es.md").write_text(text, encoding="utf-8")


def test_a_combination_is_also_written_in_each_language_all_its_policies_are_ready_in(
    run, synthetic_content, tmp_path
):
    add_lorem_care(synthetic_content)
    add_synthetic(synthetic_content, "ipsum-care", "Ipsum Care")
    add_spanish(synthetic_content, "example-procedure", "Procedimiento de ejemplo")
    add_spanish(synthetic_content, "ipsum-care", "Cuidado ipsum")
    out = tmp_path / "handouts"
    result = run(
        "--content", synthetic_content, "handouts", "--out", out,
        "--combine", "example-procedure+ipsum-care", "--combine", COMBINED,
    )  # fmt: skip
    assert result.code == 0, result.err
    assert sorted(p.name for p in out.glob("*.pdf")) == [
        "example-procedure+ipsum-care.es.pdf",
        "example-procedure+ipsum-care.pdf",
        f"{COMBINED}.pdf",  # Lorem Care has no Spanish translation
        "example-procedure.es.pdf",
        "example-procedure.pdf",
        "ipsum-care.es.pdf",
        "ipsum-care.pdf",
        "lorem-care.pdf",
    ]
    spanish = pdf_text((out / "example-procedure+ipsum-care.es.pdf").read_bytes())
    assert "Procedimiento de ejemplo + Cuidado ipsum" in spanish
    assert "Lorem ipsum en español, tres." in spanish and "Ipsum Care" not in spanish


def test_combinations_the_clinic_lists_are_always_made_and_kept(run, synthetic_content, tmp_path):
    add_lorem_care(synthetic_content)
    clinic = synthetic_content / "clinic.toml"
    clinic.write_text(f'handout_combinations = ["{COMBINED}"]\n' + clinic.read_text())
    out = tmp_path / "handouts"
    for _ in range(2):  # a plain run, again: the clinic's combination stays
        result = run("--content", synthetic_content, "handouts", "--out", out)
        assert result.code == 0, result.err
        assert (out / f"{COMBINED}.pdf").exists()
    assert "Handouts: 0 written, 3 unchanged" in result.err
    assert qr_codes((out / f"{COMBINED}.pdf").read_bytes()) == [
        f"https://harborskin.example/aftercare/visit/#{CODES}"
    ]
    clinic.write_text(clinic.read_text().replace(COMBINED, "lorem-care+dolor-care"))
    result = run("--content", synthetic_content, "handouts", "--out", out)
    assert result.code == 1
    assert f"{clinic}: handout_combinations: unknown policy 'dolor-care'" in result.err
    clinic.write_text(clinic.read_text().replace('["lorem-care+dolor-care"]', '"lorem-care"'))
    result = run("--content", synthetic_content, "handouts", "--out", out)
    assert "handout_combinations: must be a list of procedures joined by" in result.err
