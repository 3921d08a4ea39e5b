"""The online version as files: structure, CSP, no external resources, no patient data."""

import html
import re

import pytest

from generator.project import Project
from generator.site import build_site, script_and_hash


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
    assert len(first.written) == 5 and first.unchanged == []  # 2 pages, css, brand css, logo
    again = build_site(project, folder)
    assert again.written == [] and len(again.unchanged) == 5
    other = Project(synthetic_content)
    moved = build_site(other, folder)
    assert folder / "example-procedure" / "index.html" in moved.written
    assert folder / "microneedling" / "index.html" in moved.removed
    assert not (folder / "microneedling").joinpath("index.html").exists()


def test_cli_site_prints_the_folder(run, tmp_path):
    result = run("site", "--out", tmp_path / "web")
    assert result.code == 0 and result.last_line.endswith("web")
    assert (tmp_path / "web" / "microneedling" / "index.html").is_file()
