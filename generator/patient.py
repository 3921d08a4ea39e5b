"""Patient details typed at the desk: validated text, never markup, never logged."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from .errors import AftercareError, Problem

MAX_LENGTH = 200
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
EARLIEST, LATEST = date(1900, 1, 1), date(2199, 12, 31)


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

    Error messages never repeat the value: it is patient data, and messages may reach logs.
    """
    return Patient(
        name=clean_text(name, "name", required=True),
        procedure_date=parse_date(procedure_date, today),
        provider=clean_text(provider, "provider", required=False),
    )


def clean_text(value, field: str, required: bool) -> str | None:
    """Trimmed single-line text with no control characters, at most MAX_LENGTH long."""
    if value is None or (isinstance(value, str) and not value.strip() and not required):
        if required:
            raise AftercareError(Problem("is required", field=field))
        return None
    if not isinstance(value, str):
        raise AftercareError(Problem("must be text", field=field))
    text = unicodedata.normalize("NFC", " ".join(value.split()))
    if not text:
        raise AftercareError(Problem("must not be empty", field=field))
    if len(text) > MAX_LENGTH:
        raise AftercareError(
            Problem(f"is {len(text)} characters long; at most {MAX_LENGTH}", field=field)
        )
    for char in text:
        if unicodedata.category(char) in ("Cc", "Cs", "Co", "Cn"):
            raise AftercareError(
                Problem(
                    f"contains a control or unassigned character (U+{ord(char):04X})", field=field
                )
            )
    return text


def parse_date(value, today: date | None = None) -> date:
    """A YYYY-MM-DD date between 1900 and 2199; None or "" means today."""
    if value is None or value == "":
        return today or date.today()
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not DATE_RE.match(value.strip()):
        raise AftercareError(Problem("must be a date as YYYY-MM-DD", field="date"))
    try:
        parsed = date.fromisoformat(value.strip())
    except ValueError as exc:
        raise AftercareError(Problem(f"is not a real date ({exc})", field="date")) from None
    if not EARLIEST <= parsed <= LATEST:
        raise AftercareError(Problem("must be between 1900 and 2199", field="date"))
    return parsed


def slug(name: str, limit: int = 60) -> str:
    """A file-name-safe ASCII slug of a name: letters, digits and '-'; 'patient' if none."""
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return text[:limit].rstrip("-") or "patient"
