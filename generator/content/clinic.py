"""Read the clinic profile (clinic.toml): branding, contact details, paper and locale."""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from generator.content import printing, schema
from generator.content.printing import PrintSettings
from generator.errors import AftercareError, Problem, Problems
from generator.files import read_source

if TYPE_CHECKING:
    from generator.content.policy import Policy

COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
PAPERS = ("letter", "a4")
TEXT_FIELDS = {  # key: required
    "name": True, "phone": True, "after_hours_phone": False, "address": False,
    "website": False, "logo": True, "base_url": True, "paper": True, "locale": True,
}  # fmt: skip
COLOUR_FIELDS = ("primary", "accent")
# WCAG 2.1 contrast against white paper: primary carries text (4.5:1, like body text); accent
# marks highlights, focus rings and large text (3:1, like large text and UI components).
MIN_CONTRAST = {"primary": 4.5, "accent": 3.0}
OVERDUE_REVIEW = ("warn", "refuse")
GRADE_RANGE = (1, 18)  # school grades a reading target may name
KEYS = schema.names(schema.CLINIC)  # documented there, one line a key


@dataclass(frozen=True)
class Clinic:
    """The clinic's branding and contact details, validated."""

    name: str
    phone: str
    after_hours_phone: str | None
    address: str | None
    website: str | None
    logo: Path
    base_url: str
    paper: str
    locale: str
    colors: dict[str, str]
    path: Path
    overdue_review: str = "warn"  # or "refuse": no personalised sheets past a review date
    reading_grade_target: float = 8  # `aftercare check` marks sections graded above it
    acknowledgement: bool = False  # a signature block on the last page, for the clinic's copy
    register: bool = True  # keep a register of the sheets issued
    language_assistance: bool = False  # the last page offers free language help, in each language
    # Procedures often done together: `aftercare handouts` always makes their blank handout.
    handout_combinations: tuple[str, ...] = ()  # "a+b", as `handouts --combine` takes them
    printing: PrintSettings = field(default_factory=PrintSettings)  # [printing]: CUPS queue
    source: bytes = field(default=b"", repr=False, compare=False)  # clinic.toml, as read
    logo_bytes: bytes = field(default=b"", repr=False, compare=False)  # the logo, as read

    @property
    def lang(self) -> str:
        """The BCP 47 tag of the language its own texts (name, address) are written in: its
        locale's ("en_US": "en-US")."""
        return self.locale.replace("_", "-")

    def page_url(self, slug: str, lang: str | None = None) -> str:
        """The online page of a policy: {base_url}/{slug}/, or {base_url}/{slug}/{lang}/ for
        a translation."""
        return f"{self.base_url}/{slug}/{lang}/" if lang else f"{self.base_url}/{slug}/"

    def visit_url(self, lang: str | None = None) -> str:
        """The online page of a visit with several procedures: {base_url}/visit/, or
        {base_url}/visit/{lang}/ in a language other than the policies' own. Which procedures
        and which date it shows come in the fragment (#p=a+b&d=YYYYMMDD), never to a server."""
        return f"{self.base_url}/visit/{lang}/" if lang else f"{self.base_url}/visit/"

    def review_refusal(self, policy: Policy, today: date) -> Problem | None:
        """Why no personalised sheet of `policy` may be made on `today`: its review is
        overdue and the clinic refuses such sheets (overdue_review = "refuse"). Else None."""
        if self.overdue_review != "refuse" or not policy.review_overdue(today):
            return None
        return Problem(
            f"review was due on {policy.review_due}; the clinic refuses sheets of a policy "
            "overdue for review (clinic.toml overdue_review)",
            policy.path,
            policy.review_due_line,
        )


def load(path: Path) -> Clinic:
    """Read and validate a clinic profile, reporting every problem with its line."""
    path = Path(path)
    raw, text = read_source(path, "clinic profile")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        message = re.sub(r"\s*\(at line.*\)", "", str(exc))
        line = int(match[1]) if match else None
        raise AftercareError(Problem(f"not valid TOML: {message}", path, line)) from None
    problems = Problems(path)
    lines = _key_lines(text)
    for key in data:
        if key not in KEYS:
            _unknown(problems, key, KEYS, lines.get(key))
    values = {
        key: _text(data, key, required, lines, problems) for key, required in TEXT_FIELDS.items()
    }
    colors = _colours(data, lines, problems)
    logo = _logo(values["logo"], path.parent, lines, problems)
    base_url = _base_url(values["base_url"], lines, problems)
    if values["paper"] is not None and values["paper"].lower() not in PAPERS:
        problems.add(
            f"must be one of {', '.join(PAPERS)}, got {values['paper']!r}",
            lines.get("paper"),
            "paper",
        )
    locale = _locale(values["locale"], lines, problems)
    settings = _settings(data, lines, problems)
    settings["printing"] = printing.settings(data.get("printing"), lines, problems)
    problems.raise_if_any()
    try:  # kept, so the register archives the logo the sheets were made with
        logo_bytes = logo.read_bytes() if logo else b""
    except OSError as exc:
        raise AftercareError(Problem(f"cannot read the logo: {exc.strerror}", logo)) from None
    checked: dict[str, Any] = {  # every value was checked above
        **values,
        "paper": (values["paper"] or "").lower(),
        "logo": logo,
        "base_url": base_url,
        "locale": locale,
        "colors": colors,
        "path": path,
        **settings,
        "source": raw,
        "logo_bytes": logo_bytes,
    }
    return Clinic(**checked)


def _settings(data, lines, problems) -> dict[str, Any]:
    """overdue_review, reading_grade_target, handout_combinations and the switches: given or
    default (the combinations' procedures are checked when handouts are made)."""
    settings: dict[str, Any] = {}
    review = data.get("overdue_review", "warn")
    if review in OVERDUE_REVIEW:
        settings["overdue_review"] = review
    else:
        problems.add(
            f'must be "warn" or "refuse", got {review!r}',
            lines.get("overdue_review"),
            "overdue_review",
        )
    target = data.get("reading_grade_target", 8)
    low, high = GRADE_RANGE
    if isinstance(target, int | float) and not isinstance(target, bool) and low <= target <= high:
        settings["reading_grade_target"] = target
    else:
        problems.add(
            f"must be a school grade from {low} to {high}, like 8, got {target!r}",
            lines.get("reading_grade_target"),
            "reading_grade_target",
        )
    combinations = data.get("handout_combinations", [])
    if isinstance(combinations, list) and all(isinstance(c, str) for c in combinations):
        settings["handout_combinations"] = tuple(combinations)
    else:
        problems.add(
            'must be a list of procedures joined by "+", like ["microneedling+peel"], '
            f"got {combinations!r}",
            lines.get("handout_combinations"),
            "handout_combinations",
        )
    booleans = (("acknowledgement", False), ("register", True), ("language_assistance", False))
    for key, default in booleans:
        value = data.get(key, default)
        if isinstance(value, bool):
            settings[key] = value
        else:
            problems.add(f"must be true or false, got {value!r}", lines.get(key), key)
    return settings


def _text(data, key, required, lines, problems) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            problems.add("is required", None, key)
        return None
    if not isinstance(value, str) or not value.strip():
        problems.add("must be non-empty text in quotes", lines.get(key), key)
        return None
    return value.strip()


def _colours(data, lines, problems) -> dict[str, str]:
    colors = data.get("colors", {})
    if not isinstance(colors, dict):
        problems.add(
            "must be a table: [colors] with primary and accent", lines.get("colors"), "colors"
        )
        return {}
    for key in colors:
        if key not in COLOUR_FIELDS:
            _unknown(problems, key, set(COLOUR_FIELDS), lines.get(f"colors.{key}"), "colors.")
    for key in COLOUR_FIELDS:
        value = colors.get(key)
        if value is None:
            problems.add('is required, as "#1f5f5b"', lines.get("colors"), f"colors.{key}")
        elif not isinstance(value, str) or not COLOUR_RE.match(value):
            problems.add(
                f'must be a colour as "#rrggbb", got {value!r}',
                lines.get(f"colors.{key}"),
                f"colors.{key}",
            )
        elif (ratio := contrast_with_white(value)) < MIN_CONTRAST[key]:
            problems.add(
                f"{value} has a contrast of {ratio:.2f}:1 against white; at least "
                f"{MIN_CONTRAST[key]}:1 is needed to read it (WCAG 2.1): choose a darker colour",
                lines.get(f"colors.{key}"),
                f"colors.{key}",
            )
    return {key: str(colors.get(key, "")).lower() for key in COLOUR_FIELDS}


def contrast_with_white(colour: str) -> float:
    """WCAG 2.1 contrast ratio of "#rrggbb" against white, from 1 to 21."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    luminance = 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
    return 1.05 / (luminance + 0.05)


def _logo(value, folder: Path, lines, problems) -> Path | None:
    if value is None:
        return None
    logo = (folder / value).resolve()
    if not logo.is_relative_to(folder.resolve()):
        problems.add("must be a file inside the content folder", lines.get("logo"), "logo")
    elif logo.suffix.lower() not in (".svg", ".png"):
        problems.add("must be an .svg or .png file", lines.get("logo"), "logo")
    elif not logo.is_file():
        problems.add(f"file not found: {value}", lines.get("logo"), "logo")
    return logo


def _base_url(value, lines, problems) -> str | None:
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.netloc or parts.query or parts.fragment:
        problems.add(
            f"must be a web address like https://clinic.example/aftercare, got {value!r}",
            lines.get("base_url"),
            "base_url",
        )
    return value.rstrip("/")


def _locale(value, lines, problems) -> str | None:
    if value is None:
        return None
    import babel  # late: `aftercare --help` imports this module for its paper sizes

    try:
        return str(babel.Locale.parse(value.replace("-", "_")))
    except (ValueError, babel.UnknownLocaleError):
        problems.add(
            f"unknown locale {value!r}; use a code like en_US or en_GB",
            lines.get("locale"),
            "locale",
        )
        return None


def _unknown(problems, key, allowed, line, prefix="") -> None:
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(sorted(allowed))}"
    problems.add(f"unknown key; {hint}", line, f"{prefix}{key}")


def _key_lines(text: str) -> dict[str, int]:
    """Line of each `key = ` and `[table]` in a simple TOML file, as dotted paths."""
    lines, table = {}, ""
    for number, line in enumerate(text.splitlines(), start=1):
        if match := re.match(r"^\s*\[\s*([A-Za-z0-9_.-]+)\s*\]", line):
            table = match[1]
            lines[table] = number
        elif match := re.match(r"^\s*([A-Za-z0-9_-]+)\s*=", line):
            lines[f"{table}.{match[1]}" if table else match[1]] = number
    return lines
