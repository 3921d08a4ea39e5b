"""`aftercare batch`: one sheet per row, bad rows reported by row, unique names, reruns."""

import codecs
import re

import pytest

from .conftest import pdf_text
from .test_cli import add_lorem_care, add_synthetic

HEADER = "name,policy,date,provider\n"


def write_csv(tmp_path, body: str, bom: bool = False):
    path = tmp_path / "patients.csv"
    path.write_bytes((codecs.BOM_UTF8 if bom else b"") + (HEADER + body).encode("utf-8"))
    return path


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_each_row_becomes_a_sheet_and_bad_rows_are_reported_by_row(run, tmp_path, jobs):
    path = write_csv(
        tmp_path,
        (
            "Jane Doe,microneedling,2026-11-23,Dr. Rivera\n"
            "Nguyễn Văn An,microneedling,2026-12-28,\n"
            "Bad Date,microneedling,2026-02-30,\n"
            "Lorem Ipsum,botox,2026-11-23,\n"
            ",microneedling,2026-11-23,\n"
        ),
        bom=True,
    )
    out = tmp_path / "sheets"
    result = run("batch", path, "--out", out, "--jobs", jobs)
    assert result.code == 1
    errors = result.err.strip().splitlines()
    assert errors[0] == (
        f"aftercare: error: {path}:4: date: is not a real date (check the month and the day)"
    )
    assert (
        errors[1] == f"aftercare: error: {path}:5: policy: unknown policy 'botox'; known "
        "policies: microneedling"
    )
    assert errors[2] == f"aftercare: error: {path}:6: name: must not be empty"
    assert "2 written, 3 failed" in result.err
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "2026-11-23-microneedling-jane-doe.pdf",
        "2026-12-28-microneedling-nguyen-van-an.pdf",
        "sheet-ids.csv",  # row, file and sheet ID of each sheet written
    ]
    assert "Nguyễn Văn An" in pdf_text((out / names[1]).read_bytes())


def test_patients_sharing_a_name_get_their_own_files_and_reruns_add_none(run, tmp_path):
    path = write_csv(
        tmp_path,
        (
            "Jane Doe,microneedling,2026-11-23,Dr. Rivera\n"
            "Jane Doe,microneedling,2026-11-23,Dr. Chen\n"
        ),
    )
    out = tmp_path / "sheets"
    assert run("batch", path, "--out", out, "--jobs", "1").code == 0
    assert run("batch", path, "--out", out, "--jobs", "1").code == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "2026-11-23-microneedling-jane-doe-2.pdf",
        "2026-11-23-microneedling-jane-doe.pdf",
        "sheet-ids.csv",
    ]
    assert "Dr. Chen" in pdf_text((out / names[0]).read_bytes())


def test_header_is_required_and_checked(run, tmp_path):
    path = tmp_path / "patients.csv"
    path.write_text("Jane Doe,microneedling,2026-11-23\n")
    result = run("batch", path, "--out", tmp_path / "out")
    assert result.code == 1
    assert "patients.csv:1: missing column(s)" in result.err
    assert not (tmp_path / "out").exists()


def test_a_spreadsheet_not_saved_as_utf8_is_named(run, tmp_path):
    path = tmp_path / "patients.csv"
    path.write_bytes((HEADER + "Zoë,microneedling,2026-11-23,\n").encode("latin-1"))
    result = run("batch", path, "--out", tmp_path / "out")
    assert result.code == 1 and "not UTF-8 text" in result.err


def test_row_errors_do_not_repeat_patient_details(run, tmp_path):
    path = write_csv(tmp_path, "Very Private Person,microneedling,31/12/2026,\n")
    result = run("batch", path, "--out", tmp_path / "out")
    assert result.code == 1
    assert ":2: date: must be a date as YYYY-MM-DD" in result.err
    assert "Private" not in result.err and "31/12" not in result.err


@pytest.mark.allow_missing_glyphs
def test_a_name_printed_as_empty_boxes_is_warned_about(run, tmp_path):
    from .test_sheet import _char_without_font

    char = _char_without_font()
    if char is None:
        pytest.skip("every candidate character has a font here")
    path = write_csv(tmp_path, f"Lorem {char},microneedling,2026-11-23,\n")
    result = run("batch", path, "--out", tmp_path / "out", "--jobs", "1")
    assert result.code == 0
    assert "warning: 1 character(s) have no font on this machine" in result.err
    assert char not in result.err  # the character itself is patient data


def test_a_policy_cell_may_combine_procedures_and_bad_combinations_are_reported_by_row(
    run, synthetic_content, tmp_path
):
    add_lorem_care(synthetic_content)
    for slug, title in (("ipsum-care", "Ipsum Care"), ("dolor-care", "Dolor Care")):
        add_synthetic(synthetic_content, slug, title)
    path = write_csv(
        tmp_path,
        (
            "Jane Doe,example-procedure+lorem-care,2026-11-23,\n"
            "Ann Lorem,example-procedure+example-procedure,2026-11-23,\n"
            "Bo Lorem,example-procedure+lorem-care+ipsum-care+dolor-care,2026-11-23,\n"
            "Cy Lorem,lorem-care+,2026-11-23,\n"
            "Di Lorem, lorem-care + ipsum-care + example-procedure ,2026-11-24,\n"
            "Ed Lorem,lorem-care+nope,2026-11-23,\n"
        ),
    )
    out = tmp_path / "sheets"
    result = run("--content", synthetic_content, "batch", path, "--out", out, "--jobs", "2")
    assert result.code == 1
    errors = result.err.strip().splitlines()[:4]
    assert errors == [
        f"aftercare: error: {path}:3: policy: example-procedure is chosen twice",
        f"aftercare: error: {path}:4: policy: 4 procedures; one sheet combines at most 3",
        f"aftercare: error: {path}:5: policy: 'lorem-care+' is not a procedure or procedures "
        "joined by '+', such as a+b",
        f"aftercare: error: {path}:7: policy: unknown policy 'nope'; known policies: "
        "dolor-care, example-procedure, ipsum-care, lorem-care",
    ]
    assert "2 written, 4 failed" in result.err
    assert "Lorem" not in result.err  # no patient's name in a message
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "2026-11-23-example-procedure+lorem-care-jane-doe.pdf",
        "2026-11-24-lorem-care+ipsum-care+example-procedure-di-lorem.pdf",
        "sheet-ids.csv",
    ]
    text = pdf_text((out / names[1]).read_bytes())
    assert all(title in text for title in ("Lorem Care", "Ipsum Care", "Example Procedure"))
    assert "B2 Days 1-3 Wed, Nov 25 – Fri, Nov 27" in text  # Ipsum Care is the second
    ids = (out / "sheet-ids.csv").read_text().splitlines()
    assert ids[0] == "row,file,id" and [line.split(",")[:2] for line in ids[1:]] == [
        ["2", names[0]],
        ["6", names[1]],
    ]
    shown = run("register", "show", ids[1].split(",")[2])
    assert re.search(
        r"^policies\s+example-procedure 0\.9 \(\w+\), lorem-care 0\.9", shown.out, re.M
    )


def test_a_batch_of_bad_combinations_only_writes_nothing(run, synthetic_content, tmp_path):
    add_lorem_care(synthetic_content)
    path = write_csv(
        tmp_path,
        (
            "Ann Lorem,lorem-care+lorem-care,2026-11-23,\n"
            "Bo Lorem,+,2026-11-23,\n"
            "Cy Lorem,,2026-11-23,\n"
        ),
    )
    out = tmp_path / "sheets"
    result = run("--content", synthetic_content, "batch", path, "--out", out)
    assert result.code == 1
    assert result.err.strip().splitlines()[:3] == [
        f"aftercare: error: {path}:2: policy: lorem-care is chosen twice",
        f"aftercare: error: {path}:3: policy: '+' is not a procedure or procedures joined by "
        "'+', such as a+b",
        f"aftercare: error: {path}:4: policy: is required",
    ]
    assert "0 written, 3 failed" in result.err
    assert not out.exists()


def test_a_rerun_counts_the_sheets_it_kept_apart_from_those_it_wrote(run, tmp_path):
    database = f"sqlite:///{tmp_path / 'register.sqlite3'}"
    two = "Jane Doe,microneedling,2026-11-23,\nJohn Roe,microneedling,2026-11-23,\n"
    path = write_csv(tmp_path, two)
    out = tmp_path / "sheets"
    first = run("batch", path, "--out", out, "--jobs", "1", "--database", database)
    assert first.code == 0 and "Sheets: 2 written, 0 failed" in first.err
    write_csv(tmp_path, two + "Ann Poe,microneedling,2026-11-23,\n")
    again = run("batch", path, "--out", out, "--jobs", "1", "--database", database)
    assert again.code == 0, again.err
    assert "Sheets: 1 written, 2 kept from the last run, 0 failed" in again.err
    assert len(list(out.glob("*.pdf"))) == 3
