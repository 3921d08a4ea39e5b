"""The product's own words in every shipped language: complete catalogs with the msgid's
placeholders, extraction up to date, dates in the sheet's language, and sheets, handouts and
online pages with no English label left. The policies here are synthetic lorem ones with a
`lang`; the clinic's policy is never translated."""

from __future__ import annotations

import gettext
import html
import io
import json
import os
import re
import shutil
from datetime import date, timedelta

import babel
import pytest
from babel.dates import format_date
from babel.messages import frontend, pofile
from babel.messages.plurals import get_plural

from generator import i18n
from generator.commands.site import build_site
from generator.content import patient as patient_module
from generator.content.policy import Phase, load
from generator.paths import CONTENT, ROOT
from generator.project import Project
from generator.render.templates import Templates, css_counters
from generator.sheet import schedule
from generator.sheet.model import Options, build

from .conftest import DATA, TODAY, pdf_pages, pdf_text

SHIPPED = [code for code in i18n.LANGUAGES if code != i18n.SOURCE]
POT = ROOT / "translations" / "messages.pot"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
SLUG = "lorem-care"

# Every product label a sheet, handout or page may show in English (the policy's own text is
# lorem here, and its slug and title avoid these words).
ENGLISH_LABELS = [
    "Aftercare instructions", "Prepared for", "Procedure date", "Provider", "Your plan",
    "Your calendar", "Procedure", "Your instructions", "Questions", "After hours",
    "Scan to read this online", "Counting the days", "Name", "version", "printed", "Sheet",
    "Page", "Day", "Days", "onward", "from", "Reviewed by", "I have received", "Signature",
    "Date", "DRAFT", "not for patients", "Skip to the instructions", "Call", "Show my dates",
    "Add to calendar", "Your procedure date", "QR code", "logo", "Patient",
]  # fmt: skip


def po_path(code: str):
    return ROOT / "translations" / i18n.LANGUAGES[code].catalog / "LC_MESSAGES" / "messages.po"


def catalog(code: str):
    """The shipped .po catalog of a language code."""
    with po_path(code).open("rb") as file:
        return pofile.read_po(file, locale=i18n.LANGUAGES[code].catalog)


def template():
    with POT.open("rb") as file:
        return pofile.read_po(file)


def ids(messages) -> set:
    return {m.id for m in messages if m.id}


# ---------- Catalogs ---------------------------------------------------------------------------


@pytest.mark.parametrize("code", SHIPPED)
def test_every_shipped_catalog_translates_every_message(code):
    po = catalog(code)
    wanted = ids(template())
    missing = sorted(str(m) for m in wanted - ids(po))
    untranslated = [
        str(m.id)
        for m in po
        if m.id in wanted
        and (m.fuzzy or not (all(m.string) if isinstance(m.string, tuple) else m.string))
    ]
    assert missing == [] and untranslated == [], (
        f"{code}: missing or fuzzy: {missing + untranslated}"
    )
    compiled = i18n.compile_po(po_path(code).read_bytes(), i18n.LANGUAGES[code].catalog)
    mo = gettext.GNUTranslations(io.BytesIO(compiled))
    for message in po:
        if message.id and not isinstance(message.id, tuple):
            found = (
                mo.pgettext(message.context, message.id)
                if message.context
                else mo.gettext(message.id)
            )
            assert found == message.string


@pytest.mark.parametrize("code", SHIPPED)
def test_plural_forms_are_the_languages_own(code):
    po = catalog(code)
    plural = get_plural(po.locale_identifier)
    assert po.plural_forms == plural.plural_forms
    for message in po:
        if isinstance(message.id, tuple):
            assert len(message.string) == plural.num_plurals, message.id


@pytest.mark.parametrize("code", SHIPPED)
def test_placeholders_in_each_translation_match_the_message(code):
    wrong = []
    for message in catalog(code):
        if not message.id:
            continue
        source = message.id[-1] if isinstance(message.id, tuple) else message.id
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:
            stray = re.sub(r"%%|%\(\w+\)s", "", string)
            if set(PLACEHOLDER.findall(string)) != set(PLACEHOLDER.findall(source)) or "%" in stray:
                wrong.append((source, string))
    assert wrong == []


def test_the_message_template_lists_exactly_what_the_code_and_templates_say(tmp_path, capsys):
    """`make translations` extracts these; a label added without updating the catalogs fails."""
    out = tmp_path / "messages.pot"
    frontend.CommandLineInterface().run(
        ["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-o", str(out), str(ROOT)]
    )
    capsys.readouterr()
    with out.open("rb") as file:
        extracted = pofile.read_po(file)
    assert ids(extracted) == ids(template())
    locations = {
        m.id: {os.path.relpath(path, ROOT) for path, _ in m.locations} for m in extracted if m.id
    }
    assert "templates/sheet.html.j2" in locations["Prepared for"]
    assert "templates/sheet.html.j2" in locations["Page %(page)s of %(pages)s"]
    assert "templates/page.html.j2" in locations["Add to calendar"]
    assert "generator/sheet/schedule.py" in locations["Day %(day)s onward"]
    assert (
        "generator/commands/site.py"
        in locations[("Your plan starts in %(count)s day.", "Your plan starts in %(count)s days.")]
    )
    # the desk's words: its templates, its Python, and the shared validation messages
    assert "templates/_desk_form.html.j2" in locations["Create PDF"]  # the form, included
    assert "templates/signin.html.j2" in locations["Access token"]
    assert "generator/web/desk.py" in locations["is missing: enter the date, or choose Today"]
    assert "generator/web/responses.py" in locations["Not Found"]
    real_date = "is not a real date (check the month and the day)"
    assert "generator/content/patient.py" in locations[real_date]
    contexts = {(m.context, m.id) for m in extracted if m.context}
    assert ("which procedure", "Procedure") in contexts  # not the calendar's procedure day


def test_catalog_folders_are_babel_locales_and_codes_are_bcp47():
    folders = {p.name for p in (ROOT / "translations").iterdir() if p.is_dir()}
    assert folders == {i18n.LANGUAGES[code].catalog for code in SHIPPED}
    for language in i18n.LANGUAGES.values():
        babel.Locale.parse(language.catalog)  # raises if Babel does not know it
    assert i18n.LANGUAGES["tl"].catalog == "fil"  # Babel has Filipino's data, not Tagalog's
    assert i18n.LANGUAGES["zh-Hans"].catalog == "zh_Hans"


@pytest.mark.parametrize(
    ("tag", "code"),
    [("es-MX", "es"), ("zh", "zh-Hans"), ("zh-CN", "zh-Hans"), ("fil", "tl"), ("fr-CA", "fr"),
     ("en-GB", "en"), ("zh-Hant", None), ("de", None), ("not a language", None)],
)  # fmt: skip
def test_a_language_tag_finds_its_catalog(tag, code):
    found = i18n.language(tag)
    assert (found.code if found else None) == code


def test_english_and_languages_without_a_catalog_print_the_source_words():
    for lang in ("en", "en-GB", "de", "zh-Hant", "xx"):
        words = i18n.translations(lang)
        assert words.gettext("Prepared for") == "Prepared for"
    assert i18n.translations("es").gettext("Prepared for") == "Preparado para"
    assert i18n.translations("es") is i18n.translations("es")  # cached


def test_a_catalog_without_its_compiled_file_is_compiled_in_memory(tmp_path, monkeypatch):
    folder = tmp_path / "translations"
    shutil.copytree(ROOT / "translations", folder, ignore=shutil.ignore_patterns("*.mo"))
    monkeypatch.setattr(i18n, "TRANSLATIONS", folder)
    i18n.translations.cache_clear()
    try:
        assert i18n.translations("ru").gettext("Your plan") == "Ваш план"
        assert not any(folder.rglob("*.mo"))  # nothing written
        # a compiled file older than its catalog is not used either
        stale = folder / "fr" / "LC_MESSAGES"
        (stale / "messages.mo").write_bytes(b"not a catalog")
        (stale / "messages.po").touch()
        future = (stale / "messages.po").stat().st_mtime + 60
        os.utime(stale / "messages.po", (future, future))
        assert i18n.translations("fr").gettext("Your plan") == "Votre programme"
    finally:
        i18n.translations.cache_clear()


# ---------- Dates and words in code ------------------------------------------------------------


def test_dates_take_the_sheets_language_and_the_clinics_territory():
    assert i18n.date_locale("es", "en_US") == "es_US"
    long = format_date(date(2026, 11, 24), "full", locale=i18n.date_locale("es", "en_US"))
    assert long == "martes, 24 de noviembre de 2026"
    assert i18n.date_locale("ar", "en_US") == "ar"  # Babel has no ar_US
    assert i18n.date_locale("en", "en_GB") == "en_GB"
    assert i18n.date_locale("en", "en_US") == "en_US"
    assert i18n.date_locale("zh-Hans", "en_US") == "zh_Hans"
    assert i18n.date_locale("tl", "en_US") == "fil"
    assert i18n.date_locale("es-MX", "en_US") == "es_MX"  # the tag's own territory wins


def test_right_to_left_languages():
    languages = ("ar", "he", "fa", "ur", "es", "zh-Hans", "xx")
    assert [lang for lang in languages if i18n.is_rtl(lang)] == ["ar", "he", "fa", "ur"]


def test_plan_wording_in_spanish():
    phases = (Phase("a", 0, 0, "a"), Phase("b", 2, 7, "b"), Phase("c", 7, None, "c"))
    words = i18n.translations("es")
    assert [schedule.day_wording(p, words) for p in phases] == [
        "Día 0", "Días 2–7", "Día 7 en adelante",
    ]  # fmt: skip
    dates = schedule.Dates("es_US", 2026)
    whens = [p.when for p in schedule.dated_phases(phases, date(2026, 11, 24), dates, words)]
    assert whens == ["mar, 24 de nov", "jue, 26 de nov – mar, 1 de dic", "desde el mar, 1 de dic"]
    grid = schedule.month_grid(phases, date(2026, 11, 24), "es_US", words, first_weekday=6)
    assert grid.title == "noviembre – diciembre de 2026"
    assert grid.weekdays[0] == "dom"
    assert "1 dic" in [d.label for week in grid.weeks for d in week]


def test_page_numbers_become_css_counters_and_words_stay_strings():
    assert css_counters("Page %(page)s of %(pages)s") == (
        '"Page " counter(page) " of " counter(pages)'
    )
    hostile = css_counters('</style>"x\\ %(page)s')
    assert hostile == '"\\3c /style\\3e \\22 x\\5c  " counter(page)'
    assert css_counters("第 %(page)s 页，共 %(pages)s 页").startswith('"第 " counter(page)')


def test_translated_words_are_text_and_their_values_are_escaped(lorem_content):
    write_lorem(lorem_content, "es")
    path = lorem_content / f"{SLUG}.md"
    path.write_text(path.read_text().replace("Dr. Ipsum", "<b>Dr. Ipsum</b> &amp;"))
    project = Project(lorem_content)
    sheet = build(project.clinic, load(path), jane(), TODAY)
    page = Templates().sheet_html(sheet)
    assert "Revisado por &lt;b&gt;Dr. Ipsum&lt;/b&gt; &amp;amp; el 1 oct 2026" in page
    assert '@bottom-right { content: "Página " counter(page) " de " counter(pages); }' in page


# ---------- Sheets, handouts and pages in every language -------------------------------------


def write_lorem(folder, lang: str, draft: bool = False) -> None:
    """The synthetic example procedure as `lorem-care`, in `lang`, reviewed, with lorem
    phase labels: nothing in it reads like one of our labels."""
    text = (DATA / "example-procedure.md").read_text(encoding="utf-8")
    text = text.replace("title: Example Procedure", "title: Lorem care")
    for old, new in (("Days 1-3", "Lorem secundus"), ("Days 3+", "Lorem tertius")):
        text = text.replace(old, new)
    text = text.replace("Day 0", "Lorem primus")
    extra = f"lang: {lang}\nreviewed_by: Dr. Ipsum\nreviewed_on: 2026-10-01\n"
    text = text.replace('version: "0.9"\n', f'version: "0.9"\n{extra}' + ("draft: true\n" * draft))
    (folder / f"{SLUG}.md").write_text(text, encoding="utf-8")


@pytest.fixture
def lorem_content(tmp_path):
    """The demo clinic, with the acknowledgement block, and no policy yet."""
    folder = tmp_path / "content"
    folder.mkdir()
    clinic = (CONTENT / "clinic.toml").read_text(encoding="utf-8")
    (folder / "clinic.toml").write_text(
        clinic.replace("# acknowledgement = true", "acknowledgement = true"), encoding="utf-8"
    )
    shutil.copy(CONTENT / "harbor-logo.svg", folder)
    return folder


def jane():
    return patient_module.make("Jane Doe", "2026-11-24", "Dr. Rivera")


def english_left(text: str, allowed: tuple[str, ...] = ()) -> list[str]:
    """The English product labels found in `text` (as whole words, in any case)."""
    return [
        label
        for label in ENGLISH_LABELS
        if label not in allowed
        and re.search(rf"(?<!\w){re.escape(label)}(?!\w)", text, re.IGNORECASE)
    ]


def test_a_spanish_sheet_has_spanish_labels_and_dates(lorem_content):
    write_lorem(lorem_content, "es")
    result = Project(lorem_content).render(SLUG, jane(), TODAY, Options(sheet_id="7K3Q-M2XD"))
    pages = pdf_pages(result.pdf)
    text = " ".join(pages)
    for expected in (
        "INSTRUCCIONES DE CUIDADO POSTERIOR",
        "PREPARADO PARA Jane Doe",
        "FECHA DEL PROCEDIMIENTO martes, 24 de noviembre de 2026",
        "PROFESIONAL Dr. Rivera",
        "Su plan",
        "Lorem primus mar, 24 de nov",
        "Lorem secundus mié, 25 de nov – vie, 27 de nov",
        "Lorem tertius desde el vie, 27 de nov",
        "Escanee para leer esto en línea",
        "Su calendario noviembre de 2026",
        "DOM LUN MAR MIÉ JUE VIE SÁB",  # the clinic is in the US: weeks start on Sunday
        "PROCEDIMIENTO",
        "Sus instrucciones",
        "Preguntas (555) 010-4400",
        "Fuera de horario (555) 010-4499",
        "Revisado por Dr. Ipsum el 1 oct 2026",
        "He recibido estas instrucciones",
        "FIRMA",
        "FECHA",
        "versión 0.9",
        "impreso el 23 nov 2026",
        "Hoja 7K3Q-M2XD",
    ):
        assert expected in text, expected
    assert [f"Página {n} de {len(pages)}" in page for n, page in enumerate(pages, 1)] == [
        True
    ] * len(pages)
    assert english_left(text) == []
    assert result.missing_glyphs == 0


def test_a_spanish_blank_handout_counts_days_in_spanish(lorem_content):
    write_lorem(lorem_content, "es")
    result = Project(lorem_content).render(SLUG, None, TODAY)
    text = pdf_text(result.pdf)
    for expected in (
        "Lorem primus Día 0",
        "Lorem secundus Días 1–3",
        "Lorem tertius Día 3 en adelante",
        "Cómo contar los días",
        "El día 0 es el día de su procedimiento",
        "Nombre Preguntas (555) 010-4400",  # the running header, from page 2
        "Página 1 de 2",
    ):
        assert expected in text, expected
    assert english_left(text) == []


@pytest.mark.parametrize("code", list(i18n.LANGUAGES))
def test_every_language_prints_with_real_glyphs(lorem_content, code):
    """A draft (its mark and footer), a personal sheet and a blank handout in each language:
    every label drawn with a real glyph (Inter and Noto, CJK and Arabic included)."""
    write_lorem(lorem_content, code, draft=True)
    project = Project(lorem_content)
    words = i18n.translations(code)
    options = Options(draft=True, sheet_id="7K3Q-M2XD")
    for patient in (jane(), None):
        result = project.render(SLUG, patient, TODAY, options)
        assert result.missing_glyphs == 0, (code, result.warnings)
        text = pdf_text(result.pdf)
        assert words.gettext("Your plan") in text, code
        pages = words.gettext("Page %(page)s of %(pages)s") % {"page": 1, "pages": result.pages}
        assert pages in text, code
    if code != "en":
        assert words.gettext("Your plan") != "Your plan"


def test_the_online_page_speaks_the_policys_language(lorem_content, tmp_path):
    write_lorem(lorem_content, "es")
    build_site(Project(lorem_content), tmp_path / "site")
    page = (tmp_path / "site" / SLUG / "index.html").read_text(encoding="utf-8")
    assert '<html lang="es" dir="ltr">' in page
    data = json.loads(re.search(r'id="plan-data">(.*?)</script>', page, re.DOTALL)[1])
    assert data["locale"] == "es-US"
    assert data["words"]["from"] == "desde el %(date)s"
    assert data["words"]["startsIn"]["one"] == "Su plan empieza en %(count)s día."
    assert data["words"]["startsIn"]["other"] == "Su plan empieza en %(count)s días."
    visible = html.unescape(re.sub(r"<script.*?</script>|<[^>]+>", " ", page, flags=re.DOTALL))
    for expected in ("Su plan", "Fecha de su procedimiento", "Ver mis fechas",
                     "Agregar al calendario", "Día 0", "Días 1–3", "Día 3 en adelante",
                     "Ir a las instrucciones", "Llamar", "Preguntas:", "Fuera de horario:",
                     "versión 0.9"):  # fmt: skip
        assert expected in visible, expected
    assert english_left(visible) == []
    index = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert (
        '<html lang="en" dir="ltr">' in index and "Aftercare instructions" in index
    )  # the clinic's


def test_plural_categories_for_the_browser_cover_each_form():
    forms = i18n.by_plural_category(
        "ru",
        lambda n: i18n.translations("ru").ngettext(
            "Your plan starts in %(count)s day.", "Your plan starts in %(count)s days.", n
        ),
    )
    assert forms["one"].endswith("день.") and forms["few"].endswith("дня.")
    assert forms["many"].endswith("дней.") and forms["other"] == forms["many"]
    arabic = i18n.by_plural_category("ar", lambda n: f"form {n}")
    assert set(arabic) == {"zero", "one", "two", "few", "many", "other"}


# ---------- The page's script, in a browser ---------------------------------------------------


@pytest.fixture(scope="module")
def chromium():
    playwright = pytest.importorskip("playwright.sync_api")
    from .test_browser import ARGS, CHROMIUM

    assert shutil.which(CHROMIUM), "Chromium is missing: run `make setup-test`"
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.mark.browser
@pytest.mark.parametrize(
    ("lang", "days", "expected"),
    [("es", 1, "Su plan empieza en 1 día."), ("es", 3, "Su plan empieza en 3 días."),
     ("ru", 2, "Ваш план начнётся через 2 дня."), ("ru", 5, "Ваш план начнётся через 5 дней."),
     ("ru", 21, "Ваш план начнётся через 21 день.")],
)  # fmt: skip
def test_the_script_words_the_plan_in_the_pages_language(
    chromium, lorem_content, tmp_path, lang, days, expected
):
    from .test_browser import calendar_events, download_calendar, open_page, serve, unescape

    write_lorem(lorem_content, lang)
    build_site(Project(lorem_content), tmp_path / "site")
    words = i18n.translations(lang)
    procedure = date.today() + timedelta(days=days)
    with serve(tmp_path / "site") as (base, _):
        page, errors = open_page(chromium, f"{base}/{SLUG}/index.html#d={procedure}")
        status = page.inner_text("#status")
        last = page.locator(".phase .phase-when").all_inner_texts()[-1]
        events = calendar_events(download_calendar(page).decode("utf-8"))
    assert expected in status
    assert status.startswith(words.gettext("Procedure date: %(date)s.").split("%")[0])
    assert last.startswith(words.gettext("from %(date)s").split("%")[0])
    title = words.gettext("%(phase)s (from this day on): %(title)s") % {
        "phase": "Lorem tertius",
        "title": "Lorem care",
    }
    assert unescape(events[-1]["SUMMARY"]) == title
    description = unescape(events[-1]["DESCRIPTION"])
    assert description.startswith(words.gettext("From this day on, with no end date."))
    assert words.gettext("Questions: call %(phone)s") % {"phone": "(555) 010-4400"} in description
    assert errors == []
