"""Direction and a language hint for names typed in any script.

A name's language cannot be known, but its script tells the renderer enough: the direction
(Hebrew and Arabic run right to left) and, for Han characters, which national glyph forms to
use. Where the script says nothing reliable (Latin, Cyrillic...), the language is "und".
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

# The first letter of these scripts decides the hint; order matters for CJK (kana or hangul
# anywhere in the name makes Han characters Japanese or Korean).
_SCRIPT_LANGS = (
    ("HIRAGANA", "ja"),
    ("KATAKANA", "ja"),
    ("HANGUL", "ko"),
    ("CJK", "zh"),
    ("HEBREW", "he"),
    ("ARABIC", "ar"),
    ("DEVANAGARI", "hi"),
    ("THAI", "th"),
)


@dataclass(frozen=True)
class TextHint:
    """`lang` and `dir` attributes for an element holding user-typed text."""

    lang: str
    dir: str


def hint(text: str) -> TextHint:
    """The direction from the first strong character; a language from the script."""
    direction = "ltr"
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            direction = "rtl"
            break
        if kind == "L":
            break
    names = [unicodedata.name(char, "") for char in text if char.isalpha()]
    for prefix, lang in _SCRIPT_LANGS:
        if any(name.startswith(prefix) for name in names):
            return TextHint(lang, direction)
    return TextHint("und", direction)
