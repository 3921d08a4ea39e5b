"""Print layout with real-sized content: long sections, long plans, tables, links, the QR code
and the running header, measured on the rendered pages as a reader sees them.

Every policy here is synthetic ("Lorem care"): it has the shape of a clinic's policy, not its
words."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import pypdfium2 as pdfium
import pytest

from generator.content import patient as patient_module
from generator.paths import CONTENT
from generator.project import Project
from generator.render.preview import PDFIUM
from generator.sheet.model import Options

from .conftest import TODAY, normalise, pdf_pages, qr_codes

WORDS = [
    "lorem",
    "ipsum",
    "dolor",
    "sit",
    "amet",
    "consectetur",
    "adipiscing",
    "elit",
    "sed",
    "do",
    "eiusmod",
    "tempor",
    "incididunt",
    "ut",
    "labore",
    "et",
    "dolore",
    "magna",
    "aliqua",
    "enim",
    "ad",
    "minim",
    "veniam",
    "quis",
    "nostrud",
    "exercitation",
    "ullamco",
    "laboris",
    "nisi",
    "aliquip",
    "ex",
    "ea",
    "commodo",
    "consequat",
    "duis",
    "aute",
    "irure",
    "in",
    "reprehenderit",
    "voluptate",
]
LONG_NAME = " ".join(["Maximiliana-Alexandrina"] * 8)[:200]
PHONE = "(555) 010-4400"


def lorem(seed: int, words: int) -> str:
    """Deterministic filler text of about `words` words, in sentences of 12 words."""
    out = []
    for i in range(words):
        word = WORDS[(seed * 7 + i * 5 + i // 3) % len(WORDS)]
        out.append(word.capitalize() if i % 12 == 0 else word)
        if i % 12 == 11:
            out[-1] += "."
    return " ".join(out).rstrip(".") + "."


def policy_text(phases: list[tuple[int, int | None]], words: int, extras: str = "") -> str:
    """A synthetic policy: one section of about `words / len(phases)` words per phase."""
    front = ["---", "title: Lorem Care Example", 'version: "1.0"', "phases:"]
    body = [lorem(0, 40), ""]
    per = words // len(phases)
    for n, (start, end) in enumerate(phases, start=1):
        label = f"Lorem phase {n}"
        front += [f"  - label: {label}", f"    start: {start}"]
        if end is not None:
            front.append(f"    end: {end}")
        front.append(f"    section: lorem-{n}")
        body += [f"## {label} {{#lorem-{n}}}", "", f"Lorem phase {n} opens."]
        for k in range(0, per, 80):  # paragraphs of 80 words, and a short list in each section
            body += [lorem(n * 31 + k, min(80, per - k)), ""]
        body += ["- " + lorem(n, 10), "- " + lorem(n + 1, 14), ""]
    return "\n".join([*front, "---", "", *body, extras, ""])


def content_with(tmp_path, text: str) -> Project:
    folder = tmp_path / "content"
    folder.mkdir()
    shutil.copy(CONTENT / "clinic.toml", folder)
    shutil.copy(CONTENT / "harbor-logo.svg", folder)
    (folder / "lorem-care.md").write_text(text, encoding="utf-8")
    return Project(folder)


def jane(name: str = "Jane Doe"):
    return patient_module.make(name=name, procedure_date="2026-11-23", provider="Dr. Lorem")


def page_fill(pdf: bytes) -> list[float]:
    """How far down each page's text reaches, as a share of the page's text area
    (running header and footer excluded)."""
    document = pdfium.PdfDocument(io.BytesIO(pdf))
    fills = []
    try:
        for page in document:
            height = page.get_size()[1]
            top, bottom = height - 22 * 72 / 25.4, 18 * 72 / 25.4  # the text area, in points
            text = page.get_textpage()
            lows = [
                text.get_rect(i)[1]
                for i in range(text.count_rects())
                if bottom < text.get_rect(i)[1] and text.get_rect(i)[3] < top
            ]
            fills.append((top - min(lows)) / (top - bottom) if lows else 0.0)
    finally:
        document.close()
    return fills


SIX_PHASES = [(0, 0), (1, 1), (2, 7), (8, 14), (15, 30), (31, None)]


@pytest.fixture(scope="module")
def long_project(tmp_path_factory) -> Project:
    """A synthetic policy of about 3000 words in six phases."""
    return content_with(tmp_path_factory.mktemp("long"), policy_text(SIX_PHASES, 3000))


@pytest.fixture(scope="module")
def long_sheet(long_project):
    return long_project.render("lorem-care", jane(), TODAY)


def test_a_3000_word_policy_fills_every_page_but_the_last(long_sheet):
    fills = page_fill(long_sheet.pdf)
    assert len(fills) <= 10, fills  # 15 when whole phase sections refused to break
    assert [round(f, 2) for f in fills[:-1] if f < 0.5] == [], fills


def test_a_section_breaks_across_pages_with_its_heading_kept_with_its_first_lines(long_sheet):
    pages = pdf_pages(long_sheet.pdf)
    for n in range(1, 7):
        [where] = [i for i, page in enumerate(pages) if f"Lorem phase {n} opens." in page]
        # The heading (with its dates) comes right before the first line, on the same page.
        assert re.search(rf"Lorem phase {n} [^.]*Lorem phase {n} opens\.", pages[where]), n


def test_a_plan_running_to_day_60_keeps_the_calendar_on_page_one(tmp_path):
    phases = [(0, 0), (1, 3), (4, 14), (15, 30), (31, 60)]
    project = content_with(tmp_path, policy_text(phases, 600))
    for paper in ("letter", "a4"):
        result = project.render("lorem-care", jane(), TODAY, Options(paper=paper))
        pages = pdf_pages(result.pdf)
        # The whole calendar, through January (day 60 is Jan 22), is on page 1.
        assert "Your calendar" in pages[0] and "Jan 1" in pages[0], paper
        assert not any("SUN MON" in page for page in pages[1:]), paper
        assert page_fill(result.pdf)[0] > 0.75, paper


def test_a_plan_too_long_for_page_one_continues_row_by_row(tmp_path):
    phases = [(0, 0), (1, 3), (4, 14), (15, 60), (61, 120), (121, None)]
    project = content_with(tmp_path, policy_text(phases, 600))
    result = project.render("lorem-care", jane(), TODAY)
    pages = pdf_pages(result.pdf)
    assert "Your calendar" in pages[0] and page_fill(result.pdf)[0] > 0.75
    assert "SUN MON" in pages[1]  # the weekday row repeats above the rest of the weeks
    assert "Mar 1" in pages[1] and "Your instructions" in pages[1]  # day 121 is Mar 23, 2027


def test_policy_tables_have_rules_between_rows_and_padding_in_cells(tmp_path):
    table = "\n".join(
        [
            "| Lorem | Ipsum dolor |",
            "|---|---|",
            "| Alpha row | Sit amet |",
            "| Beta row | Consectetur |",
            "",
        ]
    )
    project = content_with(tmp_path, policy_text([(0, 0), (1, None)], 100, table))
    result = project.render("lorem-care", jane(), TODAY)
    document = pdfium.PdfDocument(io.BytesIO(result.pdf))
    try:
        page = document[len(document) - 1]
        text = page.get_textpage()
        alpha = _box(text, "Alpha row")
        beta = _box(text, "Beta row")
        amet = _box(text, "Sit amet")
        scale = 4
        image = page.render(scale=scale, grayscale=True).to_pil()
        height = page.get_size()[1]
    finally:
        document.close()

    # A rule: a line of dark pixels across both columns, between the two rows' text.
    def dark_share(y_pt: float) -> float:
        y = round((height - y_pt) * scale)
        xs = range(round(alpha[0] * scale), round(amet[2] * scale))
        return sum(image.getpixel((x, y)) < 235 for x in xs) / len(xs)

    between = [alpha[1] - (alpha[1] - beta[3]) * k / 20 for k in range(1, 20)]
    assert max(dark_share(y) for y in between) > 0.9
    # Padding: the second column starts well clear of the first column's text.
    assert amet[0] - alpha[2] > 4 * 72 / 25.4


def _box(text, phrase: str) -> tuple[float, float, float, float]:
    """The (left, bottom, right, top) of a phrase on a page, in points."""
    whole = text.get_text_range()
    start = whole.index(phrase)
    boxes = [text.get_charbox(i) for i in range(start, start + len(phrase))]
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def test_link_addresses_print_after_the_link_text(tmp_path):
    extras = (
        "Read [the lorem page](https://lorem.example/care) or write to "
        "[us](mailto:care@lorem.example); see <https://lorem.example/plain> too.\n"
    )
    project = content_with(tmp_path, policy_text([(0, 0), (1, None)], 100, extras))
    text = " ".join(pdf_pages(project.render("lorem-care", jane(), TODAY).pdf))
    assert "the lorem page (lorem.example/care)" in text
    assert "us (care@lorem.example)" in text
    assert "lorem.example/plain too" in text  # an address shown as the text is not repeated


def test_in_large_print_with_a_long_name_the_qr_code_and_its_caption_share_a_page(project):
    for paper in ("letter", "a4"):
        options = Options(large_print=True, paper=paper)
        result = project.render("microneedling", jane(LONG_NAME), TODAY, options)
        pages = [page.replace(" ", "") for page in pdf_pages(result.pdf)]
        [caption] = [i for i, page in enumerate(pages) if "Scantoreadthisonline" in page]
        assert "harborskin.example/aftercare/microneedling/" in pages[caption], paper
        assert qr_codes(result.pdf, page=caption), paper


def top_strips(pdf: bytes, mm: float = 20) -> list[str]:
    """The text in the top `mm` millimetres of each page: the running header's place."""
    with PDFIUM:
        return _top_strips(pdf, mm)


def _top_strips(pdf: bytes, mm: float) -> list[str]:
    document = pdfium.PdfDocument(io.BytesIO(pdf))
    try:
        strips = []
        for page in document:
            width, height = page.get_size()
            text = page.get_textpage()
            strips.append(
                normalise(text.get_text_bounded(0, height - mm * 72 / 25.4, width, height))
            )
        return strips
    finally:
        document.close()


def test_pages_after_the_first_carry_the_name_and_the_clinic_phone(long_sheet):
    pages, strips = pdf_pages(long_sheet.pdf), top_strips(long_sheet.pdf)
    assert len(pages) >= 3
    assert pages[0].count("Jane Doe") == 1  # page 1 names the patient once, in its own block
    for number, strip in enumerate(strips[1:], start=2):
        assert "Jane Doe" in strip and PHONE in strip, (number, strip)


def longest_rule_mm(pdf: bytes, index: int, mm: float = 20, scale: float = 2) -> float:
    """The longest horizontal run of dark pixels in the top `mm` millimetres of a page, in
    millimetres: a drawn write-in line, as a reader sees it."""
    with PDFIUM:
        document = pdfium.PdfDocument(io.BytesIO(pdf))
        try:
            image = document[index].render(scale=scale).to_pil().convert("L")
        finally:
            document.close()
    per_mm = scale * 72 / 25.4
    strip = image.crop((0, 0, image.width, int(mm * per_mm)))
    width, pixels = strip.width, strip.tobytes()
    rows = (pixels[row * width : (row + 1) * width] for row in range(strip.height))
    longest = max((len(run) for row in rows for run in DARK_RUN.findall(row)), default=0)
    return longest / per_mm


DARK_RUN = re.compile(rb"[\x00-\x7f]+")  # pixels darker than 128, side by side


def test_a_blank_handout_has_a_write_in_name_line_on_later_pages(long_project, long_sheet):
    result = long_project.render("lorem-care", None, TODAY)
    strips = top_strips(result.pdf)
    assert len(strips) >= 3
    for number, strip in enumerate(strips[1:], start=2):
        assert strip.startswith("Name") and PHONE in strip, (number, strip)
        assert longest_rule_mm(result.pdf, number - 1) > 60, number  # the line to write on
    assert longest_rule_mm(long_sheet.pdf, 1) < 10  # a printed name has no line under it


def test_the_seed_sheet_is_still_two_pages_with_the_header_on_page_two(project):
    for paper in ("letter", "a4"):
        result = project.render("microneedling", jane(LONG_NAME), TODAY, Options(paper=paper))
        assert result.pages == 2, paper
        assert LONG_NAME[:40] in top_strips(result.pdf)[1], paper


def test_a_name_cut_short_in_the_header_reads_as_cut(project, tmp_path):
    """The header cuts a long name with '…'. WeasyPrint mapped that glyph to all the text it
    hides, an entry of hundreds of bytes that poppler calls illegal ("Illegal entry in bfchar
    block in ToUnicode CMap") and that read the hidden text aloud; it maps to '…' now."""
    name = "Lorem Ipsum " + "Dolorsitametconsectetur " * 7 + "Endofname"
    result = project.render(
        "microneedling", jane(name), TODAY, Options(large_print=True, paper="a4")
    )
    header = top_strips(result.pdf)[1]
    assert header.startswith("Lorem Ipsum") and "…" in header and "Endofname" not in header
    path = tmp_path / "sheet.pdf"
    path.write_bytes(result.pdf)
    read = subprocess.run(["pdftotext", path, "-"], capture_output=True, text=True, check=True)
    assert "ToUnicode" not in read.stderr and read.stdout.count("Endofname") == 1  # page 1


def x_of(pdf: bytes, needle: str, after: str = "") -> float:
    """The left edge, in points, of the first `needle` on page 1 after the text `after`."""
    with PDFIUM:
        document = pdfium.PdfDocument(io.BytesIO(pdf))
        try:
            text = document[0].get_textpage()
            whole = text.get_text_range()
            start = whole.index(needle, whole.index(after) + len(after) if after else 0)
            return min(text.get_charbox(i)[0] for i in range(start, start + len(needle)))
        finally:
            document.close()


def test_a_right_to_left_sheet_mirrors_masthead_plan_and_calendar(synthetic_content):
    """Arabic mirrors the English sheet: the clinic on the right, each phase's label right of
    its dates, and the weeks running from the right (Sunday the 22nd rightmost)."""
    from .test_languages import SLUG, add_translation
    from .test_languages import jane as lorem_jane

    add_translation(synthetic_content, "ar")
    project = Project(synthetic_content)
    english = project.render(SLUG, lorem_jane(), TODAY).pdf
    arabic = project.render(SLUG, lorem_jane(), TODAY, lang="ar").pdf
    width = 612  # Letter
    assert x_of(english, "Harbor Skin Clinic") < width / 2 < x_of(arabic, "Harbor Skin Clinic")
    # The plan's second phase: "Days 1-3" then "Tue, Nov 24"; in Arabic the label is right.
    assert x_of(english, "1-3") < x_of(english, "24")
    assert x_of(arabic, "3-1") > x_of(arabic, "24") + 50
    # The calendar's first week, Sunday 22 to Saturday 28 (after the plan's last "26").
    assert x_of(english, "22", after="2026") < x_of(english, "28", after="2026")
    assert x_of(arabic, "22", after="2026") > x_of(arabic, "28", after="2026") + 300
