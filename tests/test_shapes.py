"""Layout that holds for real content: policies shaped as clinics write them (tests/data/shapes,
one shape a file, synthetic wording), rendered at Letter and A4, in large print and combined,
with assertions measured from the PDF's text boxes, font sizes and drawn borders (pdfboxes).

Issue 22 (layout items 1-4 and 6) and issue 26 (items 5, 6, 9 and the layout check)."""

from __future__ import annotations

import io
import re
import shutil
from functools import cache
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pytest

from generator import i18n
from generator.content import patient as patient_module
from generator.paths import CONTENT
from generator.project import Project
from generator.render.preview import PDFIUM
from generator.sheet.model import Options

from . import pdfboxes
from .conftest import DATA, QUICK, TODAY, pdf_pages, qr_codes

pytestmark = pytest.mark.slow  # renders many sheets: make test runs it, make test-fast does not

SHAPES = DATA / "shapes"
PAPERS = ("letter", "a4")
SHEET_ID = "ABCD-EFGH"


def jane():
    """A procedure on Monday, December 7, 2026."""
    return patient_module.make(name="Jane Doe", procedure_date="2026-12-07", provider="Dr. Lorem")


@pytest.fixture(scope="module")
def shapes(tmp_path_factory) -> Project:
    """Every shape in one content folder, with a translation of `long-title` into each
    language the product ships (the policy's own text stays synthetic English: what is
    measured is the sheet's words, dates and layout in that language)."""
    folder = tmp_path_factory.mktemp("shapes") / "content"
    folder.mkdir()
    shutil.copy(CONTENT / "clinic.toml", folder)
    shutil.copy(CONTENT / "harbor-logo.svg", folder)
    for path in [*SHAPES.glob("*.md"), CONTENT / "microneedling.md", DATA / "example-procedure.md"]:
        shutil.copy(path, folder)
    for code in LANGUAGES[1:]:
        _translate(folder / "long-title.md", code)
    return Project(folder)


LANGUAGES = [code for code in i18n.LANGUAGES]  # "en" first


def _translate(source: Path, lang: str) -> None:
    """A synthetic translation of a shape: its front matter made a translation's."""
    from .test_languages import short_hash

    text = source.read_text(encoding="utf-8")
    front, body = text.split("\n---\n", 1)
    phases = front[front.index("phases:") :]
    keys = [
        "---",
        "title: Lorem translated title",
        f"lang: {lang}",
        f"translation_of: {source.stem}",
        'source_version: "1.0"',
        f"source_hash: {short_hash(source)}",
        "translated_by: Lorem Translations",
        "reviewed_by: Ipsum Reviewer",
        "reviewed_on: 2026-11-01",
        phases,
        "---",
    ]
    (source.parent / f"{source.stem}.{lang}.md").write_text(
        "\n".join(keys) + "\n" + body, encoding="utf-8"
    )


@cache
def _render(project: Project, slug: str, paper: str, large: bool, lang: str | None = None):
    slugs = slug.split("+")
    options = Options(paper=paper, large_print=large, sheet_id=SHEET_ID)
    return project.render(slugs if len(slugs) > 1 else slug, jane(), TODAY, options, lang=lang)


def render(project, slug, paper="letter", large=False, lang=None) -> bytes:
    return _render(project, slug, paper, large, lang).pdf


def footer_chars(page: pdfboxes.Page) -> list[pdfboxes.Char]:
    """The characters of the footer: below the text area (18 mm, 28 in large print)."""
    return [c for c in page.chars if c.top < 28 * pdfboxes.MM and c.text.strip()]


# ---------- Footer (issue 22 layout 1) ---------------------------------------------------


@pytest.mark.parametrize("paper", PAPERS)
@pytest.mark.parametrize("large", [False, True], ids=["standard", "large-print"])
def test_a_long_title_is_cut_and_the_sheet_id_and_page_number_print_whole(shapes, paper, large):
    pdf = render(shapes, "long-title", paper, large)
    for number, page in enumerate(pdfboxes.pages(pdf), start=1):
        footer = footer_chars(page)
        text = "".join(c.text for c in footer)
        assert f"Sheet{SHEET_ID}" in text.replace(" ", ""), text
        assert f"Page{number}of" in text.replace(" ", ""), text
        assert pdfboxes.overlapping(footer) == [], text
        if not large:  # one line: the title shortened with an ellipsis
            assert "…" in text and "ipsum agents" not in text, text


def test_a_title_that_fits_prints_whole_in_the_footer(shapes):
    page = pdfboxes.pages(render(shapes, "nested-lists", "a4"))[0]
    text = "".join(c.text for c in footer_chars(page))
    assert "LoremNestedLists·" in text and "…" not in text


# ---------- Lists and line breaks (issue 22 layout 2) ----------------------------------------


def _left(page: pdfboxes.Page, phrase: str) -> float:
    return page.find(phrase)[0].left


def test_lists_nest_at_two_three_and_four_spaces_on_the_sheet(shapes):
    pages = pdfboxes.pages(render(shapes, "nested-lists"))
    page = next(p for p in pages if "Lorem moisturize" in p.text)
    top = _left(page, "Lorem moisturize")
    assert _left(page, "Lorem sub-item one under a number") > top + 10  # 3 spaces under "1."
    assert _left(page, "Lorem third level item") > _left(page, "Lorem numbered sub-item") + 10
    bullet = _left(page, "Lorem bullet with four")
    assert _left(page, "Lorem sub-bullet at two spaces") > bullet + 10  # 2 under "-"
    assert _left(page, "Lorem sub-bullet at four spaces") > bullet + 10  # 4, as before
    text = " ".join(pdf_pages(render(shapes, "nested-lists")))
    assert "generously - Lorem" not in text and "\\" not in text


def test_backslash_and_two_space_line_breaks_start_a_new_line(shapes):
    pages = pdfboxes.pages(render(shapes, "nested-lists"))
    page = next(p for p in pages if "after a backslash" in p.text)
    for first, second in (
        ("ends with a backslash", "Lorem second line after a backslash"),
        ("ends with two spaces", "Lorem second line after two spaces"),
    ):
        assert page.find(second)[0].top < page.find(first)[0].bottom  # a line below
        assert abs(_left(page, second) - _left(page, "Lorem first line ends with a")) < 1


def test_the_handout_and_the_site_nest_the_same_lists(shapes):
    handout = shapes.render("nested-lists", None, TODAY)
    pages = pdfboxes.pages(handout.pdf)
    page = next(p for p in pages if "Lorem moisturize" in p.text)
    assert _left(page, "Lorem sub-item one") > _left(page, "Lorem moisturize") + 10
    html = shapes.policy("nested-lists").blocks[1].html  # what the site's page carries
    assert re.search(r"<ol>\s*<li>Lorem moisturize generously\s*<ul>", html)
    assert re.search(r"<li>Lorem bullet\s*<ul>\s*<li>Lorem sub-bullet at two spaces", html)


# ---------- Kept together (issue 22 layout 4) ----------------------------------------------


def _pages_of(pdf: bytes, pattern: str) -> dict[str, set[int]]:
    """For each list or table named in `pattern`'s group 1, the pages its items are on."""
    found: dict[str, set[int]] = {}
    for number, text in enumerate(pdf_pages(pdf), start=1):
        for match in re.finditer(pattern, text):
            found.setdefault(match[1], set()).add(number)
    return found


@pytest.mark.parametrize("paper", PAPERS)
def test_lists_of_seven_and_tables_of_four_rows_are_never_split(shapes, paper):
    lists = _pages_of(render(shapes, "seven-item-lists", paper), r"List (\d+) item \d")
    assert len(lists) == 16 and {k: v for k, v in lists.items() if len(v) > 1} == {}
    tables = _pages_of(render(shapes, "four-row-tables", paper), r"Table (\d+) row \d")
    assert len(tables) == 12 and {k: v for k, v in tables.items() if len(v) > 1} == {}


def test_a_list_stays_with_the_line_that_introduces_it(shapes):
    for paper in PAPERS:
        pages = pdf_pages(render(shapes, "seven-item-lists", paper))
        for n in range(1, 17):
            [page] = [p for p in pages if f"When to call, list {n}:" in p]
            assert f"List {n} item 1" in page, (paper, n)


# ---------- Large print (issue 22 layout 3, 6; issue 26 item 6) ----------------------------


@pytest.mark.parametrize("paper", PAPERS)
def test_large_print_never_prints_under_14_pt_and_splits_a_long_calendar_by_month(shapes, paper):
    pdf = render(shapes, "long-plan", paper, large=True)
    pages = pdfboxes.pages(pdf)
    small = {
        (n, round(c.size, 1))
        for n, p in enumerate(pages, 1)
        for c in p.chars
        if c.size < 13.9 and c.text.strip()
    }
    assert small == set()
    text = " ".join(pdf_pages(pdf))
    for month in ("December 2026", "May 2027", "June 2027"):
        assert month in text  # each month its own table, headed by its name
    assert len(pages) <= 4


MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
BROKEN_DATE = re.compile(
    rf"(?:\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),|\b(?:{MONTHS})|\b(?:{MONTHS}) \d+,)$"
)


@pytest.mark.parametrize("paper", PAPERS)
def test_large_print_step_headings_never_break_a_date(shapes, paper):
    """Headings of growing length put some date at a line's end ("Fri," / "Jun 4" before);
    in the plan, a range may break between its dates, never inside one."""
    pdf = render(shapes, "long-headings", paper, large=True)
    lines = [line.strip() for page in pdfboxes.pages(pdf) for line in page.text.splitlines()]
    assert [line for line in lines if BROKEN_DATE.search(line)] == []
    for day in (
        "Tue, Dec 8",
        "Mon, Dec 14",
        "Thu, Jan 7, 2027",
        "Mon, Mar 8, 2027",
        "Mon, Jun 7, 2027",
    ):
        assert sum(day in line for line in lines) >= 2, day  # in the plan and its heading


@pytest.mark.parametrize("paper", PAPERS)
def test_the_procedure_word_stays_in_its_cell_in_large_print(shapes, paper):
    for lang in ("en", "es", "fr"):
        pdf = render(shapes, "long-title", paper, True, None if lang == "en" else lang)
        for page in pdfboxes.pages(pdf):
            assert page.chars_crossing_cells() == [], (lang, paper)


# ---------- The calendar (issue 22 layout 6) -----------------------------------------------


def test_a_six_month_phase_is_one_band_and_the_calendar_stays_on_page_one(shapes):
    for paper in PAPERS:
        pdf = render(shapes, "long-plan", paper)
        pages = pdf_pages(pdf)
        assert "Dec 27 – May 29" in pages[0] and "Jun 7" in pages[0], paper
        assert "SUN MON" not in " ".join(pages[1:]), paper
        assert pdfboxes.pages(pdf)[0].chars_crossing_cells() == []


def _cell_colours(pdf: bytes, after: str, day: str, scale: float = 3) -> set[tuple[int, ...]]:
    """The colours across the calendar cell of `day` (its date's text, after `after`)."""
    page = pdfboxes.pages(pdf)[0]
    text = page.text
    date = page.find(day, text.index(after) + len(after))[0]
    columns, rows = page.calendar_grid()
    left = max(x for x in columns if x <= date.left)
    right = min(x for x in columns if x > date.left)
    low, high = next((lo, hi) for lo, hi in rows if lo < date.bottom < hi)
    with PDFIUM:
        document = pdfium.PdfDocument(io.BytesIO(pdf))
        try:
            image = document[0].render(scale=scale).to_pil().convert("RGB")
        finally:
            document.close()
    y = round((page.height - (low + (high - low) * 0.3)) * scale)  # below the date's line
    return {
        image.getpixel((x, y)) for x in range(round(left * scale) + 6, round(right * scale) - 6)
    }


PHASE_COLOURS = {1: (0x17, 0x49, 0x4A), 2: (0x2F, 0x6B, 0x64), 3: (0x9F, 0xCD, 0xC4)}


def _has(colours, rgb) -> bool:
    return any(all(abs(a - b) <= 3 for a, b in zip(c, rgb, strict=True)) for c in colours)


def test_three_phases_on_one_day_are_all_visible_and_an_open_phase_colours_its_week(shapes):
    pdf = render(shapes, "three-phases")
    wednesday = _cell_colours(pdf, "SAT", "9")  # days 0-2, 1-2 and 2 onward
    assert all(_has(wednesday, rgb) for rgb in PHASE_COLOURS.values()), wednesday
    for day in ("10", "12"):  # the open-ended phase goes on to the week's end
        assert _has(_cell_colours(pdf, "SAT", day), PHASE_COLOURS[3]), day
    page = pdfboxes.pages(pdf)[0]
    assert page.chars_crossing_cells() == []


def test_a_calendar_continued_on_page_two_has_no_procedure_frame_there(shapes):
    pdf = render(shapes, "long-steps")
    assert "SUN MON" in pdf_pages(pdf)[1].replace("\n", " ")
    with PDFIUM:
        document = pdfium.PdfDocument(io.BytesIO(pdf))
        try:
            image = document[1].render(scale=2).to_pil().convert("RGB")
        finally:
            document.close()
    top = image.crop((0, 0, image.width, round(image.height * 0.2)))
    accent = (0xB5, 0x56, 0x2F)
    data = top.tobytes()
    pixels = (data[i : i + 3] for i in range(0, len(data), 3))
    orange = sum(all(abs(a - b) < 40 for a, b in zip(p, accent, strict=True)) for p in pixels)
    assert orange < 10, orange  # the frame is around Dec 7, on page 1 only


def ink_gap_before(pdf: bytes, index: int, phrase: str, scale: float = 4) -> float:
    """The blank space, in points, between `phrase` on page `index` and whatever is drawn
    just left of it (an emoji is a picture, not text): measured on the rendered page."""
    page = pdfboxes.pages(pdf)[index]
    chars = page.find(phrase)
    top = max(c.top for c in chars)
    bottom = min(c.bottom for c in chars)
    with PDFIUM:
        document = pdfium.PdfDocument(io.BytesIO(pdf))
        try:
            image = document[index].render(scale=scale).to_pil().convert("L")
        finally:
            document.close()
    rows = range(round((page.height - top) * scale), round((page.height - bottom) * scale))
    x = round(chars[0].left * scale) - 2
    while x > 0 and all(image.getpixel((x, y)) > 235 for y in rows):
        x -= 1
    return chars[0].left - x / scale


def test_an_emoji_in_a_heading_keeps_the_space_after_it(shapes):
    for large in (False, True):
        pdf = render(shapes, "emoji-heading", large=large)
        index = next(i for i, p in enumerate(pdfboxes.pages(pdf)) if "Lorem sun" in p.text)
        size = 22 if large else 12.5  # the heading's size, print.css
        for phrase in ("Lorem sun", "Lorem water"):
            assert ink_gap_before(pdf, index, phrase) > 0.4 * size, (large, phrase)


# ---------- Assistive technology (issue 26 item 5) -------------------------------------------


def _alts(pdf: bytes) -> dict[str, list[str]]:
    """The /Alt of each TD and TH in the tag tree, by role."""
    found: dict[str, list[str]] = {"/TD": [], "/TH": []}
    with pikepdf.open(io.BytesIO(pdf)) as document:
        stack = [document.Root.StructTreeRoot]
        while stack:
            node = stack.pop()
            if isinstance(node, pikepdf.Array):
                stack.extend(reversed(list(node)))  # in document order
                continue
            if not isinstance(node, pikepdf.Dictionary):
                continue
            role = str(node.get("/S", ""))
            if role in found and "/Alt" in node:
                found[role].append(str(node.Alt))
            if "/K" in node:
                stack.append(node.K)
    return found


def test_calendar_cells_read_as_sentences_and_weekdays_in_full(shapes):
    pdf = render(shapes, "three-phases")
    alts = _alts(pdf)
    assert "Monday, December 7, 2026: Procedure, 1 Days 0-2" in alts["/TD"]
    assert "Wednesday, December 9, 2026: 1 Days 0-2, 2 Days 1-2, 3 Day 2 onward" in alts["/TD"]
    assert "Sunday, December 6, 2026" in alts["/TD"]  # a day before the plan: its date alone
    assert alts["/TH"] == [
        "Sunday",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
    ]
    page = pdf_pages(pdf)[0]
    assert "SUN MON TUE WED THU FRI SAT" in page and "Dec 7 Procedure 1" in page  # as printed


# ---------- Two procedures (issue 26 item 9) --------------------------------------------------


@pytest.mark.parametrize("paper", PAPERS)
def test_a_two_procedure_sheet_keeps_its_calendar_on_page_one(shapes, paper):
    readme = pdfboxes.pages(render(shapes, "microneedling+example-procedure", paper))[0]
    assert "Your calendar" in readme.text and "Days 3+" in readme.text.split("Your calendar")[1]
    assert readme.chars_crossing_cells() == []
    pdf = render(shapes, "long-title+nested-lists", paper)
    page = pdfboxes.pages(pdf)[0]
    assert "Your calendar" in page.text and "Days 1-7" in page.text.split("Your calendar")[1]
    assert page.chars_crossing_cells() == []
    # The legend's second row (procedure B) starts where its first (A) does.
    text, legend = page.text, page.text.index("Your calendar")
    a = page.chars[text.rindex("A", legend, text.index("After treatment with", legend))]
    b = page.chars[text.rindex("B", legend, text.index("Lorem Nested Lists", legend))]
    assert abs(a.left - b.left) < 1, (a, b)


# ---------- The layout check: every language x paper x large print (issue 26) ---------------

CHECKED = ["en", "es", "ar"] if QUICK else LANGUAGES


@pytest.mark.parametrize("lang", CHECKED)
@pytest.mark.parametrize("paper", PAPERS)
@pytest.mark.parametrize("large", [False, True], ids=["standard", "large-print"])
def test_every_language_keeps_text_in_its_cells_and_the_page(shapes, lang, paper, large):
    pdf = render(shapes, "long-title", paper, large, None if lang == "en" else lang)
    pages = pdfboxes.pages(pdf)
    for number, page in enumerate(pages, start=1):
        assert page.chars_crossing_cells() == [], number
        assert page.chars_outside() == [], number
    first = pdf_pages(pdf)[0]
    # The plan (a left-to-right label in an Arabic line may be read back in either order).
    assert "Day of treatment" in first and ("Days 1-14" in first or "1-14 Days" in first)
    if (lang, large) != ("es", True):  # issue 26 item 7 (i26): Spanish large print QR
        assert qr_codes(pdf, page=0), (lang, paper, large)


# ---------- `check` says what would print badly (issue 22 what to build 4) -----------------


def test_check_warns_about_what_would_print_badly(tmp_path):
    from generator.commands.check import check

    folder = tmp_path / "content"
    folder.mkdir()
    for path in [CONTENT / "clinic.toml", CONTENT / "harbor-logo.svg", *SHAPES.glob("*.md")]:
        shutil.copy(path, folder)
    text = (SHAPES / "nested-lists.md").read_text(encoding="utf-8")
    stray = text.replace(
        "- Lorem bullet\n  - Lorem sub-bullet at two", "- Lorem bullet\n - Lorem sub-bullet at two"
    )
    (folder / "stray-indent.md").write_text(stray, encoding="utf-8")
    report = check(folder)
    found = {(w.file.name, w.line): w.message for w in report.warnings if w.file}
    assert "too long for the footer on Letter and A4" in found["long-title.md", 3]
    assert "shortened with '…'" in found["long-title.md", 3]
    assert "too long for page 1 on Letter" in found["long-steps.md", 6]
    assert (
        "4 short lines (lines 24-27) will print as one run-on paragraph"
        in found["contact-block.md", 24]
    )
    line = stray.splitlines().index(" - Lorem sub-bullet at two spaces") + 1
    assert "will not nest" in found["stray-indent.md", line]
    # What prints well draws no warning: nesting at 2, 3 and 4 spaces, lines kept with a
    # backslash, a 26-week plan drawn with a band, titles that fit.
    assert [w for w in report.warnings if w.file and w.file.name == "nested-lists.md"] == []
    assert [k for k in found if k[0] == "contact-block.md"] == [("contact-block.md", 24)]
    assert [k for k in found if k[0] in ("long-plan.md", "emoji-heading.md")] == []
