"""The online version as files: structure, CSP, no external resources, no patient data."""

import base64
import hashlib
import html
import json
import re

import pytest

from generator.commands.site import build_site, script_and_hash
from generator.project import Project

from .test_languages import add_translation


@pytest.fixture
def site(project, tmp_path):
    build_site(project, tmp_path / "site")
    return tmp_path / "site"


def test_site_has_an_index_and_a_page_per_policy(site):
    index = (site / "index.html").read_text()
    assert 'href="microneedling/index.html"' in index and "Micro-Needling Post Procedure" in index
    page = (site / "microneedling" / "index.html").read_text()
    assert '<html lang="en" dir="ltr">' in page
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert 'href="tel:5550104400"' in page and 'href="tel:5550104499"' in page
    assert re.search(r"<h1>Micro-Needling Post Procedure</h1>", page)
    assert "@media print" in (site / "assets" / "site.css").read_text()
    assert (site / "assets" / "logo.svg").is_file()


def test_every_sentence_of_the_policy_is_online(site, project):
    page = (site / "microneedling" / "index.html").read_text()
    for block in project.policy("microneedling").blocks:
        assert block.html in page


def test_no_external_resources_and_only_the_hashed_script_may_run(site):
    page = html.unescape((site / "microneedling" / "index.html").read_text())
    for url in re.findall(r'(?:src|href)="([^"]+)"', page):  # what a browser would load
        assert not re.match(r"(https?:)?//", url), url
    assert 'rel="alternate"' not in page  # one language: no links to other versions
    script, script_hash = script_and_hash()
    assert f"script-src {script_hash};" in page and "default-src 'none'" in page
    assert f"<script>{script}</script>" in page
    assert "style=" not in page  # inline styles would be blocked by the CSP


def test_rebuild_writes_only_what_changed(project, tmp_path, synthetic_content):
    folder = tmp_path / "site"
    first = build_site(project, folder)
    assert len(first.written) == 6 and first.unchanged == []  # 3 pages, css, brand css, logo
    again = build_site(project, folder)
    assert again.written == [] and len(again.unchanged) == 6
    other = Project(synthetic_content)
    moved = build_site(other, folder)
    assert folder / "example-procedure" / "index.html" in moved.written
    assert folder / "microneedling" / "index.html" in moved.removed
    assert not (folder / "microneedling").joinpath("index.html").exists()


def test_cli_site_prints_the_folder(run, tmp_path):
    result = run("site", "--out", tmp_path / "web")
    assert result.code == 0 and result.last_line.endswith("web")
    assert (tmp_path / "web" / "microneedling" / "index.html").is_file()


# ---------- The visit page: the procedures of one visit (#p=a+b&d=...) ------------------------


@pytest.fixture
def visit_content(synthetic_content):
    """Two synthetic policies, a ready Spanish translation of one, an unreviewed Arabic one,
    and a draft."""
    add_translation(synthetic_content, "es")
    add_translation(synthetic_content, "ar", reviewed=False)
    example = (synthetic_content / "example-procedure.md").read_text()
    (synthetic_content / "lorem-care.md").write_text(
        example.replace("Example Procedure", "Lorem Care")
    )
    draft = example.replace("title: Example Procedure", "title: Lorem Draft\ndraft: true")
    (synthetic_content / "lorem-draft.md").write_text(draft)
    return synthetic_content


def visit_data(page: str) -> dict:
    """The policies and words the visit page's script reads."""
    found = re.search(r'<script type="application/json" id="visit-data">(.*?)</script>', page)
    assert found, "no visit data"
    return json.loads(found[1])


EXAMPLE_PHASES = [
    {"label": "Day 0", "start": 0, "end": 0, "section": "lorem-start", "days": "Day 0"},
    {"label": "Days 1-3", "start": 1, "end": 3, "section": "lorem-middle", "days": "Days 1–3"},
    {"label": "Days 3+", "start": 3, "end": None, "section": "lorem-after", "days": "Day 3 onward"},
]


def test_the_visit_page_is_written_in_the_source_language_and_each_ready_translation(
    visit_content, tmp_path
):
    build_site(Project(visit_content), tmp_path / "site")
    visit = tmp_path / "site" / "visit"
    source = (visit / "index.html").read_text(encoding="utf-8")
    spanish = (visit / "es" / "index.html").read_text(encoding="utf-8")
    assert not (visit / "ar").exists()  # the Arabic translation is not reviewed
    assert '<html lang="en" dir="ltr">' in source and '<html lang="es" dir="ltr">' in spanish
    assert 'href="../assets/site.css"' in source and 'href="../../assets/site.css"' in spanish
    # Without JavaScript: every procedure, linked to its page.
    assert '<a href="../example-procedure/">Example Procedure</a>' in source
    assert '<a href="../lorem-care/">Lorem Care</a>' in source
    assert '<a href="../../example-procedure/es/">Procedimiento de ejemplo</a>' in spanish
    lorem = '<a href="../../lorem-care/" hreflang="en"><bdi lang="en">Lorem Care</bdi></a>'
    assert lorem in spanish  # in English: marked so, and kept in its own direction


def test_the_visit_page_holds_every_issuable_policy_and_no_draft(visit_content, tmp_path):
    build_site(Project(visit_content), tmp_path / "site")
    visit = tmp_path / "site" / "visit"
    source = (visit / "index.html").read_text(encoding="utf-8")
    data = visit_data(source)
    assert data["locale"] == "en-US" and data["phone"] == "(555) 010-4400"
    assert data["words"]["summary"] == "%(phase)s: %(title)s"
    url = "https://harborskin.example/aftercare"
    assert data["policies"] == [
        {
            "slug": "example-procedure",
            "code": "jjer",  # the visit code a combined sheet's QR code gives
            "title": "Example Procedure",
            "version": "0.9",
            "lang": "en",
            "href": "../example-procedure/",
            "url": f"{url}/example-procedure/",
            "note": None,
            "phases": EXAMPLE_PHASES,
        },
        {
            "slug": "lorem-care",
            "code": "xbgv",
            "title": "Lorem Care",
            "version": "0.9",
            "lang": "en",
            "href": "../lorem-care/",
            "url": f"{url}/lorem-care/",
            "note": None,
            "phases": EXAMPLE_PHASES,
        },
    ]
    assert "Lorem Draft" not in source and "lorem-draft" not in source
    spanish = visit_data((visit / "es" / "index.html").read_text(encoding="utf-8"))
    assert spanish["locale"] == "es-US"
    example, lorem = spanish["policies"]
    assert example["title"] == "Procedimiento de ejemplo" and example["lang"] == "es"
    assert example["href"] == "../../example-procedure/es/" and example["note"] is None
    assert example["url"] == f"{url}/example-procedure/es/"
    assert [p["label"] for p in example["phases"]] == ["Día 0", "Días 1-3", "Días 3+"]
    assert [p["days"] for p in example["phases"]] == ["Día 0", "Días 1–3", "Día 3 en adelante"]
    # Not translated yet: the source, and the page says in which language it is.
    assert lorem["title"] == "Lorem Care" and lorem["lang"] == "en"
    assert lorem["href"] == "../../lorem-care/" and lorem["url"] == f"{url}/lorem-care/"
    assert "inglés" in lorem["note"]
    assert [p["days"] for p in lorem["phases"]] == ["Día 0", "Días 1–3", "Día 3 en adelante"]


def test_a_right_to_left_visit_page(visit_content, tmp_path):
    add_translation(visit_content, "ar")  # reviewed this time
    build_site(Project(visit_content), tmp_path / "site")
    arabic = (tmp_path / "site" / "visit" / "ar" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="ar" dir="rtl">' in arabic
    assert visit_data(arabic)["policies"][0]["title"] == "إجراء تجريبي"


def test_the_visit_page_runs_only_its_hashed_scripts(visit_content, tmp_path):
    build_site(Project(visit_content), tmp_path / "site")
    page = (tmp_path / "site" / "visit" / "index.html").read_text(encoding="utf-8")
    allowed = re.search(r"script-src ([^;]+);", html.unescape(page))[1].split()
    inline = re.findall(r"<script>(.*?)</script>", page, re.DOTALL)
    digests = [
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in inline
    ]
    assert len(inline) == 2 and digests == allowed
    assert [script_and_hash(name) for name in ("plan.js", "visit.js")] == list(
        zip(inline, allowed, strict=True)
    )
    assert len(re.findall(r"<script\b", page)) == 3  # the two and the JSON data
    for url in re.findall(r'(?:src|href)="([^"]+)"', html.unescape(page)):
        assert not re.match(r"(https?:)?//", url), url
    assert "style=" not in page


def test_an_unchanged_rebuild_leaves_the_visit_pages_alone(visit_content, tmp_path):
    folder = tmp_path / "site"
    first = build_site(Project(visit_content), folder)
    visit, spanish = folder / "visit" / "index.html", folder / "visit" / "es" / "index.html"
    assert {visit, spanish} <= set(first.written)
    again = build_site(Project(visit_content), folder)
    assert again.written == [] and again.removed == [] and {visit, spanish} <= set(again.unchanged)
    (visit_content / "example-procedure.es.md").unlink()  # the translation withdrawn
    third = build_site(Project(visit_content), folder)
    assert spanish in third.removed and not spanish.exists()
    assert visit in third.unchanged  # made from the sources alone
    (visit_content / "lorem-care.md").unlink()
    fourth = build_site(Project(visit_content), folder)
    assert visit in fourth.written
    assert "lorem-care" not in visit.read_text(encoding="utf-8")
