"""A base for a new procedure date laid out from a sibling's (generator/render/dates.py): page 1
anew, later pages reused with the phases' new dates. The guarantee is the strongest there is:
the sheet is byte for byte the one a process that lays every date out whole makes (as a reprint
in a fresh process does), for every policy shape, paper, print size and date; inputs that
cannot be proven so take the full layout."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from generator.content import patient as patient_module
from generator.paths import CONTENT
from generator.project import Project
from generator.render import reuse
from generator.sheet.model import DEFAULT_OPTIONS, Options

from .conftest import DATA, examples, pdf_pages
from .test_languages import add_translation

pytestmark = pytest.mark.slow  # renders many sheets: make test runs it, make test-fast does not

TODAY = date(2026, 12, 7)
SHAPES = sorted(path.stem for path in (DATA / "shapes").glob("*.md"))
SLUGS = ["microneedling", "example-procedure", *SHAPES, "lorem-timeline", "lorem-overlap"]
SLUGS += ["lorem-shared-section", "lorem-tight-heading"]


@pytest.fixture(scope="module")
def content(tmp_path_factory):
    """The demo clinic, its policy, and every synthetic policy shape the tests keep."""
    folder = tmp_path_factory.mktemp("dates") / "content"
    folder.mkdir()
    for name in ("clinic.toml", "harbor-logo.svg", "microneedling.md"):
        shutil.copy(CONTENT / name, folder)
    for path in [
        *(DATA / "shapes").glob("*.md"),
        DATA / "example-procedure.md",
        DATA / "lorem-timeline.md",
        DATA / "lorem-overlap.md",
        DATA / "lorem-shared-section.md",
        DATA / "lorem-tight-heading.md",
    ]:
        shutil.copy(path, folder)
    add_translation(folder, "es")
    add_translation(folder, "ar")
    return folder


@pytest.fixture(scope="module")
def makers(content):
    """Two processes' worth of sheet makers: one reuses layouts across dates, the other lays
    every date out whole (the reference)."""
    spliced, whole = Project(content), Project(content)
    whole.maker.reuse.dates.size = 0
    return spliced, whole


def patient(day: date, name: str = "Jane Doe"):
    return patient_module.make(name, day.isoformat(), "Dr. Lorem")


def both(makers, slugs, day, options=DEFAULT_OPTIONS, name="Jane Doe", lang=None):
    """The sheet both ways, and whether it was made from a sibling."""
    spliced, whole = makers
    slugs = slugs.split("+")
    before = spliced.maker.reuse.dates.spliced
    made = spliced.render(slugs, patient(day, name), TODAY, options, lang)
    reference = whole.render(slugs, patient(day, name), TODAY, options, lang)
    assert made.pdf == reference.pdf
    assert (made.pages, made.warnings) == (reference.pages, reference.warnings)
    return made, spliced.maker.reuse.dates.spliced > before


def test_a_new_date_reuses_the_instruction_pages_and_prints_its_own_dates(makers):
    both(makers, "microneedling", date(2026, 12, 7))
    made, spliced = both(makers, "microneedling", date(2027, 3, 10))
    assert spliced
    page_two = " ".join(pdf_pages(made.pdf)[1].split())
    # The phases' headings carry the new dates (Wednesday, March 10 on), not the sibling's.
    assert "Day of procedure Wed, Mar 10" in page_two
    assert "Days 2-7 Fri, Mar 12 – Wed, Mar 17" in page_two
    assert "Dec 7" not in page_two.replace("printed Dec 7, 2026", "")


def test_every_date_of_a_year_is_the_full_layout_byte_for_byte(makers):
    """One kind, many dates: every weekday, month ends, a leap day, the turn of a year."""
    days = [date(2028, 2, 29), date(2027, 12, 31), date(2028, 1, 1)]
    days += [date(2027, 1, 1) + timedelta(days=k * 23) for k in range(16)]
    took = [both(makers, "microneedling", day)[1] for day in days]
    assert sum(took) >= len(days) - 1  # all but the first kind's sibling


@pytest.mark.parametrize("paper", [None, "a4"])
def test_large_print_lays_every_date_out_whole(makers, paper):
    """Large print lets the instructions follow the calendar on page 1: nothing to reuse."""
    options = Options(paper, True)
    for day in (date(2027, 5, 3), date(2027, 6, 14)):
        assert not both(makers, "microneedling", day, options)[1]


def test_a_date_that_would_not_fit_beside_its_heading_takes_the_full_layout(makers):
    """The sibling's date ends its heading's line with little room to spare: a wider date
    moves to the next line in a full layout, so it cannot take the narrow one's place; a
    date as narrow can."""
    both(makers, "lorem-tight-heading", date(2027, 7, 2))  # "Fri, Jul 2": the sibling
    made, spliced = both(makers, "lorem-tight-heading", date(2027, 9, 29))  # "Wed, Sep 29"
    assert not spliced
    lines = subprocess.run(
        ["pdftotext", "-f", "2", "-l", "2", "-", "-"], input=made.pdf, capture_output=True
    ).stdout.decode()
    assert "eius lllll\n\nWed, Sep 29\n" in lines  # the date on a line of its own
    assert both(makers, "lorem-tight-heading", date(2027, 7, 9))[1]  # "Fri, Jul 9"


def test_a_translated_sheet_reuses_its_pages_and_a_right_to_left_one_never_does(makers):
    """Spanish dates ("mié, 10 mar") take a sibling's place as English ones do; an Arabic
    sheet is laid out right to left, which this path never takes."""
    both(makers, "example-procedure", date(2027, 3, 3), lang="es")
    assert both(makers, "example-procedure", date(2027, 3, 10), lang="es")[1]
    for day in (date(2027, 3, 3), date(2027, 3, 10)):
        assert not both(makers, "example-procedure", day, lang="ar")[1]


def test_the_siblings_hold_no_patient_text(makers):
    both(makers, "microneedling", date(2027, 8, 2), name="Octavia Quillfeather")
    both(makers, "microneedling", date(2027, 8, 9), name="Octavia Quillfeather")
    cached = makers[0].maker.reuse.dates._cache.values()
    assert cached
    for sibling in cached:
        texts = [
            box.text
            for page in sibling.document.pages
            for box in page._page_box.descendants()
            if hasattr(box, "text")
        ]
        assert not any("Octavia" in text or "Quillfeather" in text for text in texts)
        assert any(reuse.NAME in text for text in texts)


@settings(
    max_examples=examples(40, quick=4),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    slugs=st.sampled_from([*SLUGS, "microneedling+example-procedure"]),
    days=st.lists(st.dates(date(2025, 1, 1), date(2029, 12, 31)), min_size=2, max_size=4),
    paper=st.sampled_from([None, "a4"]),
    large_print=st.booleans(),
    archival=st.booleans(),
    sheet_id=st.sampled_from([None, "7K3Q-M2XD"]),
)
def test_a_new_dates_sheet_is_byte_for_byte_the_full_layouts(
    makers, slugs, days, paper, large_print, archival, sheet_id
):
    note(repr((slugs, days, paper, large_print, archival, sheet_id)))
    options = Options(paper, large_print, archival, sheet_id=sheet_id)
    for day in days:
        event("from a sibling" if both(makers, slugs, day, options)[1] else "laid out whole")
