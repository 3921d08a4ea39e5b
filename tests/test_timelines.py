"""Timelines as clinics write them: hours (48h), weeks (2w), uncertain ranges (7-10d), care
before the procedure (start: -7), many phases, overlaps declared on purpose and a section that
several phases share, on the sheet, the combined sheet, the site, FHIR, translations and in
`check`. Synthetic policies only (tests/data/lorem-*.md)."""

from __future__ import annotations

import io
import json
import re
import shutil
from datetime import UTC, date, datetime

import pypdfium2 as pdfium
import pytest

from generator.commands.site import build_site
from generator.content import patient as patient_module
from generator.content import policy as policy_module
from generator.errors import AftercareError
from generator.paths import CONTENT
from generator.project import Project
from generator.record import fhir
from generator.sheet import schedule
from generator.sheet.model import build

from .conftest import DATA, TODAY, pdf_pages, pdf_text


def day_cells(pdf: bytes, page: int = 0) -> dict[str, list[str]]:
    """Each calendar day (its label; the first of two alike) and the phase marks in its cell,
    by position: a label starts its column, the marks ("2", "B2") sit further along."""
    document = pdfium.PdfDocument(io.BytesIO(pdf))
    try:
        textpage = document[page].get_textpage()
        runs = []
        for index in range(textpage.count_rects()):
            box = textpage.get_rect(index)
            runs.append((textpage.get_text_bounded(*box).strip(), box))
    finally:
        document.close()
    heads = [box for text, box in runs if text in ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")]
    lefts, header = sorted(b[0] for b in heads), heads[0]
    in_cells = re.compile(r"(?:[A-Z][a-z]{2} )?\d{1,2}|[A-C]\d{1,2}|Procedure")
    legend = max(b[3] for t, b in runs if b[3] < header[1] and not in_cells.fullmatch(t))
    table = [(t, b) for t, b in runs if legend + 3 < b[3] < header[1] and t != "Procedure"]
    labels: list[tuple[str, int, float]] = []  # text, column, top; in reading order
    for text, box in table:
        column = max(i for i, left in enumerate(lefts) if left <= box[0] + 0.5)
        if box[0] - lefts[column] < 8:
            labels.append((text, column, box[3]))
    marks: dict[int, list[str]] = {index: [] for index in range(len(labels))}
    for text, box in table:
        column = max(i for i, left in enumerate(lefts) if left <= box[0] + 0.5)
        if box[0] - lefts[column] >= 8:
            above = [i for i, (_, c, top) in enumerate(labels) if c == column and top >= box[3] - 3]
            marks[min(above, key=lambda i: labels[i][2] - box[3])].append(text)
    cells: dict[str, list[str]] = {}  # a label seen twice (Nov 29, Dec 29): the first
    for index, (text, _, _) in enumerate(labels):
        cells.setdefault(text, sorted(marks[index]))
    return cells


SHAPES = ("lorem-timeline", "lorem-overlap", "lorem-many-phases", "lorem-shared-section")
PROCEDURE = "2026-12-07"  # a Monday


def content_with(folder, *slugs):
    """The demo clinic with these synthetic policies."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("clinic.toml", "harbor-logo.svg"):
        shutil.copy(CONTENT / name, folder)
    for slug in slugs:
        shutil.copy(DATA / f"{slug}.md", folder)
    return folder


@pytest.fixture(scope="module")
def shapes(tmp_path_factory):
    folder = content_with(tmp_path_factory.mktemp("timelines") / "content", *SHAPES)
    shutil.copy(DATA / "example-procedure.md", folder)
    return Project(folder)


def jane():
    return patient_module.make("Jane Doe", PROCEDURE, today=TODAY)


@pytest.fixture(scope="module")
def timeline_pdf(shapes):
    return shapes.render("lorem-timeline", jane(), TODAY).pdf


def plan_lines(page: str) -> str:
    """Page 1's text from "Your plan" to the calendar."""
    return page.split("Your plan", 1)[1].split("Your calendar", 1)[0]


# ---------- Reading the bounds ---------------------------------------------------------------


def test_bounds_in_hours_weeks_ranges_and_days_before_the_procedure_are_read_as_days():
    loaded = policy_module.load(DATA / "lorem-timeline.md")
    assert [(p.label, p.start, p.end) for p in loaded.phases] == [
        ("One week before", -7, -1),  # -1w
        ("First 48 hours", 0, 2),  # 48h: days 0-2, three calendar days
        ("Days 2 to 7-10", 2, 10),  # a range is coloured to its later day
        ("Until week 4", 10, 28),  # 4w
        ("After week 4", 28, None),
    ]
    assert loaded.warnings == ()


def test_more_than_six_phases_are_accepted_up_to_what_the_plan_holds(tmp_path):
    loaded = policy_module.load(DATA / "lorem-many-phases.md")
    assert len(loaded.phases) == 15
    phases = "".join(
        f"  - {{label: D{i}, start: {i}, end: {i}, section: a}}\n"
        for i in range(policy_module.MAX_PHASES + 1)
    )
    path = tmp_path / "lorem.md"
    path.write_text(f'---\ntitle: Lorem\nversion: "1"\nphases:\n{phases}---\n\n## A\n\nx\n')
    with pytest.raises(AftercareError) as info:
        policy_module.load(path)
    (problem,) = info.value.problems
    assert str(problem).startswith(
        f"{path}:4: phases: has {policy_module.MAX_PHASES + 1} phases; at most "
        f"{policy_module.MAX_PHASES}"
    )


@pytest.mark.parametrize(
    ("value", "line"),
    [("0.17", 7), ("1x", 7), ("'10-7d'", 7), ("48 hrs", 7), ("true", 7)],
)
def test_a_wrong_bound_is_explained_with_an_example_of_each_unit(run, tmp_path, value, line):
    folder = content_with(tmp_path / "content")
    text = (DATA / "example-procedure.md").read_text()
    text = text.replace("    start: 0\n    end: 0\n", f"    start: 0\n    end: {value}\n", 1)
    (folder / "example-procedure.md").write_text(text)
    result = run("--content", folder, "check")
    assert result.code == 1
    (message,) = [m for m in result.err.splitlines() if "phases[1].end" in m]
    assert f"example-procedure.md:{line}: phases[1].end: " in message
    for example in ("days (7)", "hours (48h)", "weeks (2w)", "(7-10d", "before the procedure (-7)"):
        assert example in message, message


# ---------- The sheet -------------------------------------------------------------------------


def test_the_plan_prints_hours_weeks_ranges_and_pre_care_as_their_dates(timeline_pdf):
    plan = plan_lines(pdf_pages(timeline_pdf)[0])
    expected = [
        "One week before Mon, Nov 30 – Sun, Dec 6",
        "First 48 hours Mon, Dec 7 – Wed, Dec 9",
        "Days 2 to 7-10 Wed, Dec 9 – between Mon, Dec 14 and Thu, Dec 17",
        "Until week 4 between Mon, Dec 14 and Thu, Dec 17 – Mon, Jan 4, 2027",
        "After week 4 from Mon, Jan 4, 2027",
    ]
    places = [plan.find(line) for line in expected]
    assert -1 not in places, plan
    assert places == sorted(places)  # in order: the care before the procedure comes first


def test_the_calendar_starts_where_the_first_phase_starts_and_marks_the_days_before(
    timeline_pdf,
):
    phases = policy_module.load(DATA / "lorem-timeline.md").phases
    grid = schedule.month_grid(phases, date(2026, 12, 7), "en_US", first_weekday=6)
    days = {day.date: day for week in grid.weeks for day in week}
    assert grid.weeks[0][0].date == date(2026, 11, 29)  # the Sunday before the first phase
    assert grid.title == "November 2026 – January 2027"
    before = days[date(2026, 11, 30)]
    assert before.in_plan and before.phases == (1,) and before.before_procedure
    assert not days[date(2026, 11, 29)].in_plan
    assert not days[date(2026, 12, 7)].before_procedure and days[date(2026, 12, 7)].phases == (2,)
    assert days[date(2026, 12, 17)].phases == (3, 4)  # the range's later day
    cells = day_cells(timeline_pdf)
    assert cells["29"] == [] and cells["30"] == ["1"] and cells["6"] == ["1"]  # Nov 29 to Dec 6
    assert cells["Dec 7"] == ["2"] and cells["17"] == ["3", "4"]
    assert "Your calendar November 2026 – January 2027" in pdf_text(timeline_pdf)


def test_a_blank_handout_counts_the_days_of_every_bound(shapes):
    page = pdf_pages(shapes.render("lorem-timeline", None, TODAY).pdf)[0]
    plan = plan_lines(page) if "Your calendar" in page else page.split("Your plan", 1)[1]
    for line in (
        "One week before Day −7 – Day −1",
        "First 48 hours Days 0–2",
        "Days 2 to 7-10 Day 2 – between Day 7 and Day 10",
        "Until week 4 between Day 7 and Day 10 – Day 28",
        "After week 4 Day 28 onward",
    ):
        assert line in plan, plan


def test_a_fortnight_day_by_day_prints_every_phase_on_page_one(shapes):
    pages = pdf_pages(shapes.render("lorem-many-phases", jane(), TODAY).pdf)
    plan = pages[0].split("Your plan", 1)[1]
    assert "Day 0 Mon, Dec 7" in plan and "Day 13 Sun, Dec 20" in plan
    assert "Day 14 on from Mon, Dec 21" in plan
    text = " ".join(pages)
    for day in range(14):  # each heading with its phase's number and date
        when = f"{date(2026, 12, 7 + day):%a, %b} {7 + day}"
        assert f"{day + 1} Day {day} {when} Lorem ipsum for day {day}." in text


def test_a_shared_section_heading_lists_every_phase_with_its_dates(shapes):
    text = pdf_text(shapes.render("lorem-shared-section", jane(), TODAY).pdf)
    heading = text.split("Healing timeline", 2)[-1]
    assert heading.startswith(
        " 1 Mon, Dec 7 2 Tue, Dec 8 – Thu, Dec 10 3 Fri, Dec 11 – Mon, Dec 14 Lorem ipsum"
    ), heading[:120]


def test_a_combined_sheet_starts_its_calendar_at_the_earliest_phase(shapes):
    pdf = shapes.render(["example-procedure", "lorem-timeline"], jane(), TODAY).pdf
    page = pdf_pages(pdf)[0]
    assert "One week before Mon, Nov 30 – Sun, Dec 6" in page
    assert "Day 0 Mon, Dec 7" in page
    calendar = next(n for n, page in enumerate(pdf_pages(pdf)) if "Your calendar" in page)
    cells = day_cells(pdf, calendar)
    assert cells["30"] == ["B1"]  # Nov 30, before the procedure
    assert "A1" in cells["Dec 7"] and "B2" in cells["Dec 7"]


# ---------- check ----------------------------------------------------------------------------


def test_a_declared_overlap_passes_strict_and_an_undeclared_one_warns(run, tmp_path):
    folder = content_with(tmp_path / "content", "lorem-overlap")
    result = run("--content", folder, "check", "--strict")
    assert (result.code, result.err) == (0, "")
    path = folder / "lorem-overlap.md"
    path.write_text(path.read_text().replace("    overlaps: true\n", ""))
    result = run("--content", folder, "check", "--strict")
    assert result.code == 1
    assert result.err.splitlines() == [
        f"aftercare: warning: {path}:10: phases[2].start: overlaps the phase before by 3 days "
        "(days 0-2); phases may share only their boundary day (say `overlaps: true` in the "
        "phase when it is meant)"
    ]


def test_overlaps_must_be_true_or_false(tmp_path):
    path = tmp_path / "lorem.md"
    text = (DATA / "lorem-overlap.md").read_text()
    path.write_text(text.replace("overlaps: true", "overlaps: sometimes"))
    with pytest.raises(AftercareError) as info:
        policy_module.load(path)
    assert [str(p) for p in info.value.problems] == [
        f"{path}:13: phases[2].overlaps: must be true or false"
    ]


def test_check_warns_about_a_shared_section(run, tmp_path):
    folder = content_with(tmp_path / "content", "lorem-shared-section")
    result = run("--content", folder, "check")
    path = folder / "lorem-shared-section.md"
    assert result.code == 0
    assert result.err.splitlines() == [
        f"aftercare: warning: {path}:12: phases[2].section: section 'lorem-healing' is shared "
        "by phases 1, 2 and 3: its heading lists each of them with its dates; give a phase a "
        "section of its own where its advice differs"
    ]


# ---------- Translations ----------------------------------------------------------------------


def translation_of_timeline(source: policy_module.Policy) -> str:
    text = source.source.decode()
    head, body = text.split("\n---\n", 1)
    head = head.replace('version: "1.0"', "")
    head = head.replace("title: Lorem Timeline", "title: Lorem Cronología\nlang: es")
    head += (
        "\ntranslation_of: lorem-timeline\n"
        f'source_version: "1.0"\nsource_hash: {source.content_hash}\n'
        "translated_by: Lorem Traducciones\n"
    )
    return head + "\n---\n" + body


def test_a_translation_keeps_the_sources_bounds_as_written(tmp_path):
    from generator.content import translations as languages

    folder = content_with(tmp_path / "content", "lorem-timeline")
    source = policy_module.load(folder / "lorem-timeline.md")
    path = folder / "lorem-timeline.es.md"
    path.write_text(translation_of_timeline(source))
    problems, _ = languages.check(source, policy_module.load(path))
    assert problems == []
    path.write_text(translation_of_timeline(source).replace("end: 48h", "end: 2"))
    problems, _ = languages.check(source, policy_module.load(path))
    assert [str(p) for p in problems] == [
        f"{path}:12: phases[2].end: is day 2; the source's is 48h: only labels are "
        "translated, bounds stay as the source writes them"
    ]


# ---------- The site and FHIR ------------------------------------------------------------------


def test_the_site_page_carries_every_bound_and_a_shared_sections_phases(shapes, tmp_path):
    build_site(shapes, tmp_path / "site")
    page = (tmp_path / "site" / "lorem-timeline" / "index.html").read_text()
    spans = re.findall(r'<span class="phase-when" ([^>]*)>([^<]*)</span>', page)
    assert [(attrs, text) for attrs, text in spans] == [
        ('data-start="-7" data-end="-1" data-days="Day −7 – Day −1"', "Day −7 – Day −1"),
        ('data-start="0" data-end="2" data-days="Days 0–2"', "Days 0–2"),
        (
            'data-start="2" data-end="10" data-end-early="7" '
            'data-days="Day 2 – between Day 7 and Day 10"',
            "Day 2 – between Day 7 and Day 10",
        ),
        (
            'data-start="10" data-start-early="7" data-end="28" '
            'data-days="between Day 7 and Day 10 – Day 28"',
            "between Day 7 and Day 10 – Day 28",
        ),
        ('data-start="28" data-end="" data-days="Day 28 onward"', "Day 28 onward"),
    ]
    shared = (tmp_path / "site" / "lorem-shared-section" / "index.html").read_text()
    heading = shared.split('id="lorem-healing-title"', 1)[1].split("</h3>", 1)[0]
    assert re.findall(r'class="part-when" data-start="(\d+)"', heading) == ["0", "1", "4"]
    assert '"between": "between %(early)s and %(late)s"' in page


def test_fhir_care_plan_dates_pre_care_hours_weeks_and_ranges(shapes):
    sheet = build(shapes.clinic, shapes.policy("lorem-timeline"), jane(), TODAY)
    issued = datetime(2026, 11, 23, 15, 4, 5, tzinfo=UTC)
    bundle = fhir.bundle(sheet, b"%PDF-1.7\n", issued=issued, patient_reference="Patient/1")
    (plan,) = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "CarePlan"
    ]
    assert [
        (a["detail"]["description"], a["detail"]["scheduledPeriod"]) for a in plan["activity"]
    ] == [
        ("One week before", {"start": "2026-11-30", "end": "2026-12-06"}),
        ("First 48 hours", {"start": "2026-12-07", "end": "2026-12-09"}),
        ("Days 2 to 7-10", {"start": "2026-12-09", "end": "2026-12-17"}),
        ("Until week 4", {"start": "2026-12-17", "end": "2027-01-04"}),
        ("After week 4", {"start": "2027-01-04"}),
    ]
    assert plan["period"] == {"start": "2026-11-30"}
    assert "Jane" not in json.dumps(bundle)


def test_a_range_is_worded_in_the_sheets_language():
    from generator import i18n

    phases = policy_module.load(DATA / "lorem-timeline.md").phases
    words = i18n.translations("es")
    dates = schedule.Dates("es_US", 2026)
    whens = [p.when for p in schedule.dated_phases(phases, date(2026, 12, 7), dates, words)]
    assert whens[2] == "mié, 9 de dic – entre lun, 14 de dic y jue, 17 de dic"
    assert schedule.day_wording(phases[2], words) == "Día 2 – entre Día 7 y Día 10"


def test_a_sheet_made_from_its_kinds_base_is_the_full_render(shapes):
    """Reuse across patients and dates (render/reuse.py) holds for the new shapes too."""
    from generator.sheet.model import Options

    from .test_reuse import compare

    for slug, name, day in (
        ("lorem-timeline", "Ann Lee", "2026-12-28"),
        ("lorem-shared-section", "Jane Doe", PROCEDURE),
    ):
        patient = patient_module.make(name, day, today=TODAY)
        compare(shapes, slug, patient, TODAY, Options(sheet_id="7K3Q-M2XD"))


@pytest.mark.parametrize(
    ("written", "day", "early"),
    [
        (7, 7, None),
        ("48h", 2, None),
        ("36h", 1, None),
        ("4h", 0, None),
        ("-48h", -2, None),
        ("2w", 14, None),
        ("-1w", -7, None),
        ("7-10d", 10, 7),
        ("7–10", 10, 7),
        ("24-48h", 2, 1),
        ("2-4w", 28, 14),
        (-7, -7, None),
    ],
)
def test_each_unit_becomes_the_day_it_falls_on(written, day, early):
    from generator.content import timeline

    bound = timeline.read(written)
    assert isinstance(bound, timeline.Bound)
    assert (bound.day, bound.early, bound.text) == (day, early, str(written))
