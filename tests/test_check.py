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
        "(days 1-2); phases may share only their boundary day (say "
        "`overlaps: true` in the phase when it is meant)",
        f"aftercare: warning: {where}14: phases[3].start: day 4 falls in no phase",
    ]
    assert result.last_line == "Checked the clinic profile and 1 policy: 0 problems, 6 warnings"
    assert run("--content", synthetic_content, "check", "--strict").code == 1
    listed = run("--content", synthetic_content, "policies")  # the same warnings elsewhere
    assert listed.code == 0 and listed.err.count("aftercare: warning:") == 6


def test_a_shared_boundary_day_is_not_an_overlap(run, synthetic_content):
    assert "end: 3" in EXAMPLE and "start: 3" in EXAMPLE  # Days 1-3, then Days 3+
    assert run("--content", synthetic_content, "check", "--strict").code == 0


def test_a_phase_inside_a_longer_one_is_measured_against_the_longer_one(run, synthetic_content):
    """Days 0-10, then 2-3, then 5+: the overlaps are days 2-3 and days 5-10, and no day is
    left out (the phase before is not always the one that reaches furthest)."""
    path = synthetic_content / "example-procedure.md"
    text = EXAMPLE.replace("    start: 0\n    end: 0", "    start: 0\n    end: 10")
    text = text.replace("    start: 1\n    end: 3", "    start: 2\n    end: 3")
    path.write_text(text.replace("    start: 3\n    section", "    start: 5\n    section"))
    result = run("--content", synthetic_content, "check")
    assert result.code == 0
    assert result.err.splitlines() == [
        f"aftercare: warning: {path}:10: phases[2].start: overlaps the phase before by 2 days "
        "(days 2-3); phases may share only their boundary day (say "
        "`overlaps: true` in the phase when it is meant)",
        f"aftercare: warning: {path}:14: phases[3].start: overlaps phase 1 by 6 days "
        "(days 5-10); phases may share only their boundary day (say "
        "`overlaps: true` in the phase when it is meant)",
    ]
    path.write_text(text.replace("    start: 3\n    section", "    start: 11\n    section"))
    result = run("--content", synthetic_content, "check")
    assert result.err.splitlines() == [
        f"aftercare: warning: {path}:10: phases[2].start: overlaps the phase before by 2 days "
        "(days 2-3); phases may share only their boundary day (say "
        "`overlaps: true` in the phase when it is meant)",
    ]


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
        (
            'title: "Lorem" care',
            "2: the front matter cannot be read: on line 2 the text goes on after its closing "
            "quote; quote all of it, as title: '\"Lorem\" care'",
        ),
        (
            "title: 'Lorem's care'",
            "2: the front matter cannot be read: on line 2 the text goes on after its closing "
            'quote; quote all of it, as title: "Lorem\'s care"',
        ),
        (
            "title: *Lorem*",
            "2: the front matter cannot be read: put text that starts with '*' or '&' in quotes",
        ),
        (
            'title: "Lorem',
            "2: the front matter cannot be read: the quote that opens the value on line 2 is "
            "not closed on that line",
        ),
        (
            "title: Lorem\ntitle: Ipsum",
            "3: the front matter gives title twice, on lines 2 and 3: keep one",
        ),
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


def test_a_value_cut_short_by_a_hash_is_a_warning(run, synthetic_content):
    """YAML reads ' #' as the start of a comment: `title: Lorem #1 care` is the title 'Lorem'.
    A '#' with text right after it is more likely part of the value than a comment."""
    path = synthetic_content / "example-procedure.md"
    text = EXAMPLE.replace("title: Example Procedure", "title: Example #1 procedure")
    path.write_text(text.replace("    start: 3\n", "    start: 3  # the day after\n"))
    result = run("--content", synthetic_content, "check")
    assert result.code == 0
    assert result.err.splitlines() == [
        f"aftercare: warning: {path}:2: title: '#1 procedure' is read as a comment and left "
        "out; put the whole value in quotes to keep it"
    ]


def test_problems_in_several_files_are_all_reported(run, synthetic_content):
    (synthetic_content / "a-broken.md").write_text("---\ntitle: [\n---\n")
    clinic = synthetic_content / "clinic.toml"
    clinic.write_text(clinic.read_text().replace('paper = "letter"', 'paper = "legal"'))
    result = run("--content", synthetic_content, "check")
    assert result.code == 1
    assert "a-broken.md:" in result.err and "clinic.toml:" in result.err and "paper" in result.err


# ---------- Reading level: for information, never a warning -------------------------------

READING = "Reading level (Flesch-Kincaid grade, target 8 or lower; for information, not warnings):"
EASY = "Lorem is red. Dolor is blue. Sit is on the mat."
HARD = (
    "Consectetur adipiscing elitorum incididuntia laboriosamente exercitationibus "
    "reprehenderitorum voluptatibus consequatur."
)


WORDS = ("lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit", "sed",
         "do", "eiusmod")  # fmt: skip


def grade_of(out: str, label: str) -> tuple[float, str]:
    """The grade printed after `label: grade ` and the rest of its line."""
    line = next(row for row in out.splitlines() if row.startswith(f"{label}: grade "))
    grade, _, rest = line.removeprefix(f"{label}: grade ").partition(" ")
    return float(grade), rest


def test_check_reports_the_reading_grade_of_each_policy_and_section(run, synthetic_content):
    path = synthetic_content / "example-procedure.md"
    path.write_text(
        EXAMPLE.replace("Lorem ipsum dolor sit amet.", EASY).replace(
            "Consectetur adipiscing elit.", HARD
        )
    )
    result = run("--content", synthetic_content, "check")
    assert result.code == 0 and result.err == ""
    lines = result.out.splitlines()
    assert lines[0] == READING
    assert lines[1].startswith(f"{path}: grade ")
    easy, easy_note = grade_of(result.out, "  Day 0")
    hard, hard_note = grade_of(result.out, "  Days 1-3")
    assert easy < 8 and easy_note == ""
    assert hard > 8 and hard_note == "(above target)"
    assert [row.split(":")[0] for row in lines[2:5]] == ["  Day 0", "  Days 1-3", "  Days 3+"]
    assert result.last_line == "Checked the clinic profile and 1 policy: 0 problems, 0 warnings"
    assert run("--content", synthetic_content, "check", "--strict").code == 0


def test_long_sentences_are_listed_with_the_line_they_start_on(run, synthetic_content):
    path = synthetic_content / "example-procedure.md"
    words = list(WORDS[:10])
    thirty = (words * 3)[:30]  # one sentence over two lines, starting mid-line
    long_text = (
        f"Sed do eiusmod tempor. {' '.join(thirty[:12]).capitalize()}\n"
        f"{' '.join(thirty[12:])}.\n{' '.join(words * 4).capitalize()}!"
    )
    text = EXAMPLE.replace("Sed do eiusmod tempor.", long_text)
    path.write_text(text)
    result = run("--content", synthetic_content, "check")
    first = next(n for n, row in enumerate(text.splitlines(), 1) if "tempor. Lorem" in row)
    assert result.code == 0 and result.err == ""
    assert [row for row in result.out.splitlines() if "words:" in row] == [
        f'{path}:{first}: a sentence of 30 words: "Lorem ipsum dolor sit amet consectetur '
        'adipiscing elit …"',
        f'{path}:{first + 2}: a sentence of 40 words: "Lorem ipsum dolor sit amet consectetur '
        'adipiscing elit …"',
    ]


def test_headings_list_markers_and_emphasis_are_not_words(run, synthetic_content):
    path = synthetic_content / "example-procedure.md"
    words = list(WORDS)
    twenty_two = " ".join(words * 2).capitalize() + "."  # 22 words, after a 6-word heading
    items = "".join(f"{n}. Lorem ipsum dolor sit amet elit\n" for n in range(1, 6))
    twenty_six = "**Lorem** ipsum _dolor_ " + " ".join(words * 3)[len("lorem ipsum dolor ") :]
    twenty_six = " ".join(twenty_six.split()[:26])
    text = (
        EXAMPLE.replace("## Days 1-3 {#lorem-middle}", "## Lorem ipsum dolor sit amet elit "
                        "{#lorem-middle}")
        .replace("Consectetur adipiscing elit.", f"{twenty_two}\n\n{items}\n- {twenty_six}\n")
    )  # fmt: skip
    path.write_text(text)
    result = run("--content", synthetic_content, "check")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row.startswith("- **Lorem"))
    assert [row for row in result.out.splitlines() if "words:" in row] == [
        f'{path}:{line}: a sentence of 26 words: "Lorem ipsum dolor sit amet consectetur '
        'adipiscing elit …"'
    ]
    assert "  Lorem ipsum dolor sit amet elit: grade " in result.out


def test_the_reading_target_comes_from_the_clinic(run, synthetic_content):
    assert "(above target)" in run("--content", synthetic_content, "check").out
    clinic = synthetic_content / "clinic.toml"
    clinic.write_text(clinic.read_text().replace("[colors]", "reading_grade_target = 18\n[colors]"))
    result = run("--content", synthetic_content, "check")
    assert result.out.splitlines()[0] == READING.replace("target 8", "target 18")
    assert "above target" not in result.out


def test_a_language_the_grade_cannot_measure_says_so(run, synthetic_content):
    path = synthetic_content / "example-procedure.md"
    path.write_text(EXAMPLE.replace("version:", "lang: es\nversion:"))
    result = run("--content", synthetic_content, "check")
    assert result.code == 0 and result.err == ""
    assert result.out.splitlines()[:2] == [
        READING,
        f"{path}: not scored: the reading grade is measured for English only (lang: es)",
    ]


def test_a_translation_gets_a_line_saying_it_is_not_scored_and_is_counted_apart(
    run, synthetic_content
):
    """A language textstat cannot score is said so, for translations too; and a translation
    is not a policy of its own in the count."""
    from .test_languages import add_translation

    spanish = add_translation(synthetic_content, "es")
    arabic = add_translation(synthetic_content, "ar")
    result = run("--content", synthetic_content, "check")
    assert result.code == 0 and result.err == ""
    lines = result.out.splitlines()
    for path, lang in ((arabic, "ar"), (spanish, "es")):
        line = f"{path}: not scored: the reading grade is measured for English only (lang: {lang})"
        assert line in lines
    assert result.last_line == (
        "Checked the clinic profile, 1 policy and 2 translations: 0 problems, 0 warnings"
    )
    spanish.unlink()
    assert run("--content", synthetic_content, "check").last_line == (
        "Checked the clinic profile, 1 policy and 1 translation: 0 problems, 0 warnings"
    )


def test_the_shipped_policy_has_a_reading_grade_per_section(run):
    result = run("check")
    assert result.code == 0
    for label in ("content/microneedling.md", "  Day of procedure", "  Day 1", "  Days 2-7"):
        grade, _ = grade_of(result.out, label)
        assert 0 < grade < 20


def test_the_policies_guide_shows_what_check_says_for_a_folder_with_mistakes(
    run, synthetic_content, monkeypatch
):
    """The policies guide's example output is a real run's, line for line (warnings and
    problems on stderr, then the summary)."""
    from .test_docs import ROOT

    (synthetic_content / "example-procedure.md").rename(synthetic_content / "lorem.md")
    (synthetic_content / "lorem.md").write_text(with_mistakes())
    (synthetic_content / "broken.md").write_text('---\ntitle: Lorem: care\nversion: "1"\n---\n')
    monkeypatch.chdir(synthetic_content.parent)
    result = run("--content", "content", "check")
    readme = (ROOT / "docs" / "policies.md").read_text(encoding="utf-8")
    shown = readme.split("For a policy\nwith mistakes it says:\n\n```text\n", 1)[1]
    shown = shown.split("```", 1)[0].splitlines()
    assert result.code == 1
    assert [*result.err.splitlines(), result.last_line] == shown


def test_every_command_runs_beside_notes_and_prints_the_same_warnings(
    run, synthetic_content, tmp_path
):
    """A content/README.md of notes stopped every command; `policies`, `handouts` and `site`
    print check's warnings, each once, and go on."""
    (synthetic_content / "README.md").write_text("# Notes for editors\n\n- lorem: <b>x</b>\n")
    (synthetic_content / "_unfinished.md").write_text("notes, not front matter")
    (synthetic_content / "example-procedure.md").write_text(with_mistakes())
    expected = run("--content", synthetic_content, "check").err.splitlines()
    assert len(expected) == 6 and all(line.startswith("aftercare: warning:") for line in expected)
    for command in (
        ["policies"],
        ["handouts", "--out", tmp_path / "handouts"],
        ["site", "--out", tmp_path / "site"],
    ):
        result = run("--content", synthetic_content, *command)
        assert result.code == 0, (command, result.err)
        warned = [line for line in result.err.splitlines() if "warning:" in line]
        assert warned == expected, command
    assert (tmp_path / "site" / "example-procedure" / "index.html").exists()
    assert [p.name for p in (tmp_path / "handouts").glob("*.pdf")] == ["example-procedure.pdf"]
