"""The `aftercare` command as a user runs it: output, exit codes, messages, files."""

import errno
import re
from datetime import date

import pytest

from generator import project as project_module

from .conftest import pdf_text


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
    monkeypatch.setattr(project_module, "SHEETS", tmp_path / "sheets")
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
        r"days from 0, got 'one'",
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
    def explode(self, variants, fits, archival=False):
        raise RuntimeError("renderer failed")

    monkeypatch.setattr("generator.pdf.Renderer.render_first_fitting", explode)
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
