"""Several procedures done on one day, on one sheet: every procedure's plan, dates and words,
one calendar that says each procedure's phase on each day, one QR code, one register entry."""

from __future__ import annotations

import io
import re
import shutil

import pypdfium2 as pdfium
import pytest

from generator.commands.sheet import sheet_filename
from generator.content import patient as patient_module
from generator.errors import AftercareError
from generator.paths import CONTENT
from generator.project import Project
from generator.record import issuing
from generator.record.register import Register
from generator.sheet import visit_code
from generator.sheet.model import Options

from .conftest import DATA, TODAY, normalise, pdf_pages, pdf_text, qr_codes
from .test_large_print import sizes_of

VISIT = "https://harborskin.example/aftercare/visit/"
SYNTHETIC = ("example-procedure", "lorem-care", "ipsum-care")


def synthetic_policy(source: str, title: str, version: str, last_end: int) -> str:
    """The synthetic example policy under another title, with a last phase that ends."""
    text = source.replace("Example Procedure", title).replace('"0.9"', f'"{version}"')
    return text.replace(
        "  - label: Days 3+\n    start: 3\n",
        f"  - label: Days 3-{last_end}\n    start: 3\n    end: {last_end}\n",
    ).replace("## Days 3+", f"## Days 3-{last_end}")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """The demo clinic with three obviously synthetic policies."""
    content = tmp_path_factory.mktemp("combined") / "content"
    content.mkdir()
    for name in ("clinic.toml", "harbor-logo.svg"):
        shutil.copy(CONTENT / name, content)
    source = (DATA / "example-procedure.md").read_text()
    (content / "example-procedure.md").write_text(source)
    (content / "lorem-care.md").write_text(synthetic_policy(source, "Lorem Care", "0.3", 14))
    (content / "ipsum-care.md").write_text(synthetic_policy(source, "Ipsum Care", "2.1", 9))
    return content


@pytest.fixture(scope="module")
def combined(folder):
    return Project(folder)


def jane():
    return patient_module.make("Jane Doe", "2026-11-23", "Dr. Rivera")


@pytest.fixture(scope="module")
def two(combined):
    return combined.render(["example-procedure", "lorem-care"], jane(), TODAY)


def sentences(policy) -> list[str]:
    source = " ".join(re.sub(r"<[^>]+>", " ", block.html) for block in policy.blocks)
    return [s for s in re.split(r"(?<=[.!:])\s+", normalise(source)) if s]


def calendar_cells(pdf: bytes, page: int = 0) -> dict[str, list[str]]:
    """Each calendar day (its label: "24", "Nov 23") and the marks printed in its cell, read
    by position on the page as a reader's eye would pair them."""
    document = pdfium.PdfDocument(io.BytesIO(pdf))
    try:
        textpage = document[page].get_textpage()
        runs = []
        for index in range(textpage.count_rects()):
            box = textpage.get_rect(index)
            runs.append((textpage.get_text_bounded(*box).strip(), box))
    finally:
        document.close()
    header = next(box for text, box in runs if text == "SUN")
    day, mark = r"(?:(?!Day)[A-Z][a-z]{2} )?\d{1,2}", r"[A-C]\d"
    # Large print hyphenates "Procedure" where that keeps it in its cell: "Proced-" "ure".
    in_cells = re.compile(f"{day}|{mark}|Procedure|Proced[-\u2010]|ure")
    # The table ends where the legend starts: the first other words below the weekdays.
    legend = max(b[3] for t, b in runs if b[3] < header[1] and not in_cells.fullmatch(t))
    table = [(text, box) for text, box in runs if legend + 3 < box[3] < header[1]]
    labels = [(t, b) for t, b in table if re.fullmatch(day, t)]
    cells: dict[str, list[str]] = {label: [] for label, _ in labels}
    for text, (left, _, _, top) in table:
        if re.fullmatch(mark, text):
            # The cell's label is at its top left: the nearest label up and to the left.
            column = max(b[0] for _, b in labels if b[0] <= left + 0.5)
            above = [(t, b) for t, b in labels if abs(b[0] - column) < 1 and b[3] >= top - 3]
            cells[min(above, key=lambda item: item[1][3] - top)[0]].append(text)
    return {label: sorted(marks) for label, marks in cells.items()}


def test_one_patient_block_names_every_procedure_and_the_plan_dates_each_phase(two):
    page_one = pdf_pages(two.pdf)[0]
    assert "Example Procedure + Lorem Care" in page_one  # the title
    assert "PROCEDURES A Example Procedure B Lorem Care" in page_one
    assert "Jane Doe" in page_one and "Monday, November 23, 2026" in page_one
    for line in (
        "A Example Procedure A1 Day 0 Mon, Nov 23 A2 Days 1-3 Tue, Nov 24 – Thu, Nov 26 "
        "A3 Days 3+ from Thu, Nov 26",
        "B Lorem Care B1 Day 0 Mon, Nov 23 B2 Days 1-3 Tue, Nov 24 – Thu, Nov 26 "
        "B3 Days 3-14 Thu, Nov 26 – Mon, Dec 7",
    ):
        assert line in page_one


def test_every_sentence_of_every_procedure_is_under_its_own_title(two, combined):
    text = pdf_text(two.pdf)
    first, second = (combined.policy(slug) for slug in ("example-procedure", "lorem-care"))
    a_starts = text.index("A Example Procedure Lorem care text")
    b_starts = text.index("B Lorem Care Lorem care text")
    assert a_starts < b_starts
    for policy, part in ((first, text[a_starts:b_starts]), (second, text[b_starts:])):
        assert len(sentences(policy)) >= 4
        assert [s for s in sentences(policy) if s not in part] == []
    # Each phase heading carries its procedure's mark and its dates.
    assert "A3 Days 3+ from Thu, Nov 26 Sed do eiusmod tempor." in text
    assert "B3 Days 3-14 Thu, Nov 26 – Mon, Dec 7 Sed do eiusmod tempor." in text


def test_each_calendar_day_names_the_phase_of_every_procedure(two):
    assert "Your calendar" in pdf_pages(two.pdf)[0]  # with its legend, on page 1
    cells = calendar_cells(two.pdf)
    assert cells["22"] == []  # the Sunday before: not in the plan
    assert cells["Nov 23"] == ["A1", "B1"]
    assert cells["24"] == ["A2", "B2"]
    assert cells["26"] == ["A2", "A3", "B2", "B3"]  # day 3 ends one phase and starts the next
    assert cells["27"] == ["A3", "B3"]
    assert cells["Dec 1"] == ["A3", "B3"]
    assert cells["7"] == ["A3", "B3"]  # Lorem Care's last day
    # Lorem Care's open-ended phase goes on to the week's end (issue 22: it coloured only its
    # first day); Example Procedure's plan has ended.
    assert cells["12"] == ["A3"]
    legend = pdf_pages(two.pdf)[0].split("Dec 1")[-1]
    assert "A Example Procedure A1 Day 0 A2 Days 1-3 A3 Days 3+" in legend
    assert "B Lorem Care B1 Day 0 B2 Days 1-3 B3 Days 3-14" in legend


def test_the_qr_code_opens_the_visit_page_with_both_procedures_and_the_date(two):
    codes = visit_code.code("example-procedure") + visit_code.code("lorem-care")
    assert qr_codes(two.pdf) == [f"{VISIT}#{codes}20261123"]  # sheet/visit_code.py
    assert "harborskin.example/aftercare/visit/" in pdf_text(two.pdf).replace(" ", "")


def test_every_footer_names_each_policy_version_and_hash(two, combined):
    first, second = (combined.policy(slug) for slug in ("example-procedure", "lorem-care"))
    pages = pdf_pages(two.pdf)
    assert len(pages) == two.pages >= 2
    for page in pages:
        assert (
            f"A: version 0.9 · {first.content_hash} · B: version 0.3 · {second.content_hash}"
            in page
        )


def test_the_file_name_joins_the_procedures():
    assert sheet_filename(["a", "b"], jane()) == "2026-11-23-a+b-jane-doe.pdf"


@pytest.mark.parametrize(
    ("slugs", "message"),
    [
        (["lorem-care", "lorem-care"], "lorem-care is chosen twice"),
        ([*SYNTHETIC, "microneedling"], "4 procedures; one sheet combines at most 3"),
        (["lorem-care", "dolor-care"], "unknown policy 'dolor-care'"),
    ],
)
def test_a_combination_that_cannot_be_one_sheet_is_refused(combined, slugs, message):
    with pytest.raises(AftercareError) as raised:
        combined.render(slugs, jane(), TODAY)
    assert message in str(raised.value)


def test_every_policy_must_be_issuable_in_the_chosen_language(folder, tmp_path):
    content = tmp_path / "content"
    shutil.copytree(folder, content)
    spanish = (DATA / "translations" / "example-procedure.es.md").read_text()
    source_hash = Project(content).policy("example-procedure").content_hash
    (content / "example-procedure.es.md").write_text(spanish.replace("SOURCE_HASH", source_hash))
    project = Project(content)
    with pytest.raises(AftercareError) as raised:
        project.render(["example-procedure", "lorem-care"], jane(), TODAY, lang="es")
    assert "lorem-care has no 'es' translation" in str(raised.value)
    alone = project.render(["example-procedure"], jane(), TODAY, lang="es")
    assert "Procedimiento de ejemplo" in pdf_text(alone.pdf)


def test_three_procedures_in_large_print(combined):
    options = Options(large_print=True)
    result = combined.render(list(SYNTHETIC), jane(), TODAY, options)
    text = pdf_text(result.pdf)
    assert "PROCEDURES A Example Procedure B Lorem Care C Ipsum Care" in text
    assert "C3 Days 3-9 Thu, Nov 26 – Wed, Dec 2" in text
    for slug in SYNTHETIC:
        assert [s for s in sentences(combined.policy(slug)) if s not in text] == []
    for phrase in ("Lorem ipsum dolor sit amet.", "Sed do eiusmod tempor."):
        assert sizes_of(result.pdf, phrase) and min(sizes_of(result.pdf, phrase)) >= 16
    calendar = [n for n, page in enumerate(pdf_pages(result.pdf)) if "Your calendar" in page]
    assert len(calendar) == 1
    cells = calendar_cells(result.pdf, calendar[0])
    assert cells["Nov 23"] == ["A1", "B1", "C1"]
    assert cells["2"] == ["A3", "B3", "C3"]  # Ipsum Care's last day
    assert cells["3"] == ["A3", "B3"]


def test_a_blank_combined_handout_counts_days_and_opens_the_visit_page(combined):
    result = combined.render(["lorem-care", "example-procedure"], None, TODAY)
    text = pdf_text(result.pdf)
    codes = visit_code.code("lorem-care") + visit_code.code("example-procedure")
    assert qr_codes(result.pdf) == [f"{VISIT}#{codes}"]
    assert "A Lorem Care A1 Day 0 Day 0" in text and "B3 Days 3+ Day 3 onward" in text
    assert "Jane" not in text and "Sheet" not in text


def test_a_combined_sheet_is_one_register_entry_and_reprints_byte_for_byte(folder, tmp_path):
    content = tmp_path / "content"
    shutil.copytree(folder, content)
    project = Project(content)
    register = Register(f"sqlite:///{tmp_path / 'register.sqlite3'}", b"k" * 32)
    try:
        options = Options(sheet_id=register.unused_id())
        slugs = ["lorem-care", "example-procedure"]
        original = project.render(slugs, jane(), TODAY, options)
        entry = issuing.record(
            register,
            clinic=project.clinic,
            policies=[project.policy(slug) for slug in slugs],
            patient=jane(),
            printed_on=TODAY,
            options=options,
            channel="cli",
        )
        stored = register.get(entry.id)
        assert [(s.slug, s.version) for s in stored.policies] == [
            ("lorem-care", "0.3"),
            ("example-procedure", "0.9"),
        ]
        (content / "lorem-care.md").write_text("changed since\n")
        again = issuing.reprint(register, entry.id, "Jane Doe", "Dr. Rivera")
        assert again.result.pdf == original.pdf
    finally:
        register.dispose()
