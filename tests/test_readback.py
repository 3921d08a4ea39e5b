"""Every script a sheet prints reads back as written: the words of a policy in each shipped
language, the product's own labels in it, and names in every script, read by pdf.js (Firefox)
and by poppler's pdftotext, in logical order, ligatures and brackets included.

The policies are synthetic lorem text; their words are picked to exercise what goes wrong:
lam-alef ligatures ("لا", "الإجراء", "على", "الاثنين"), brackets and quote marks around
right-to-left and left-to-right text, Devanagari conjuncts and reordered vowel signs, Thai
marks, Hangul, CJK punctuation, emoji.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass

import pytest

from generator import i18n
from generator.content import patient as patient_module
from generator.paths import CONTENT
from generator.project import Project
from generator.sheet.model import Options

from . import pdfjs
from .conftest import DATA, TODAY

SLUG = "lorem-care"

# Each shipped language's policy line: synthetic, non-clinical.
WORDS = {
    "en": "Lorem (ipsum) dolor [sit] amet office",
    "es": "Lorem ñandú (pingüino) acción «cigüeña»",
    "zh-Hans": "洛雷姆（伊普苏姆）测试「文字」",
    "vi": "Lorem (Nguyễn) được ướt",
    "ko": "로렘 입숨 (김민준) 한국어",
    "tl": "Lorem (ipsum) ng mga",
    "ru": "Лорем (ипсум) щёлк «ёж»",
    "ar": "لا لوريم الإجراء على الاثنين لأن (إيبسوم) [لوريم] «دولار» {عشرة}",
    "fr": "Lorem œuvre (façade) côté",
}
assert set(WORDS) == set(i18n.LANGUAGES)

# Names in every script a name may be in (made up), each on two sheets: one of each direction.
NAMES = [
    "Zoë Åsa Łukasiewicz-Núñez",
    "Nguyễn Thị Minh Khai",
    "王小明",
    "田中 はなこ",
    "김민준 (Kim)",
    "فاطمة عبد الله لا على",
    "שרה כהן (Sarah)",
    "अनन्या क्षत्रिय श्रीमती",
    "สมชาย น้ำใจ",
    "Lorem Ipsum 🌸",
]

# Product labels whose words are checked in each language (as printed: upper case allowed).
LABELS = ["Procedure date", "Questions", "Your plan", "Your calendar", "Your instructions"]

# Where a reader, not the sheet, is at fault; the word is then compared without the marks
# the reader misplaces (its letters must still read in order).
# - pdf.js inserts a space after a glyph whose text holds a combining mark (a Devanagari
#   conjunct): mozilla/pdf.js#21890.
# - pdf.js puts right-to-left text in logical order one text item at a time, and an item
#   ends where the font changes: a bracket (Inter) around Arabic or Hebrew (Noto) stays
#   where it is drawn. poppler orders the whole line.
# - poppler orders a left-to-right word in brackets inside a right-to-left line by a rule
#   of its own: "(Sarah)" in a Hebrew name on an Arabic sheet reads ")(Sarah".
BRACKETS = "()[]{}«»（）「」"


def _rtl(word: str) -> bool:
    return any(unicodedata.bidirectional(c) in ("R", "AL") for c in word)


def _devanagari(word: str) -> bool:
    return any("\u0900" <= c <= "\u097f" for c in word)


@dataclass
class Sheet:
    lang: str
    names: list[str]
    pdfjs: str
    pdftotext: str


def write_policy(folder, lang: str) -> None:
    """The synthetic example procedure in `lang`, reviewed, with `WORDS[lang]` in it."""
    text = (DATA / "example-procedure.md").read_text(encoding="utf-8")
    extra = f"lang: {lang}\nreviewed_by: Dr. Ipsum\nreviewed_on: 2026-10-01\n"
    text = text.replace('version: "0.9"\n', f'version: "0.9"\n{extra}')
    text = text.replace("Lorem ipsum dolor sit amet.", WORDS[lang])
    (folder / f"{SLUG}.md").write_text(text, encoding="utf-8")


def clean(text: str) -> str:
    """A reader's text as compared: bidi controls (pdftotext's) and zero-width spaces (what
    a glyph with no character of its own reads) dropped, white space single."""
    text = re.sub("[\u200b\u202a-\u202e\u2066-\u2069]", "", text)
    return " ".join(text.split())


def render_all(tmp_path_factory) -> list[Sheet]:
    """One sheet per shipped language, each with two names (one per direction), read back."""
    ltr = [name for name in NAMES if not _rtl(name)]
    rtl = [name for name in NAMES if _rtl(name)]
    sheets, pdfs = [], []
    for index, lang in enumerate(WORDS):
        folder = tmp_path_factory.mktemp(f"readback-{lang}")
        shutil.copy(CONTENT / "clinic.toml", folder)
        shutil.copy(CONTENT / "harbor-logo.svg", folder)
        write_policy(folder, lang)
        names = [ltr[index % len(ltr)], rtl[index % len(rtl)]]
        patient = patient_module.make(names[0], "2026-11-24", names[1])  # provider: 2nd name
        pdf = Project(folder).render(SLUG, patient, TODAY, Options(sheet_id="7K3Q-M2XD")).pdf
        path = folder / "sheet.pdf"
        path.write_bytes(pdf)
        poppler = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True
        ).stdout
        sheets.append(Sheet(lang, names, "", clean(poppler)))
        pdfs.append(pdf)
    for sheet, document in zip(sheets, pdfjs.read(*pdfs), strict=True):
        runs = [run["text"] for page in document.pages for run in page.runs]
        sheet.pdfjs = clean("\n".join(runs))
    return sheets


@pytest.fixture(scope="module")
def sheets(tmp_path_factory) -> dict[str, Sheet]:
    return {sheet.lang: sheet for sheet in render_all(tmp_path_factory)}


def expected_words(sheet: Sheet) -> list[tuple[str, str]]:
    """The words the sheet must read, each with its line: its policy line, its names (each
    a line of its own), its labels."""
    labels = i18n.translations(sheet.lang)
    lines = [WORDS[sheet.lang], *sheet.names, *(labels.gettext(label) for label in LABELS)]
    return [(word, line) for line in lines for word in line.split()]


def misread(sheet: Sheet, reader: str) -> list[str]:
    """The expected words the reader's text lacks (case aside; the known reader faults
    above compared without the marks they misplace)."""
    text = getattr(sheet, reader).casefold()
    missing = []
    for word, line in expected_words(sheet):
        found = word.casefold() in text
        if not found and reader == "pdfjs" and _devanagari(word):  # pdf.js#21890
            found = word in re.sub(r"(?<=[\u0900-\u097f]) (?=[\u0900-\u097f])", "", text)
        if not found and reader == "pdfjs" and _rtl(word):  # a bracket at a font change
            found = word.strip(BRACKETS) in text
        if not found and reader == "pdftotext" and _rtl(line) and not _rtl(word):
            found = word.strip(BRACKETS).casefold() in text  # poppler's own rule
        if not found:
            missing.append(word)
    return missing


@pytest.mark.parametrize("lang", list(WORDS))
def test_every_word_reads_back_in_logical_order(sheets, lang):
    sheet = sheets[lang]
    assert misread(sheet, "pdftotext") == [], sheet.pdftotext
    assert misread(sheet, "pdfjs") == [], sheet.pdfjs


def test_brackets_keep_their_side_in_each_direction(sheets):
    """Poppler reads a right-to-left line whole: its brackets read as typed; pdf.js reads
    brackets around left-to-right text in a right-to-left name as typed."""
    assert "(إيبسوم) [لوريم] «دولار» {عشرة}" in sheets["ar"].pdftotext
    hebrew = next(sheet for sheet in sheets.values() if "שרה כהן (Sarah)" in sheet.names)
    assert "(Sarah)" in hebrew.pdfjs
    assert "(555) 010-4400" in sheets["ar"].pdfjs  # a left-to-right phone on an Arabic sheet
