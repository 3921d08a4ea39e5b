"""`aftercare check`: every problem and warning with file and line, in plain words; exit 1 on
problems, 0 with warnings only, 1 with --strict. Synthetic policies only."""

from __future__ import annotations

import pytest

from .conftest import DATA

EXAMPLE = (DATA / "example-procedure.md").read_text()


def with_mistakes() -> str:
    """The synthetic policy, with one of each thing `check` warns about."""
    text = EXAMPLE.replace("    start: 0\n    end: 0", "    start: 1\n    end: 2")
    text = text.replace("    start: 3\n", "    start: 5\n")
    return text.replace(
        "Sed do eiusmod tempor.",
        "Sed do <span style='x'>eiusmod</span> tempor. ![Lorem](lorem.png)\n"
        "[Lorem file](file:///etc/passwd) and [a page](https://lorem.example).",
    )


def lines_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def test_a_clean_folder_passes(run, synthetic_content):
    result = run("--content", synthetic_content, "check")
    assert result.code == 0 and result.err == ""
    assert result.last_line == "Checked the clinic profile and 1 policy: 0 problems, 0 warnings"


def test_warnings_name_file_and_line_and_only_strict_fails(run, synthetic_content):
    path = synthetic_content / "example-procedure.md"
    text = with_mistakes()
    path.write_text(text)
    result = run("--content", synthetic_content, "check")
    body = lines_of(text, "<span")
    where = f"{path}:"
    assert result.code == 0
    assert result.err.splitlines() == [
        f"aftercare: warning: {where}{body}: raw HTML (<span style='x'>) will be removed; "
        "write it in markdown",
        f"aftercare: warning: {where}{body}: an image will be removed: sheets carry text only",
        f"aftercare: warning: {where}{body + 1}: the link to 'file:///etc/passwd' will be "
        "removed: only https, http, mailto and tel links are kept",
        f"aftercare: warning: {where}6: phases[1].start: the first phase starts on day 1: the "
        "procedure day (day 0) is in no phase",
        f"aftercare: warning: {where}10: phases[2].start: overlaps the phase before by 2 days "
        "(days 1-2); phases may share only their boundary day",
        f"aftercare: warning: {where}14: phases[3].start: day 4 falls in no phase",
    ]
    assert result.last_line == "Checked the clinic profile and 1 policy: 0 problems, 6 warnings"
    assert run("--content", synthetic_content, "check", "--strict").code == 1
    listed = run("--content", synthetic_content, "policies")  # the same warnings elsewhere
    assert listed.code == 0 and listed.err.count("aftercare: warning:") == 6


def test_a_shared_boundary_day_is_not_an_overlap(run, synthetic_content):
    assert "end: 3" in EXAMPLE and "start: 3" in EXAMPLE  # Days 1-3, then Days 3+
    assert run("--content", synthetic_content, "check", "--strict").code == 0


@pytest.mark.parametrize(
    ("front", "message"),
    [
        (
            "title: Lorem: care",
            "2: the front matter cannot be read: put text containing ':' in quotes",
        ),
        (
            "phases:\n  - label: a\n   start: 1",
            "4: the front matter cannot be read: check the indentation on line 4",
        ),
        ("title:\tLorem", "2: the front matter cannot be read: indent with spaces, not tabs"),
    ],
)
def test_yaml_errors_are_said_in_plain_words(run, synthetic_content, front, message):
    path = synthetic_content / "broken.md"
    path.write_text(f'---\n{front}\nversion: "1"\n---\nLorem.\n')
    result = run("--content", synthetic_content, "check")
    assert result.code == 1
    [line] = [line for line in result.err.splitlines() if "broken.md" in line]
    assert line.startswith(f"aftercare: error: {path}:{message}")
    assert "mapping values" not in result.err and "<block end>" not in result.err
    assert result.last_line.endswith("1 problem, 0 warnings")


def test_problems_in_several_files_are_all_reported(run, synthetic_content):
    (synthetic_content / "a-broken.md").write_text("---\ntitle: [\n---\n")
    clinic = synthetic_content / "clinic.toml"
    clinic.write_text(clinic.read_text().replace('paper = "letter"', 'paper = "legal"'))
    result = run("--content", synthetic_content, "check")
    assert result.code == 1
    assert "a-broken.md:" in result.err and "clinic.toml:" in result.err and "paper" in result.err
