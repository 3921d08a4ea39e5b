"""Text in a language other than its page's says so: the clinic's name and address (written
in the clinic's language, its `locale`'s) on a translated sheet, in the PDF's structure tree
(/Lang, as pdf.js reads it) and in the online pages' HTML (lang attributes)."""

from __future__ import annotations

import re
import shutil

from generator.commands.site import build_site
from generator.content import patient as patient_module
from generator.paths import CONTENT
from generator.project import Project
from generator.sheet.model import Options

from . import pdfjs
from .conftest import TODAY
from .test_readback import SLUG, write_policy

CLINIC = "Harbor Skin Clinic"
ADDRESS = "120 Harbor Street, Suite 4, Bayview, CA 94000"


def content(tmp_path, lang: str):
    folder = tmp_path / "content"
    folder.mkdir(parents=True)
    shutil.copy(CONTENT / "clinic.toml", folder)
    shutil.copy(CONTENT / "harbor-logo.svg", folder)
    write_policy(folder, lang)
    return folder


def spoken(document: pdfjs.Document) -> dict[str, set]:
    """The language(s) pdf.js reads the clinic's name and address in, on page 1."""
    found: dict[str, set] = {}
    for node, lang in document.pages[0].nodes():
        text = pdfjs.text(node)
        if node["role"] == "P" and text in (CLINIC, ADDRESS):
            found.setdefault(text, set()).add(lang or document.lang)
    return found


def test_the_clinics_name_and_address_are_read_in_the_clinics_language(tmp_path):
    patient = patient_module.make("Jane Doe", "2026-11-24")
    pdfs = []
    for lang in ("ar", "zh-Hans", "en"):
        project = Project(content(tmp_path / lang, lang))
        pdfs.append(project.render(SLUG, patient, TODAY, Options()).pdf)
    arabic, chinese, english = pdfjs.read(*pdfs)
    assert (arabic.lang, chinese.lang, english.lang) == ("ar", "zh-Hans", "en")
    assert spoken(arabic) == {CLINIC: {"en-US"}, ADDRESS: {"en-US"}}
    assert spoken(chinese) == {CLINIC: {"en-US"}, ADDRESS: {"en-US"}}
    assert spoken(english) == {CLINIC: {"en"}, ADDRESS: {"en"}}  # the sheet's own: no /Lang
    own = [pdfjs.text(node) for node, _ in english.pages[0].nodes() if "lang" in node]
    assert own == ["Jane Doe"]  # the name's "und" hint only


def test_online_pages_mark_the_clinics_name_and_address_in_its_language(tmp_path):
    folder = content(tmp_path, "es")
    build_site(Project(folder), tmp_path / "site")
    page = (tmp_path / "site" / SLUG / "index.html").read_text(encoding="utf-8")
    assert '<html lang="es" dir="ltr">' in page
    assert re.search(rf'<span lang="en-US">{CLINIC}</span>', page)  # the header
    assert re.search(rf'<strong lang="en-US">{CLINIC}</strong>', page)  # the footer
    assert re.search(rf'<bdi lang="en-US">{ADDRESS}</bdi>', page)
    index = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="en" dir="ltr">' in index and 'lang="en-US"' not in index
