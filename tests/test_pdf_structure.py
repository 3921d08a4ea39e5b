"""Tagged, accessible PDFs, and PDF/A archive copies, checked by reading the files back.

veraPDF cannot be installed here; these tests check what pikepdf can see: the structure
tree, the language, the title and its display, alt text, and the PDF/A identification."""

import inspect
import io
import re
import shutil

import pikepdf
import pypdfium2 as pdfium
import pytest

from generator.content import patient as patient_module
from generator.paths import CONTENT
from generator.project import Project
from generator.render import glyphtext, tagging
from generator.render.preview import PDFIUM
from generator.sheet.model import DEFAULT_OPTIONS, Options
from generator.sheet.model import build as build_sheet

from . import pdfjs
from .conftest import DATA, TODAY, pdf_pages, pdf_text, qr_codes
from .test_languages import add_translation
from .test_layout import top_strips


def figures_and_tags(pdf: pikepdf.Pdf) -> tuple[list[str], set[str]]:
    alts, tags = [], set()

    def walk(node):
        if isinstance(node, pikepdf.Dictionary):
            if "/S" in node:
                tags.add(str(node.S))
                if node.S == "/Figure":
                    alts.append(str(node.get("/Alt", "")))
            kids = node.get("/K")
            for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
                walk(kid)

    walk(pdf.Root.StructTreeRoot)
    return alts, tags


@pytest.fixture(scope="module")
def sheets(project):
    jane = patient_module.make("Jane Doe", "2026-11-23", "Dr. Rivera")
    return {
        "sheet": project.render("microneedling", jane, TODAY).pdf,
        "handout": project.render("microneedling", None, TODAY).pdf,
        "archive": project.render("microneedling", jane, TODAY, Options(archival=True)).pdf,
    }


@pytest.mark.parametrize("kind", ["sheet", "handout", "archive"])
def test_pdfs_are_tagged_with_language_title_and_alt_text(sheets, kind):
    with pikepdf.open(io.BytesIO(sheets[kind])) as pdf:
        assert pdf.Root.MarkInfo.Marked is True
        assert str(pdf.Root.Lang) == "en"
        assert pdf.Root.ViewerPreferences.DisplayDocTitle is True
        assert "Micro-Needling Post Procedure" in str(pdf.open_metadata())
        alts, tags = figures_and_tags(pdf)
    assert alts == [
        "Harbor Skin Clinic logo",
        "QR code: https://harborskin.example/aftercare/microneedling/",
    ]
    assert {"/H1", "/H2", "/P"} <= tags
    assert ("/Table" in tags) == (kind != "handout")  # the calendar


def test_archive_copy_is_pdf_a_3_and_still_the_same_sheet(sheets):
    with pikepdf.open(io.BytesIO(sheets["archive"])) as pdf:
        xmp = str(pdf.open_metadata())
        assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="A"' in xmp
        assert str(pdf.Root.OutputIntents[0].S) == "/GTS_PDFA1"
        assert "Jane" not in xmp
    assert "Jane Doe" in pdf_text(sheets["archive"])
    [code] = qr_codes(sheets["archive"])
    assert re.fullmatch(
        r"https://harborskin\.example/aftercare/microneedling/#d=2026-?11-?23", code
    )


def test_archive_copy_claims_pdf_a_3a_and_pdf_ua_1_with_the_schema_pdf_a_asks_for(sheets):
    with pikepdf.open(io.BytesIO(sheets["archive"])) as pdf:
        metadata = pdf.open_metadata()
        assert metadata["pdfaid:part"] == "3" and metadata["pdfaid:conformance"] == "A"
        assert metadata["pdfuaid:part"] == "1"
        xmp = str(metadata)
    # PDF/A admits XMP properties outside its own schemas only if an extension schema says
    # what they are: pdfuaid's is declared, with its one property.
    namespace = (
        "<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>"
    )
    assert namespace in xmp and "<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>" in xmp
    assert "<pdfaProperty:name>part</pdfaProperty:name>" in xmp
    assert "<pdfaProperty:valueType>Integer</pdfaProperty:valueType>" in xmp
    with pikepdf.open(io.BytesIO(sheets["sheet"])) as pdf:  # the everyday sheet: PDF/UA-1 only
        metadata = pdf.open_metadata()
        assert metadata["pdfuaid:part"] == "1" and "pdfaid:part" not in metadata


def test_cli_pdf_a_option(run, tmp_path):
    result = run(
        "sheet", "microneedling", "--name", "Lorem", "--pdf-a", "--out", tmp_path / "a.pdf"
    )
    assert result.code == 0, result.err
    with pikepdf.open(tmp_path / "a.pdf") as pdf:
        metadata = pdf.open_metadata()
        assert metadata["pdfaid:part"] == "3" and metadata["pdfuaid:part"] == "1"


# ---------- What a reader sees: pdf.js, as in Firefox ------------------------------------
# Every kind of sheet, read back by Mozilla pdf.js (tests/pdfjs): its structure tree, the
# language of each part, what is page furniture (artifacts) and in what order it all reads.

NAMES = {"zh": "王丽娜", "ar": "ليلى حداد"}  # made-up patients
ARABIC = re.compile("[\u0600-\u06ff]")
LOGO_ALT = "Harbor Skin Clinic logo"


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """The demo clinic offering language assistance, the shipped policy, the synthetic
    example policy with its Arabic translation, and a synthetic policy long enough for a
    compact calendar (its day marks are floated)."""
    content = tmp_path_factory.mktemp("reader") / "content"
    content.mkdir()
    shutil.copy(CONTENT / "harbor-logo.svg", content)
    shutil.copy(CONTENT / "microneedling.md", content)
    clinic = (CONTENT / "clinic.toml").read_text(encoding="utf-8")
    (content / "clinic.toml").write_text("language_assistance = true\n" + clinic, "utf-8")
    source = (DATA / "example-procedure.md").read_text(encoding="utf-8")
    (content / "example-procedure.md").write_text(source, "utf-8")
    add_translation(content, "ar")
    long = (
        source.replace("Example Procedure", "Lorem Long")
        .replace(
            "  - label: Days 1-3\n    start: 1\n    end: 3\n",
            "  - label: Days 1-39\n    start: 1\n    end: 39\n",
        )
        .replace("  - label: Days 3+\n    start: 3\n", "  - label: Days 40+\n    start: 40\n")
        .replace("## Days 1-3", "## Days 1-39")
        .replace("## Days 3+", "## Days 40+")
    )
    (content / "lorem-long.md").write_text(long, "utf-8")
    return content


def person(name: str = "Jane Doe", provider: str | None = "Dr. Rivera"):
    return patient_module.make(name, "2026-11-23", provider)


@pytest.fixture(scope="module")
def read_sheets(folder) -> dict[str, bytes]:
    """One PDF of each kind: personal in several scripts, blank, combined, large print,
    right to left, with a compact calendar, and the archive copy."""
    project = Project(folder)
    renders = {
        "sheet": ("microneedling", person(), Options(), None),
        "zh": ("microneedling", person(NAMES["zh"], "د. " + NAMES["ar"]), Options(), None),
        "ar": ("microneedling", person(NAMES["ar"]), Options(), None),
        "handout": ("microneedling", None, Options(), None),
        "combined": (["microneedling", "example-procedure"], person(), Options(), None),
        "large": ("microneedling", person(), Options(large_print=True), None),
        "rtl": ("example-procedure", person(), Options(), "ar"),
        "compact": ("lorem-long", person(), Options(), None),
        "archive": ("microneedling", person(), Options(archival=True), None),
    }
    return {
        kind: project.render(slugs, patient, TODAY, options, lang).pdf
        for kind, (slugs, patient, options, lang) in renders.items()
    }


@pytest.fixture(scope="module")
def seen(request) -> dict[str, pdfjs.Document]:
    """Every sheet as pdf.js sees it (one Node process); skipped before anything is rendered
    when pdf.js is not installed."""
    pdfjs.require()
    read_sheets = request.getfixturevalue("read_sheets")
    return dict(zip(read_sheets, pdfjs.read(*read_sheets.values()), strict=True))


KINDS = ["sheet", "zh", "ar", "handout", "combined", "large", "rtl", "compact", "archive"]


def squeezed(text: str) -> str:
    """Text without white space, case-folded: letter-spaced words compare equal."""
    return "".join(text.split()).casefold()


@pytest.mark.parametrize("kind", KINDS)
def test_pdfjs_sees_headings_lists_tables_and_figures_inside_the_page(seen, kind):
    document = seen[kind]
    roles = set().union(*(page.roles() for page in document.pages))
    assert {"H1", "H2", "H3", "P", "L", "LI", "Figure"} <= roles
    assert ({"Table", "TR", "TH", "TD"} <= roles) == (kind != "handout")  # the calendar
    figures = [
        (node, page)
        for page in document.pages
        for node, _ in page.nodes()
        if node["role"] == "Figure"
    ]
    assert len(figures) == 2
    assert figures[0][0]["alt"] == ("شعار Harbor Skin Clinic" if kind == "rtl" else LOGO_ALT)
    assert "https://harborskin.example/aftercare/" in figures[1][0]["alt"]  # the QR code
    for node, page in figures:
        left, bottom, right, top = node["bbox"]
        assert 0 <= left < right <= page.width and 0 <= bottom < top <= page.height, node
    logo, page = figures[0]
    left, bottom, right, top = logo["bbox"]
    side = 15 * 72 / 25.4  # print.css: the logo is 15 mm square, at the left margin of page 1
    assert right - left == pytest.approx(side, abs=0.1) == top - bottom
    mirrored = kind == "rtl"
    margin = page.width - right if mirrored else left
    assert margin == pytest.approx(16 * 72 / 25.4, abs=0.1)
    assert top > page.height * 0.85  # at the top of the page, not measured from it


@pytest.mark.parametrize("kind", ["zh", "ar"])
def test_pdfjs_reads_the_patients_name_in_its_language(seen, kind):
    document = seen[kind]
    assert document.lang == "en"
    page = document.pages[0]
    langs = {}  # the language each patient field is read in
    for node, lang in page.nodes():
        if node["role"] == "P" and ARABIC.search(pdfjs.text(node)):
            langs.setdefault("arabic", set()).add(lang)  # shaped Arabic reads back reordered
        elif pdfjs.text(node) in (NAMES["zh"], "Dr. Rivera"):
            langs.setdefault(pdfjs.text(node), set()).add(lang)
    if kind == "zh":  # a Chinese name, an Arabic provider
        assert langs == {NAMES["zh"]: {"zh"}, "arabic": {"ar"}}
    else:  # an Arabic name, a provider in Latin letters: no language can be told from them
        assert langs == {"arabic": {"ar"}, "Dr. Rivera": {"und"}}
    # Nothing else on the page has a language of its own.
    own = [pdfjs.text(node) for node, _ in page.nodes() if "lang" in node]
    assert len(own) == 2


def test_pdfjs_reads_a_latin_name_on_an_arabic_sheet_as_undetermined(seen):
    document = seen["rtl"]
    assert document.lang == "ar"
    named = [lang for node, lang in document.pages[0].nodes() if pdfjs.text(node) == "Jane Doe"]
    assert named and set(named) == {"und"}  # the template's lang="und": no Arabic voice


def test_pdfjs_reads_each_language_assistance_line_in_its_language(seen):
    from generator.i18n import assistance_lines

    last = seen["sheet"].pages[-1]
    spoken = {lang for node, lang in last.nodes() if node["role"] == "P"}
    expected = {line.lang for line in assistance_lines("(555) 010-4400")} - {"en"}
    assert expected <= spoken


# The footer names each policy's content hash; in English it also says "Page 1 of 2".
FOOTER = re.compile(r"\b[0-9a-f]{8}\b|Page \d+ of \d+")


@pytest.mark.parametrize("kind", KINDS)
def test_page_headers_and_footers_are_artifacts_outside_the_structure(seen, kind):
    for number, page in enumerate(seen[kind].pages, start=1):
        furniture = [run["text"] for run in page.runs if run["artifact"]]
        assert any(re.search(r"\b[0-9a-f]{8}\b", text) for text in furniture), number
        if kind != "rtl":
            assert any(f"Page {number} of" in text for text in furniture), number
        tagged = " ".join(run["text"] for run in page.text_runs())
        assert not FOOTER.search(tagged), number
        structure = " ".join(leaf["text"] for leaf in page.leaves())
        assert not FOOTER.search(structure), number
        if number > 1 and kind in ("sheet", "zh"):  # the running header names the patient
            name = "Jane Doe" if kind == "sheet" else NAMES["zh"]
            assert any(name in text for text in furniture), number
            assert name not in tagged and name not in structure


def milestones(kind: str) -> list[str]:
    """What an English sheet says, in the order it must be read: masthead, title, patient,
    plan, calendar (on a blank handout, how to count the days), instructions."""
    title = {
        "combined": "Micro-Needling Post Procedure + Example Procedure",
        "compact": "Lorem Long",
    }.get(kind, "Micro-Needling Post Procedure")
    calendar = "Counting the days" if kind == "handout" else "Your calendar"
    patient = "Prepared for" if kind == "handout" else "Jane Doe"
    instructions = "A Micro-Needling Post Procedure" if kind == "combined" else "Your instructions"
    return [
        "Harbor Skin Clinic",
        "Aftercare instructions",
        title,
        patient,
        "Your plan",
        calendar,
        instructions,
    ]


def in_order(text: str, milestones: list[str]) -> None:
    position = 0
    for milestone in milestones:
        found = squeezed(text).find(squeezed(milestone), position)
        assert found >= 0, (milestone, text[:600])
        position = found


@pytest.mark.parametrize("kind", ["sheet", "handout", "combined", "large", "rtl", "compact"])
def test_sheets_read_masthead_title_patient_plan_calendar_instructions(seen, kind):
    document = seen[kind]
    for number, page in enumerate(document.pages, start=1):
        runs = page.text_runs()
        assert all(run["mc"] for run in runs), number  # no untagged real content
        in_content = [run["mc"] for run in runs]
        in_structure = [mc for mc in page.content_ids() if mc in set(in_content)]
        assert in_content == in_structure, number  # content order is the reading order
    # In any language: the logo, the title, the patient, the plan's list, the calendar's
    # table, then the instructions' sections, in the structure tree from page 1 on.
    nodes = [node for page in document.pages for node, _ in page.nodes()]
    roles = [node["role"] for node in nodes]
    logo = next(i for i, node in enumerate(nodes) if node["role"] == "Figure")
    title = roles.index("H1")
    patient = roles.index("Sect", title)
    plan = roles.index("L", patient)
    calendar = roles.index("Table", plan) if kind != "handout" else plan
    instructions = roles.index("H3", calendar)
    assert logo < title < patient < plan <= calendar < instructions
    if kind != "rtl":
        structure = " ".join(leaf["text"] for page in document.pages for leaf in page.leaves())
        content = " ".join(run["text"] for page in document.pages for run in page.text_runs())
        in_order(structure, milestones(kind))
        in_order(content, milestones(kind))


def test_pdfjs_reads_letter_spaced_headings_and_labels_as_whole_words(seen):
    page = " ".join(" ".join(run["text"] for run in seen["sheet"].pages[0].text_runs()).split())
    for words in ("AFTERCARE INSTRUCTIONS", "PREPARED FOR", "PROCEDURE DATE", "PROVIDER"):
        assert words in page
    assert "SUN MON TUE WED THU FRI SAT" in page


# ---------- What pikepdf sees: attributes pdf.js does not pass on ---------------------------


def structure_elements(pdf: pikepdf.Pdf):
    """Every structure element, depth first."""
    stack = [pdf.Root.StructTreeRoot]
    while stack:
        node = stack.pop()
        if not isinstance(node, pikepdf.Dictionary):
            continue
        if node.get("/Type") == "/StructElem":
            yield node
        kids = node.get("/K")
        stack.extend(reversed(list(kids)) if isinstance(kids, pikepdf.Array) else [kids])


@pytest.mark.parametrize("kind", ["sheet", "combined", "compact", "archive"])
def test_calendar_weekdays_are_column_headers(read_sheets, kind):
    with pikepdf.open(io.BytesIO(read_sheets[kind])) as pdf:
        headers = [node for node in structure_elements(pdf) if node.S == "/TH"]
        assert len(headers) >= 7
        for header in headers:
            assert header.A.O == "/Table" and header.A.Scope == "/Column"


def test_the_same_sheet_gives_the_same_bytes(folder, read_sheets):
    again = Project(folder).render("lorem-long", person(), TODAY).pdf
    assert again == read_sheets["compact"]  # floats moved, tags corrected: all deterministic


# ---------- WeasyPrint as it is: what tagging.py corrects is still wrong upstream ----------


def laid_out(project: Project, slugs, patient, options=DEFAULT_OPTIONS, lang=None):
    """The first layout of a sheet (as SheetMaker makes it), not yet written."""
    sheet = build_sheet(project.clinic, project.policies_in(slugs, lang), patient, TODAY, options)
    return project.renderer.layout(project.templates.sheet_html(sheet), options.archival)


def pixels(pdf: bytes) -> list[bytes]:
    """Each page drawn at 100 dpi."""
    with PDFIUM:
        document = pdfium.PdfDocument(io.BytesIO(pdf))
        try:
            return [page.render(scale=100 / 72).to_pil().tobytes() for page in document]
        finally:
            document.close()


def test_weasyprint_still_writes_each_fault_that_tagging_corrects(folder):
    """When this fails, WeasyPrint changed under generator/tagging.py: if it now writes one
    of these right, drop that correction there (and this check); if it renamed what tagging
    wraps, follow it."""
    assert [*inspect.signature(tagging._upstream_build_box_tree).parameters] == [
        "box",
        "parent",
        "pdf",
        "page_number",
        "nums",
        "annotations",
        "tags",
    ]
    assert [*inspect.signature(tagging._upstream_draw_stacking_context).parameters] == [
        "stream",
        "stacking_context",
    ]
    project = Project(folder)
    document = laid_out(project, "microneedling", person(NAMES["zh"]))
    plain = document.write_pdf(pdf_identifier=True, pdf_variant="pdf/ua-1")
    with pikepdf.open(io.BytesIO(plain)) as pdf:
        width = float(pdf.pages[0].MediaBox[2])
        elements = list(structure_elements(pdf))
        qr = [node for node in elements if node.S == "/Figure"][1]
        assert float(qr.A.BBox[2]) > width  # CSS px from the top: off the page (#2482)
        headers = [node for node in elements if node.S == "/TH"]
        assert headers and not any("/Scope" in node.A for node in headers)  # #2508
        assert not any("/Lang" in node for node in elements)  # the name's lang="zh" is lost
        # Page furniture is tagged content that the tree leaves out, not an artifact (#1836).
        mapped = [ref for ref in pdf.Root.StructTreeRoot.ParentTree.Nums[1] if ref is not None]
        in_tree = {node.objgen for node in elements}
        assert any(ref.objgen not in in_tree for ref in mapped)
    # Floats are painted first: page 1's text starts with the calendar's floated label.
    assert pdf_pages(plain)[0].startswith("Procedure")
    archive = laid_out(project, "microneedling", person(), Options(archival=True))
    plain = archive.write_pdf(pdf_identifier=True, pdf_variant="pdf/a-3a")
    with pikepdf.open(io.BytesIO(plain)) as pdf:
        assert "pdfuaid:part" not in pdf.open_metadata()  # one claim per file (#2467)
    # The '…' that cuts a long name in the running header reads as all the text it hides.
    cut = laid_out(project, "microneedling", person("Lorem " + "Ipsumdolorsit " * 12 + "Amet"))
    plain = cut.write_pdf(pdf_identifier=True, pdf_variant="pdf/ua-1")
    assert [*inspect.signature(glyphtext._upstream_build_fonts_dictionary).parameters] == [
        "pdf",
        "fonts",
        "compress",
        "subset",
        "options",
    ]
    assert [*inspect.signature(glyphtext._upstream_draw_first_line).parameters] == [
        "stream",
        "textbox",
        "text_overflow",
        "block_ellipsis",
        "matrix",
    ]
    header = top_strips(plain)[1]
    assert header.startswith("Lorem Ipsumdolorsit") and "Amet" in header and "…" not in header
    # Glyphs map to text once per font, in logical order: a right-to-left ligature reads
    # reversed ("لا" reads "ال"), and the text first drawn with a glyph is kept everywhere.
    arabic = laid_out(project, "microneedling", person("لا على"))
    plain = arabic.write_pdf(pdf_identifier=True, pdf_variant="pdf/ua-1")
    assert "لا" not in pdf_text(plain) and "ال" in pdf_text(plain)


@pytest.mark.parametrize(
    "kind", [("microneedling", None), ("lorem-long", None), ("example-procedure", "ar")]
)
def test_the_corrections_change_no_pixel(folder, kind):
    slug, lang = kind
    project = Project(folder)
    plain = laid_out(project, slug, person(), lang=lang).write_pdf(
        pdf_identifier=True, pdf_variant="pdf/ua-1"
    )
    corrected = tagging.write_pdf(laid_out(project, slug, person(), lang=lang), "pdf/ua-1")
    assert corrected != plain
    assert pdf_pages(corrected)[0].startswith("Harbor Skin Clinic")
    assert pixels(corrected) == pixels(plain)


def test_a_language_is_stated_only_where_it_changes_and_row_headers_are_rows():
    import weasyprint

    html = """<!DOCTYPE html><html lang="en"><head><title>Lorem</title></head><body>
      <section lang="es"><p>Lorem en español.</p><p lang="en">Lorem in English.</p></section>
      <p lang="EN">Ipsum.</p>
      <table><tr><th scope="row">Dolor</th><td>Sit</td></tr>
      <tr><th>Amet</th><td>Elit</td></tr></table></body></html>"""
    document = weasyprint.HTML(string=html).render(pdf_variant="pdf/ua-1")
    with pikepdf.open(io.BytesIO(tagging.write_pdf(document, "pdf/ua-1"))) as pdf:
        elements = list(structure_elements(pdf))
        langs = [
            (str(node.S), str(node.get("/Lang", ""))) for node in elements if node.S != "/Span"
        ]
        scopes = [str(node.A.Scope) for node in elements if node.S == "/TH"]
    assert langs[:5] == [("/Document", ""), ("/Sect", "es"), ("/P", ""), ("/P", "en"), ("/P", "")]
    assert scopes == ["/Row", "/Column"]  # no scope: a column header, as WeasyPrint pairs them
