"""Patient details typed at the desk: validated text, never markup, never logged.

The rules here are also stated, exactly, as patterns in the OpenAPI description
(`openapi.py` builds them from `NAME_PATTERN`, `TEXT_PATTERN` and `DATE_PATTERN`).
"""

from __future__ import annotations

import re
import sys
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import cache

from anyascii import anyascii

from generator.errors import AftercareError, Problem
from generator.i18n import N_

MAX_LENGTH = 200
DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
EARLIEST, LATEST = date(1900, 1, 1), date(2199, 12, 31)
# Joiners are format characters that scripts (Persian, Indic) and emoji sequences need.
JOINERS = {"\u200c", "\u200d"}
REFUSED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}

# Exactly the dates 1900-01-01 .. 2199-12-31 that exist, as YYYY-MM-DD.
_LEAP = r"(?:(?:19|20|21)(?:0[48]|[2468][048]|[13579][26])|2000)-02-29"
DATE_PATTERN = (
    r"^(?:(?:19|20|21)[0-9]{2}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    r"|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))|" + _LEAP + ")$"
)


@dataclass(frozen=True)
class Patient:
    """Who the sheet is for. `repr` hides the details so they cannot reach a log by accident."""

    name: str
    procedure_date: date
    provider: str | None = None

    def __repr__(self) -> str:
        return "Patient(<hidden>)"


def make(name, procedure_date, provider=None, today: date | None = None) -> Patient:
    """Validate raw input into a Patient; the date defaults to today.

    Every problem is reported, not just the first. Messages never repeat the value: it is
    patient data, and messages may reach logs. They are English (the API's); the desk shows
    them in the clinic's language, so each is marked N_ for the catalogs.
    """
    problems: list[Problem] = []

    def attempt(check, *args):
        try:
            return check(*args)
        except AftercareError as exc:
            problems.extend(exc.problems)
            return None

    patient = Patient(
        name=attempt(clean_text, name, "name", True),
        procedure_date=attempt(parse_date, procedure_date, today),
        provider=attempt(clean_text, provider, "provider", False),
    )
    if problems:
        raise AftercareError(*problems)
    return patient


def clean_text(value, field: str, required: bool) -> str | None:
    """Single-line text, white space collapsed, NFC; at most MAX_LENGTH characters as given.

    Refused: control, unassigned, private-use and surrogate characters, and invisible format
    characters (bidirectional overrides, zero-width spaces) other than the two joiners, since
    those can make a printed name read differently from what was typed.
    """
    if value is None:
        if required:
            raise AftercareError(Problem(N_("is required"), field=field))
        return None
    if not isinstance(value, str):
        raise AftercareError(Problem(N_("must be text"), field=field))
    if len(value) > MAX_LENGTH:
        raise AftercareError(
            Problem(
                N_("is %(length)s characters long; at most %(most)s")
                % {"length": len(value), "most": MAX_LENGTH},
                field=field,
            )
        )
    for char in value:
        category = unicodedata.category(char)
        if category == "Cf" and char not in JOINERS:
            raise AftercareError(
                Problem(
                    N_(
                        "contains an invisible formatting character (%(char)s); retype it "
                        "without that character"
                    )
                    % {"char": f"U+{ord(char):04X}"},
                    field=field,
                )
            )
        if category in REFUSED_CATEGORIES and char not in JOINERS:
            raise AftercareError(
                Problem(
                    N_("contains a control or unassigned character (%(char)s)")
                    % {"char": f"U+{ord(char):04X}"},
                    field=field,
                )
            )
    text = unicodedata.normalize("NFC", " ".join(value.split()))
    if not text and required:
        raise AftercareError(Problem(N_("must not be empty"), field=field))
    return text or None


def parse_date(value, today: date | None = None) -> date:
    """A YYYY-MM-DD date between 1900 and 2199; None or "" means today."""
    if value is None or value == "":
        return today or date.today()
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not DATE_RE.fullmatch(value):
        raise AftercareError(Problem(N_("must be a date as YYYY-MM-DD"), field="date"))
    try:
        parsed = date.fromisoformat(value)
    except ValueError:  # the value is not repeated: it is patient data
        raise AftercareError(
            Problem(N_("is not a real date (check the month and the day)"), field="date")
        ) from None
    if not EARLIEST <= parsed <= LATEST:
        raise AftercareError(Problem(N_("must be between 1900 and 2199"), field="date"))
    return parsed


def slug(name: str, limit: int = 60) -> str:
    """A file-name-safe ASCII slug of a name: letters, digits and '-'; 'patient' if none.
    Letters and digits are transliterated (anyascii: "Ł" is "L", "王" is "Wang"), not dropped;
    symbols and emoji are not letters of a name."""
    ascii_text = "".join(
        anyascii(char) if unicodedata.category(char)[0] in "LMN" else " "
        for char in unicodedata.normalize("NFC", name)
    )
    text = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return text[:limit].rstrip("-") or "patient"


@cache
def refused_ranges() -> tuple[tuple[int, int], ...]:
    """Every code point range that `clean_text` refuses, from this Python's Unicode data."""
    ranges: list[tuple[int, int]] = []
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if unicodedata.category(char) in REFUSED_CATEGORIES and char not in JOINERS:
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    return tuple(ranges)


def _class_items(ranges) -> str:
    """Ranges as the inside of a regex class: BMP as \\uXXXX, astral as literal characters
    (the one spelling Python, Rust and JavaScript's Unicode mode all read the same)."""

    def one(code: int) -> str:
        return f"\\u{code:04X}" if code <= 0xFFFF else chr(code)

    return "".join(one(a) if a == b else f"{one(a)}-{one(b)}" for a, b in ranges)


def _complement(ranges, within=(0, sys.maxunicode)) -> list[tuple[int, int]]:
    out, start = [], within[0]
    for low, high in ranges:
        if low > start:
            out.append((start, low - 1))
        start = max(start, high + 1)
    if start <= within[1]:
        out.append((start, within[1]))
    return out


@cache
def text_patterns() -> tuple[str, str]:
    """(any allowed text, allowed text with at least one visible character) as regexes.

    Classes are written positively (the allowed ranges): generators such as Hypothesis walk a
    negated class code point by code point, which is slow for a million of them.
    """
    spaces = [
        code
        for code in range(sys.maxunicode + 1)
        if chr(code).isspace() and unicodedata.category(chr(code)) not in REFUSED_CATEGORIES
    ]
    allowed = _complement(refused_ranges())
    space_ranges = [(code, code) for code in spaces]
    visible = _complement(sorted(refused_ranges() + tuple(space_ranges)))
    any_char = f"[{_class_items(allowed)}]"
    return (
        f"^{any_char}*$",
        f"^[{_class_items(space_ranges)}]*[{_class_items(visible)}]{any_char}*$",
    )
