"""Translated policies: chosen by language, refused when stale or unreviewed (with the reason),
checked for the source's days. Synthetic lorem translations only: the clinic's policy is never
translated here."""

from __future__ import annotations

import html
import re
import shutil

import pytest

from generator.content import patient as patient_module
from generator.errors import AftercareError
from generator.project import Project

from .conftest import DATA, TODAY, pdf_metadata, pdf_pages, pdf_text, qr_codes
from .test_i18n import english_left

pytestmark = pytest.mark.slow  # renders many sheets: make test runs it, make test-fast does not

TRANSLATIONS = DATA / "translations"
SLUG = "example-procedure"


def short_hash(path) -> str:
    """The hash a translation's source_hash names: its source's clinical text."""
    from generator.content.policy import load

    return load(path).clinical_hash


def add_translation(content, lang: str, reviewed: bool = True, **changes: str):
    """Copy a synthetic translation beside its source, made from the source as it is now;
    without its reviewed_by and reviewed_on lines when not `reviewed`."""
    text = (TRANSLATIONS / f"{SLUG}.{lang}.md").read_text(encoding="utf-8")
    text = text.replace("SOURCE_HASH", short_hash(content / f"{SLUG}.md"))
    if not reviewed:
        text = re.sub(r"(?m)^reviewed_(by|on): .*\n", "", text)
    for old, new in changes.items():
        text = text.replace(old, new)
    path = content / f"{SLUG}.{lang}.md"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def content(synthetic_content):
    add_translation(synthetic_content, "es")
    add_translation(synthetic_content, "ar")
    return synthetic_content


def jane():
    return patient_module.make("Jane Doe", "2026-11-23", "Dr. Lorem")


def test_a_spanish_sheet_has_the_translation_and_its_own_page(content):
    result = Project(content).render(SLUG, jane(), TODAY, lang="es")
    text = pdf_text(result.pdf)
    assert "Procedimiento de ejemplo" in text and "Lorem ipsum en español, dos." in text
    # The product's own words are Spanish too, dates written as a US clinic's Spanish.
    assert english_left(text) == [] and "lunes, 23 de noviembre de 2026" in text
    assert "Días 1-3" in text and "Example Procedure" not in text
    assert qr_codes(result.pdf) == [f"https://harborskin.example/aftercare/{SLUG}/es/#d=20261123"]
    assert pdf_metadata(result.pdf)["Title"] == "Procedimiento de ejemplo"


def test_an_arabic_sheet_prints_real_glyphs(content):
    result = Project(content).render(SLUG, jane(), TODAY, lang="ar")
    assert result.missing_glyphs == 0
    assert "إجراء تجريبي" in pdf_text(result.pdf)


def test_a_changed_source_makes_its_translations_stale_and_they_are_refused(run, content):
    source = content / f"{SLUG}.md"
    before = short_hash(source)
    source.write_text(source.read_text().replace("Sed do eiusmod tempor.", "Sed do eiusmod."))
    after = short_hash(source)
    result = run("--content", content, "sheet", SLUG, "--name", "Jane Doe", "--lang", "es")
    assert result.code == 1
    assert (
        f"the Spanish translation cannot be issued: made from version 0.9 ({before}); the "
        f"English policy is now 0.9 ({after})"
    ) in result.err
    checked = run("--content", content, "check")
    assert checked.code == 0  # a stale translation is a warning: the source still prints
    assert f"Spanish translation not offered: made from version 0.9 ({before})" in checked.err
    listed = run("--content", content, "policies")
    assert re.search(r"Spanish \(es\): not offered: made from version 0\.9", listed.out)


def test_an_unreviewed_translation_is_refused_but_prints_as_a_draft(run, content, tmp_path):
    add_translation(content, "es", reviewed=False)
    refused = run("--content", content, "sheet", SLUG, "--name", "Jane Doe", "--lang", "es",
                  "--out", tmp_path / "a.pdf")  # fmt: skip
    assert refused.code == 1 and "not reviewed: a qualified translator must check it" in refused.err
    assert not (tmp_path / "a.pdf").exists()
    draft = run("--content", content, "sheet", SLUG, "--name", "Jane Doe", "--lang", "es",
                "--draft", "--out", tmp_path / "b.pdf")  # fmt: skip
    assert draft.code == 0, draft.err
    assert "DRAFT" in pdf_pages((tmp_path / "b.pdf").read_bytes())[0]


def test_a_translation_must_keep_the_sources_days(run, content):
    path = add_translation(
        content, "es", **{"    start: 1\n    end: 3": "    start: 1\n    end: 4"}
    )
    checked = run("--content", content, "check")
    assert checked.code == 1
    line = path.read_text().splitlines().index("    end: 4") + 1
    assert (
        f"{path}:{line}: phases[2].end: is day 4; the source's is day 3: only labels are "
        "translated, days stay the source's"
    ) in checked.err
    with pytest.raises(AftercareError, match="the source's is day 3"):
        Project(content).render(SLUG, jane(), TODAY, lang="es")


def test_a_translation_whose_language_differs_from_its_file_name_is_a_problem(run, content):
    add_translation(content, "es", **{"lang: es": "lang: fr"})
    checked = run("--content", content, "check")
    assert checked.code == 1 and "lang: is 'fr' but the file name says 'es'" in checked.err


def test_an_unknown_language_lists_the_languages(content):
    with pytest.raises(AftercareError, match="has no 'ko' translation; languages: en, ar, es"):
        Project(content).render(SLUG, jane(), TODAY, lang="ko")


def test_the_register_reprints_a_translated_sheet_byte_for_byte(run, content, tmp_path):
    made = run("--content", content, "sheet", SLUG, "--name", "Jane Doe", "--lang", "es",
               "--out", tmp_path / "a.pdf")  # fmt: skip
    assert made.code == 0, made.err
    [sheet_id] = re.findall(r"Sheet ([0-9A-Z]{4}-[0-9A-Z]{4})", made.err)
    assert "lang               es" in run("register", "show", sheet_id).out
    shutil.rmtree(content)  # the register's archive has all it needs
    again = run("reprint", sheet_id, "--name", "Jane Doe", "--out", tmp_path / "b.pdf")
    assert again.code == 0, again.err
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()


@pytest.fixture
def desk(content):
    """The desk and API over the synthetic content, with a render pool of its own."""
    from generator.content.live import LiveContent
    from generator.parallel.desk_pool import RenderPool
    from generator.web.app import create_app

    pool = RenderPool(content, size=1, timeout=60)
    try:
        yield create_app(LiveContent(content, interval=0), pool).test_client()
    finally:
        pool.close()


def test_the_api_takes_a_language_and_lists_each_policys_languages(desk, content):
    listed = desk.get("/api/policies").json
    assert listed[0]["slug"] == SLUG and listed[0]["languages"] == ["en", "ar", "es"]
    described = desk.get("/api/openapi.json").json["components"]["schemas"]["SheetRequest"]
    assert described["properties"]["lang"]["enum"] == ["ar", "en", "es", "", None]
    fields = {"policy": SLUG, "name": "Jane Doe", "date": "2026-11-23", "lang": "es"}
    response = desk.post("/api/sheets", json=fields)
    assert response.status_code == 200, response.json
    assert "Procedimiento de ejemplo" in pdf_text(response.data)
    assert response.headers["Content-Disposition"].endswith(f'"{SLUG}-es-2026-11-23.pdf"')
    add_translation(content, "es", reviewed=False)
    refused = desk.post("/api/sheets", json=fields)
    assert refused.status_code == 422 and refused.json["field"] == "lang"
    assert refused.json["error"] == (
        "Example Procedure can be issued in: English (en), Arabic (ar); the Spanish (es) "
        "translation is not offered: not reviewed"
    )
    fields["lang"] = "ko"  # no translation at all: nothing to explain
    assert desk.post("/api/sheets", json=fields).json["error"] == (
        "Example Procedure can be issued in: English (en), Arabic (ar)"
    )


def test_the_desk_offers_the_languages_and_names_a_refused_one(desk, content):
    from .test_web import csrf_of

    form = desk.get("/").get_data(as_text=True)
    assert '<option value="es" lang="es">español (Spanish)</option>' in form
    assert '<option value="ar" lang="ar">العربية (Arabic)</option>' in form
    add_translation(content, "ar", reviewed=False)
    page = desk.post(
        "/",
        data={"csrf": csrf_of(desk), "policy": SLUG, "name": "Jane Doe", "when": "today",
              "lang": "ar"},
    )  # fmt: skip
    text = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "Language: Example Procedure can be issued in: English (en), Spanish (es)" in text
    assert "(translation awaiting review)</option>" in text  # the menu says why (issue 24)
    manage = desk.get("/manage").get_data(as_text=True)
    assert "Arabic translation not offered: not reviewed" in manage  # the manager's page too


def make_stale(content) -> tuple[str, str]:
    """Change a sentence of the source: its translations were made from the old text."""
    source = content / f"{SLUG}.md"
    before = short_hash(source)
    source.write_text(source.read_text().replace("Sed do eiusmod tempor.", "Sed do eiusmod."))
    return before, short_hash(source)


def make_unreviewed(content) -> None:
    add_translation(content, "es", reviewed=False)


@pytest.mark.parametrize(
    ("change", "reason", "issued_in"),
    [
        (
            make_stale,
            "made from version 0.9 ({0}); the English policy is now 0.9 ({1})",
            "English (en)",  # the Arabic translation is stale too
        ),
        (make_unreviewed, "not reviewed", "English (en), Arabic (ar)"),
    ],
    ids=["stale", "unreviewed"],
)
def test_a_translation_not_offered_is_refused_with_its_reason_by_the_api_and_the_desk(
    desk, content, change, reason, issued_in
):
    from .test_web import csrf_of, language_menu

    reason = reason.format(*(change(content) or ()))
    said = (
        f"Example Procedure can be issued in: {issued_in}; the Spanish (es) translation is not "
        f"offered: {reason}"
    )
    fields = {"policy": SLUG, "name": "Jane Doe", "date": "2026-11-23", "lang": "es"}
    refused = desk.post("/api/sheets", json=fields)
    assert (refused.status_code, refused.json) == (422, {"error": said, "field": "lang"})

    form = desk.get("/").get_data(as_text=True)
    assert (None, "español (Spanish)") not in language_menu(form)
    banner = html.unescape(desk.get("/manage").get_data(as_text=True))  # issue 24
    assert f"Spanish translation not offered: {reason}: " in banner

    page = desk.post("/", data={"csrf": csrf_of(desk), **fields, "when": "other"})
    text = html.unescape(page.get_data(as_text=True))
    assert page.status_code == 422
    assert f'<p class="error" id="lang-error">Language: {said}</p>' in text


def test_a_batch_row_may_name_a_language(run, content, tmp_path):
    rows = tmp_path / "rows.csv"
    rows.write_text(
        "name,policy,date,provider,lang\n"
        f"Jane Doe,{SLUG},2026-11-23,,es\n"
        f"John Roe,{SLUG},2026-11-23,,\n"
        f"Jim Poe,{SLUG},2026-11-23,,ko\n"
    )
    result = run("--content", content, "batch", rows, "--out", tmp_path / "out", "--jobs", "1")
    assert result.code == 1 and "rows.csv:4: lang: example-procedure has no 'ko'" in result.err
    spanish = (tmp_path / "out" / "2026-11-23-example-procedure-jane-doe.pdf").read_bytes()
    assert "Procedimiento de ejemplo" in pdf_text(spanish)


def test_an_arabic_sheet_declares_its_language_and_lays_out_right_to_left(content):
    import io

    import pikepdf
    import pypdfium2 as pdfium

    result = Project(content).render(SLUG, jane(), TODAY, lang="ar")
    with pikepdf.open(io.BytesIO(result.pdf)) as pdf:
        assert str(pdf.Root.Lang) == "ar"
    document = pdfium.PdfDocument(io.BytesIO(result.pdf))
    try:
        page = document[0]
        width = page.get_size()[0]
        text = page.get_textpage()
        whole = text.get_text_range()
        start = whole.index("إجراء تجريبي")
        boxes = [text.get_charbox(i) for i in range(start, start + len("إجراء تجريبي"))]
        name = whole.index("Jane Doe")
        name_box = [text.get_charbox(i) for i in range(name, name + 8)]
    finally:
        document.close()
    margin = 16 * 72 / 25.4
    assert width - margin - max(b[2] for b in boxes) < 5  # the title ends at the right margin
    assert min(b[0] for b in boxes) > width / 2
    assert max(b[2] for b in name_box) > width / 2  # the patient's name sits on the right too


def test_language_assistance_is_offered_in_every_language_on_the_last_page(content):
    from generator.i18n import LANGUAGES, assistance_lines

    clinic = content / "clinic.toml"
    clinic.write_text("language_assistance = true\n" + clinic.read_text())
    result = Project(content).render(SLUG, jane(), TODAY)
    last = pdf_pages(result.pdf)[-1]
    lines = assistance_lines("(555) 010-4400")
    assert [line.lang for line in lines] == list(LANGUAGES)  # every shipped language
    for line in lines:
        if line.dir == "ltr":
            assert line.text in last, line.lang
    assert "خدمات المساعدة اللغوية" in last  # Arabic, as far as the PDF text gives it back
    assert "Hay asistencia con el idioma sin costo. Llame al (555) 010-4400." in last
    assert result.missing_glyphs == 0
    clinic.write_text(clinic.read_text().replace("language_assistance = true\n", ""))
    assert "Language assistance" not in pdf_text(Project(content).render(SLUG, jane(), TODAY).pdf)


def test_the_site_has_a_page_per_ready_translation_linking_the_others(content, tmp_path):
    from generator.commands.site import build_site

    add_translation(content, "ar", reviewed=False)  # not offered
    build_site(Project(content), tmp_path / "site")
    source = (tmp_path / "site" / SLUG / "index.html").read_text()
    spanish = (tmp_path / "site" / SLUG / "es" / "index.html").read_text()
    assert not (tmp_path / "site" / SLUG / "ar").exists()
    assert '<html lang="es" dir="ltr">' in spanish and "Lorem ipsum en español, dos." in spanish
    url = f"https://harborskin.example/aftercare/{SLUG}/"
    for page in (source, spanish):
        assert f'<link rel="alternate" hreflang="en" href="{url}">' in page
        assert f'<link rel="alternate" hreflang="es" href="{url}es/">' in page
    assert '<a href="es/" hreflang="es" lang="es">español</a>' in source
    assert '<a href="../" hreflang="en" lang="en">English</a>' in spanish


def test_handouts_include_each_ready_translation(run, content, tmp_path):
    add_translation(content, "ar", reviewed=False)  # not offered
    result = run("--content", content, "handouts", "--out", tmp_path / "h", "--jobs", "1")
    assert result.code == 0, result.err
    assert sorted(p.name for p in (tmp_path / "h").glob("*.pdf")) == [
        f"{SLUG}.es.pdf",
        f"{SLUG}.pdf",
    ]
    spanish = pdf_text((tmp_path / "h" / f"{SLUG}.es.pdf").read_bytes())
    assert "Procedimiento de ejemplo" in spanish and "Jane" not in spanish
    assert "Arabic translation not offered: not reviewed" in result.err


def test_a_translation_is_refused_when_its_source_is_overdue_and_the_clinic_refuses(content):
    clinic = content / "clinic.toml"
    clinic.write_text('overdue_review = "refuse"\n' + clinic.read_text())
    source = content / f"{SLUG}.md"
    source.write_text(source.read_text().replace("version:", "review_due: 2026-01-01\nversion:"))
    add_translation(content, "es")  # made from the source as it is now: current and reviewed
    with pytest.raises(AftercareError, match="review was due on 2026-01-01"):
        Project(content).render(SLUG, jane(), TODAY, lang="es")


# ---------- Who reviewed what: the policy clinically, the translation as a translation --------


def review_source(content, slug: str = SLUG, by: str = "Dr. Lorem Clinica", on: str = "2026-10-01"):
    """Give a source policy a clinical review (reviewed_by and reviewed_on)."""
    path = content / f"{slug}.md"
    path.write_text(
        path.read_text().replace('version: "0.9"\n', f'version: "0.9"\nreviewed_by: {by}\n'
                                 f"reviewed_on: {on}\n")
    )  # fmt: skip


def test_a_translated_sheet_names_the_clinical_reviewer_and_the_translations_apart(content):
    """The clinical review is the source policy's; whoever reviewed the translation vouches
    for the translation only, on a line of its own."""
    review_source(content)
    add_translation(content, "es")  # made from the source as it is now
    project = Project(content)
    for patient in (jane(), None):  # the personalised sheet, then the blank handout
        last = pdf_pages(project.render(SLUG, patient, TODAY, lang="es").pdf)[-1]
        clinical = "Revisado por Dr. Lorem Clinica el 1 oct 2026"
        translation = "Traducción revisada por Revisora Ipsum el 1 nov 2026"
        assert clinical in last and translation in last
        assert "Revisado por Revisora Ipsum" not in last
        assert last.index("Lorem ipsum en español, tres.") < last.index(clinical)
        assert last.index(clinical) < last.index(translation)
    english = pdf_pages(project.render(SLUG, jane(), TODAY).pdf)[-1]
    assert "Reviewed by Dr. Lorem Clinica on Oct 1, 2026" in english
    assert "Revisora Ipsum" not in english and "Translation reviewed" not in english


def test_a_translation_of_an_unreviewed_policy_prints_no_clinical_review(content):
    last = pdf_pages(Project(content).render(SLUG, jane(), TODAY, lang="es").pdf)[-1]
    assert "Traducción revisada por Revisora Ipsum el 1 nov 2026" in last
    assert "Revisado por" not in last


def test_a_combined_translated_sheet_names_each_procedures_reviewers(content):
    example = (content / f"{SLUG}.md").read_text()
    (content / "lorem-care.md").write_text(example.replace("Example Procedure", "Lorem Care"))
    review_source(content)
    review_source(content, "lorem-care", "Dr. Secunda", "2026-09-01")
    add_translation(content, "es")
    second = (TRANSLATIONS / f"{SLUG}.es.md").read_text(encoding="utf-8")
    for old, new in (
        ("SOURCE_HASH", short_hash(content / "lorem-care.md")),
        (f"translation_of: {SLUG}", "translation_of: lorem-care"),
        ("Procedimiento de ejemplo", "Cuidado lorem"),
        ("Revisora Ipsum", "Revisora Secunda"),
    ):
        second = second.replace(old, new)
    (content / "lorem-care.es.md").write_text(second, encoding="utf-8")
    result = Project(content).render([SLUG, "lorem-care"], jane(), TODAY, lang="es")
    text = pdf_text(result.pdf)
    lines = [
        "Revisado por Dr. Lorem Clinica el 1 oct 2026",
        "Traducción revisada por Revisora Ipsum el 1 nov 2026",
        "Revisado por Dr. Secunda el 1 sep 2026",
        "Traducción revisada por Revisora Secunda el 1 nov 2026",
    ]
    assert all(line in text for line in lines), text[-600:]
    assert [text.index(line) for line in lines] == sorted(text.index(line) for line in lines)
    assert "Revisado por Revisora" not in text


def test_a_reprinted_translated_sheet_keeps_its_clinical_review(run, content, tmp_path):
    """The register archives the source policy with its translation: the reprint names the
    same clinical reviewer, byte for byte, once the content and unused archive files are gone."""
    review_source(content)
    add_translation(content, "es")
    database = f"sqlite:///{tmp_path / 'register.sqlite3'}"
    made = run("--content", content, "sheet", SLUG, "--name", "Jane Doe", "--lang", "es",
               "--database", database, "--out", tmp_path / "a.pdf")  # fmt: skip
    assert made.code == 0, made.err
    [sheet_id] = re.findall(r"Sheet ([0-9A-Z]{4}-[0-9A-Z]{4})", made.err)
    shutil.rmtree(content)
    assert run("register", "prune", "--before", "2000-01-01", "--database", database).code == 0
    again = run("reprint", sheet_id, "--name", "Jane Doe", "--database", database,
                "--out", tmp_path / "b.pdf")  # fmt: skip
    assert again.code == 0, again.err
    reprinted = (tmp_path / "b.pdf").read_bytes()
    assert reprinted == (tmp_path / "a.pdf").read_bytes()
    assert "Revisado por Dr. Lorem Clinica el 1 oct 2026" in pdf_pages(reprinted)[-1]


@pytest.mark.parametrize(
    ("left_out", "message"),
    [
        (
            "reviewed_on",
            "reviewed_on: is required with reviewed_by: the date of that review, written "
            "YYYY-MM-DD",
        ),
        (
            "reviewed_by",
            "reviewed_by: is required with reviewed_on: the name of who did that review",
        ),
    ],
)
def test_a_translations_review_needs_both_who_and_when(run, content, tmp_path, left_out, message):
    line = {
        "reviewed_on": "reviewed_on: 2026-11-01\n",
        "reviewed_by": "reviewed_by: Revisora Ipsum\n",
    }
    path = add_translation(content, "es", **{line[left_out]: ""})
    kept = "reviewed_by:" if left_out == "reviewed_on" else "reviewed_on:"
    number = next(
        n for n, row in enumerate(path.read_text().splitlines(), 1) if row.startswith(kept)
    )
    checked = run("--content", content, "check")
    assert checked.code == 1
    assert f"aftercare: error: {path}:{number}: {message}" in checked.err.splitlines()
    refused = run("--content", content, "sheet", SLUG, "--name", "Jane Doe", "--lang", "es",
                  "--out", tmp_path / "a.pdf")  # fmt: skip
    assert refused.code == 1 and message in refused.err
    assert not (tmp_path / "a.pdf").exists()
