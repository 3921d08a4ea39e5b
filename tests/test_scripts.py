"""Names in every script: real glyphs, the right direction, and a language hint."""

import pytest

from generator.content import patient as patient_module
from generator.sheet.model import build as build_sheet
from generator.sheet.name_scripts import TextHint, hint

from .conftest import TODAY, pdf_text

NAMES = {
    "Latin with diacritics": ("Zoë Åsa Łukasiewicz-Núñez", TextHint("und", "ltr")),
    "Vietnamese": ("Nguyễn Thị Minh Khai", TextHint("und", "ltr")),
    "Chinese": ("王小明", TextHint("zh", "ltr")),
    "Japanese": ("田中 はなこ", TextHint("ja", "ltr")),
    "Korean": ("김민준", TextHint("ko", "ltr")),
    "Arabic": ("فاطمة الزهراء", TextHint("ar", "rtl")),
    "Hebrew next to Latin": ("שרה כהן (Sarah Cohen)", TextHint("he", "rtl")),
    "Devanagari": ("अनन्या शर्मा", TextHint("hi", "ltr")),
    "Emoji": ("Lorem Ipsum 🌸", TextHint("und", "ltr")),
}


@pytest.mark.parametrize("script", NAMES)
def test_every_script_renders_with_real_glyphs(project, script):
    name, expected = NAMES[script]
    assert hint(name) == expected
    patient = patient_module.make(name, "2026-11-23")
    sheet = build_sheet(project.clinic, project.policy("microneedling"), patient, TODAY)
    html = project.templates.sheet_html(sheet)
    assert f'lang="{expected.lang}" dir="{expected.dir}">{name}</p>' in html
    result = project.renderer.render(html)
    assert result.missing_glyphs == 0  # and the autouse fixture fails on any .notdef warning
    text = pdf_text(result.pdf)
    letters = [c for c in name if c.isalpha()]
    assert all(c in text for c in letters)
