"""The `aftercare` command as a user runs it: output, exit codes, messages, files."""

import errno
import io
import re
from datetime import date
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from generator.commands import sheet as sheet_command
from generator.content.policy import load

from .conftest import DATA, normalise, pdf_text

# Synthetic policies only: copies of tests/data/example-procedure.md with other titles, other
# sentences and (for Lorem Care) later phase ends, so that each procedure's dates can be told
# apart on a combined sheet.
SECOND = {
    "title: Example Procedure": "title: Lorem Care",
    "Days 1-3": "Days 1-5",
    "end: 3": "end: 5",
    "Days 3+": "Days 5+",
    "start: 3": "start: 5",
    "Lorem care text for tests.": "Lorem care, second synthetic policy.",
    "Lorem ipsum dolor sit amet.": "Lorem care ipsum dolor.",
    "Consectetur adipiscing elit.": "Vestibulum lorem care elit.",
    "Sed do eiusmod tempor.": "Lorem care eiusmod tempor.",
}


def add_synthetic(folder: Path, slug: str, title: str, changes: dict | None = None) -> Path:
    """Another obviously synthetic policy in `folder`, made from the example procedure."""
    text = (DATA / "example-procedure.md").read_text()
    for old, new in (changes or {"title: Example Procedure": f"title: {title}"}).items():
        assert old in text, old
        text = text.replace(old, new)
    path = folder / f"{slug}.md"
    path.write_text(text)
    return path


def add_lorem_care(folder: Path) -> Path:
    """Lorem Care: a second synthetic policy whose phases end later than the example's."""
    return add_synthetic(folder, "lorem-care", "Lorem Care", SECOND)


def sentences_of(path: Path) -> list[str]:
    """Every sentence of a policy's instructions, as a reader compares them."""
    policy = load(path)
    source = " ".join(re.sub(r"<[^>]+>", " ", b.html) for b in policy.blocks)
    return re.split(r"(?<=[.!:])\s+", normalise(source.replace("&amp;", "&")))


@pytest.fixture
def combined_content(synthetic_content) -> Path:
    """The synthetic content folder with Lorem Care beside the example procedure."""
    add_lorem_care(synthetic_content)
    return synthetic_content


def test_policies_lists_slug_version_and_title(run):
    result = run("policies")
    assert result.code == 0
    assert re.search(r"^microneedling\s+v1\.0\s+Micro-Needling Post Procedure$", result.out, re.M)


def test_sheet_writes_the_pdf_and_prints_its_path_last(run, tmp_path):
    out = tmp_path / "jane.pdf"
    result = run(
        "sheet",
        "microneedling",
        "--name",
        "Jane Doe",
        "--date",
        "2026-11-23",
        "--provider",
        "Dr. Rivera",
        "--out",
        out,
    )
    assert result.code == 0, result.err
    assert result.last_line.endswith("jane.pdf")
    assert "Jane Doe" in pdf_text(out.read_bytes())
    assert oct(out.stat().st_mode & 0o777) == "0o600"


def test_default_name_stays_in_the_sheets_folder_and_date_defaults_to_today(
    run, tmp_path, monkeypatch
):
    monkeypatch.setattr(sheet_command, "SHEETS", tmp_path / "sheets")
    result = run("sheet", "microneedling", "--name", "../../etc/passwd \\ ..")
    assert result.code == 0, result.err
    written = list((tmp_path / "sheets").iterdir())
    assert [p.name for p in written] == [f"{date.today().isoformat()}-microneedling-etc-passwd.pdf"]
    assert result.last_line.endswith(written[0].name)


def test_global_options_work_after_the_command_too(run, synthetic_content, tmp_path):
    result = run("policies", "--content", synthetic_content)
    assert result.code == 0 and "example-procedure" in result.out
    result = run(
        "--content",
        synthetic_content,
        "sheet",
        "example-procedure",
        "--name",
        "Lorem",
        "--out",
        tmp_path / "x.pdf",
    )
    assert result.code == 0, result.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--date", "2026-02-30"],
            r"^aftercare: error: date: is not a real date \(check the month and the day\)",
        ),
        (["--date", "tomorrow"], r"^aftercare: error: date: must be a date as YYYY-MM-DD"),
        (["--name", "  "], r"^aftercare: error: name: must not be empty"),
        (["--name", "x" * 201], r"^aftercare: error: name: is 201 characters long; at most 200"),
        (["--name", "Bad\x07Bell"], r"^aftercare: error: name: contains a control"),
        (
            ["--policy", "botox"],
            r"^aftercare: error: policy: unknown policy 'botox'; known policies: "
            r"microneedling$",
        ),
    ],
)
def test_bad_input_exits_non_zero_with_one_line_and_no_file(run, tmp_path, args, message):
    options = {"--name": "Jane Doe", "--policy": "microneedling"}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        options[flag] = value
    policy = options.pop("--policy")
    flat = [item for pair in options.items() for item in pair]
    result = run("sheet", policy, *flat, "--out", tmp_path / "out.pdf")
    assert result.code == 1
    assert re.search(message, result.err, re.M), result.err
    assert len(result.err.strip().splitlines()) == 1
    assert "Traceback" not in result.err
    assert list(tmp_path.iterdir()) == []


def test_invalid_policy_file_names_file_and_line(run, synthetic_content, tmp_path):
    path = synthetic_content / "example-procedure.md"
    path.write_text(path.read_text().replace("start: 1\n", "start: one\n"))
    result = run(
        "--content",
        synthetic_content,
        "sheet",
        "example-procedure",
        "--name",
        "Lorem",
        "--out",
        tmp_path / "x.pdf",
    )
    assert result.code == 1
    assert re.search(
        r"example-procedure\.md:10: phases\[2\]\.start: must be a whole number of "
        r"days \(7\), hours \(48h\), .*; got 'one'",
        result.err,
    )
    assert not (tmp_path / "x.pdf").exists()


def test_invalid_or_missing_clinic_file_names_it(run, tmp_path):
    bad = tmp_path / "clinic.toml"
    bad.write_text('name = "Lorem"\n[colors]\nprimary = "red"\n')
    result = run("--clinic", bad, "policies")
    assert result.code == 1
    assert "clinic.toml:3: colors.primary: must be a colour" in result.err
    assert "phone: is required" in result.err
    assert "Traceback" not in result.err
    result = run("--clinic", tmp_path / "nope.toml", "policies")
    assert result.code == 1 and "nope.toml: cannot read clinic profile" in result.err


def test_failed_render_leaves_nothing_behind(run, tmp_path, monkeypatch):
    def explode(self, html, archival=False):
        raise RuntimeError("renderer failed")

    # Every layout goes through here: the full render's and a reused sheet's base.
    monkeypatch.setattr("generator.render.pdf.Renderer.layout", explode)
    result = run("sheet", "microneedling", "--name", "Jane Doe", "--out", tmp_path / "x.pdf")
    assert result.code == 70
    assert "internal error (RuntimeError)" in result.err and "Traceback" not in result.err
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(RuntimeError):
        run("--debug", "sheet", "microneedling", "--name", "Jane Doe", "--out", tmp_path / "x.pdf")


def test_disk_full_is_a_clear_error_and_leaves_no_temporary_file(run, tmp_path, monkeypatch):
    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("generator.files.os.fsync", full)
    result = run("sheet", "microneedling", "--name", "Jane Doe", "--out", tmp_path / "x.pdf")
    assert result.code == 1
    assert re.search(r"x\.pdf: cannot write: No space left on device$", result.err.strip())
    assert list(tmp_path.iterdir()) == []


def test_sheet_of_two_procedures_has_both_plans_texts_and_one_register_entry(
    run, combined_content, tmp_path, monkeypatch
):
    monkeypatch.setattr(sheet_command, "SHEETS", tmp_path / "sheets")
    result = run(
        "--content", combined_content, "sheet", "example-procedure", "lorem-care",
        "--name", "Jane Doe", "--date", "2026-11-23",
    )  # fmt: skip
    assert result.code == 0, result.err
    [written] = (tmp_path / "sheets").iterdir()
    assert written.name == "2026-11-23-example-procedure+lorem-care-jane-doe.pdf"
    assert result.last_line.endswith(written.name)
    assert oct(written.stat().st_mode & 0o777) == "0o600"
    text = pdf_text(written.read_bytes())
    assert "Example Procedure" in text and "Lorem Care" in text and "Jane Doe" in text
    for slug in ("example-procedure", "lorem-care"):
        sentences = sentences_of(combined_content / f"{slug}.md")
        assert len(sentences) >= 5
        assert [s for s in sentences if s not in text] == [], slug
    for phase in (  # each procedure's phases with their own dates, lettered A and B
        "A1 Day 0 Mon, Nov 23",
        "A2 Days 1-3 Tue, Nov 24 – Thu, Nov 26",
        "A3 Days 3+ from Thu, Nov 26",
        "B1 Day 0 Mon, Nov 23",
        "B2 Days 1-5 Tue, Nov 24 – Sat, Nov 28",
        "B3 Days 5+ from Sat, Nov 28",
    ):
        assert phase in text, phase
    [sheet_id] = re.findall(r"^Sheet (\S+)$", result.err, re.M)
    shown = run("register", "show", sheet_id)
    assert shown.code == 0, shown.err
    assert re.search(
        r"^policies\s+example-procedure 0\.9 \(\w+\), lorem-care 0\.9 \(\w+\)$", shown.out, re.M
    ), shown.out


def test_three_procedures_in_large_print_on_a4(run, combined_content, tmp_path):
    add_synthetic(combined_content, "ipsum-care", "Ipsum Care")
    out = tmp_path / "three.pdf"
    result = run(
        "--content", combined_content, "sheet", "example-procedure+lorem-care", "ipsum-care",
        "--name", "Jane Doe", "--date", "2026-11-23", "--large-print", "--paper", "a4",
        "--out", out,
    )  # fmt: skip
    assert result.code == 0, result.err
    pdf = out.read_bytes()
    text = pdf_text(pdf)
    assert all(title in text for title in ("Example Procedure", "Lorem Care", "Ipsum Care"))
    assert "C3 Days 3+ from Thu, Nov 26" in text
    document = pdfium.PdfDocument(io.BytesIO(pdf))
    assert tuple(round(v) for v in document[0].get_size()) == (595, 842)
    document.close()


@pytest.mark.parametrize(
    ("policies", "message"),
    [
        (
            ["example-procedure", "example-procedure"],
            "aftercare: error: policy: example-procedure is chosen twice",
        ),
        (
            ["lorem-care+example-procedure+lorem-care"],
            "aftercare: error: policy: lorem-care is chosen twice",
        ),
        (
            ["example-procedure", "lorem-care", "ipsum-care", "dolor-care"],
            "aftercare: error: policy: 4 procedures; one sheet combines at most 3",
        ),
        (
            ["example-procedure+", "lorem-care"],
            "aftercare: error: policy: 'example-procedure+' is not a procedure or "
            "procedures joined by '+', such as a+b",
        ),
    ],
)
def test_a_bad_combination_is_one_clear_error_and_writes_nothing(
    run, combined_content, tmp_path, policies, message
):
    add_synthetic(combined_content, "ipsum-care", "Ipsum Care")
    add_synthetic(combined_content, "dolor-care", "Dolor Care")
    result = run(
        "--content", combined_content, "sheet", *policies, "--name", "Jane Doe", "--out", tmp_path,
    )  # fmt: skip
    assert result.code == 1
    assert result.err.strip().splitlines() == [message]
    assert "Traceback" not in result.err
    assert list(tmp_path.iterdir()) == [combined_content]


def test_every_problem_with_the_input_is_reported_at_once(run, combined_content, tmp_path):
    result = run(
        "--content", combined_content, "sheet", "lorem-care", "nope", "lorem-care",
        "--name", " ", "--date", "2026-02-30", "--out", tmp_path / "x.pdf",
    )  # fmt: skip
    assert result.code == 1
    assert result.err.strip().splitlines() == [
        "aftercare: error: policy: lorem-care is chosen twice",
        "aftercare: error: policy: unknown policy 'nope'; known policies: example-procedure, "
        "lorem-care",
        "aftercare: error: name: must not be empty",
        "aftercare: error: date: is not a real date (check the month and the day)",
    ]
    assert not (tmp_path / "x.pdf").exists()


def test_every_policy_must_be_issuable_in_the_language_and_each_one_that_is_not_is_named(
    run, combined_content, tmp_path
):
    result = run(
        "--content", combined_content, "sheet", "example-procedure", "lorem-care", "nope",
        "--name", "Jane Doe", "--lang", "es", "--out", tmp_path / "x.pdf",
    )  # fmt: skip
    assert result.code == 1
    errors = result.err.strip().splitlines()
    assert errors[0].startswith("aftercare: error: lang: example-procedure has no 'es' translation")
    assert errors[1].startswith("aftercare: error: lang: lorem-care has no 'es' translation")
    assert errors[2].startswith("aftercare: error: policy: unknown policy 'nope'")
    assert len(errors) == 3
    assert not (tmp_path / "x.pdf").exists()
