"""Every text on a sheet is set in a font of the sheet's own chain (styles/print.css): the
footer and its page numbers included, no fallback font (DejaVu Sans for Arabic page numbers,
Noto Sans CJK JP for Chinese ones), and Han characters in the national forms of their text's
language."""

from __future__ import annotations

import io
import re
import shutil

import pikepdf
import pytest

from generator.content import patient as patient_module
from generator.paths import CONTENT
from generator.project import Project
from generator.sheet.model import Options

from .conftest import TODAY
from .test_readback import SLUG, WORDS, write_policy

LATIN = {"Inter"}
OWN = {  # the fonts a sheet in each language is set in, with a Latin name
    "ar": LATIN | {"Noto Sans Arabic"},
    "zh-Hans": LATIN | {"Noto Sans CJK SC"},
    "ko": LATIN | {"Noto Sans CJK KR"},
}


def families(pdf: bytes) -> set[str]:
    """The family of every font a PDF's pages use ("Inter-Bold" is Inter)."""
    found = set()
    with pikepdf.open(io.BytesIO(pdf)) as document:
        for page in document.pages:
            for font in page.Resources.get("/Font", {}).values():
                name = re.sub(r"^/([A-Z]{6}\+)?", "", str(font.BaseFont))
                name = re.sub(r"-(Bold|Semi-Bold|Medium|Regular|Light)$", "", name)
                found.add(name.replace("-", " "))
    return found


def sheet(tmp_path, lang: str, name: str = "Jane Doe", large_print: bool = False) -> bytes:
    folder = tmp_path / lang
    folder.mkdir()
    shutil.copy(CONTENT / "clinic.toml", folder)
    shutil.copy(CONTENT / "harbor-logo.svg", folder)
    write_policy(folder, lang)
    patient = patient_module.make(name, "2026-11-24", "Dr. Rivera")
    options = Options(sheet_id="7K3Q-M2XD", large_print=large_print)
    return Project(folder).render(SLUG, patient, TODAY, options).pdf


@pytest.mark.parametrize("lang", list(WORDS))
def test_a_sheet_uses_only_its_languages_fonts(tmp_path, lang):
    assert families(sheet(tmp_path, lang)) == OWN.get(lang, LATIN)


@pytest.mark.parametrize("lang", ["ar", "zh-Hans"])
def test_large_print_page_numbers_stay_in_the_sheets_fonts(tmp_path, lang):
    assert families(sheet(tmp_path, lang, large_print=True)) == OWN[lang]


@pytest.mark.parametrize(
    ("lang", "name", "extra"),
    [("zh-Hans", "田中 はなこ", "Noto Sans CJK JP"), ("ko", "王小明", "Noto Sans CJK SC")],
)
def test_a_name_takes_the_fonts_of_its_own_script(tmp_path, lang, name, extra):
    assert families(sheet(tmp_path, lang, name)) == OWN[lang] | {extra}
