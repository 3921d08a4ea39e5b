"""`aftercare check`: every content file validated, problems and warnings with file and line,
review dates, and the reading level of each policy (for information: never a warning)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from generator.commands import init as starter
from generator.commands import print_check
from generator.content import clinic as clinic_module
from generator.content import loader
from generator.content import policy as policy_module
from generator.content import translations as languages
from generator.content.frontmatter import split
from generator.content.review_record import ReviewRecord
from generator.errors import AftercareError, Problem, display_path
from generator.paths import NO_CONTENT

DEFAULT_GRADE_TARGET = 8  # used when the clinic profile cannot be read
LONG_SENTENCE = 25  # words; longer sentences are listed with their line
EXCERPT_WORDS = 8


@dataclass
class CheckReport:
    """What `check` found: problems stop sheets being made; warnings are worth a look; the
    reading level is for information and counts as neither."""

    policies: int = 0
    translations: int = 0  # content/<slug>.<lang>.md, counted apart from the policies
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    reading: list[str] = field(default_factory=list)  # lines of the reading level report

    def summary(self) -> str:
        """What check prints on stdout: the reading level report, then one line of counts."""

        def count(n: int, one: str, many: str) -> str:
            return f"{n} {one if n == 1 else many}"

        checked = count(self.policies, "policy", "policies")
        if self.translations:
            checked = f", {checked} and {count(self.translations, 'translation', 'translations')}"
        else:
            checked = f" and {checked}"
        counts = (
            f"Checked the clinic profile{checked}: "
            f"{count(len(self.problems), 'problem', 'problems')}, "
            f"{count(len(self.warnings), 'warning', 'warnings')}"
        )
        return "\n".join([*self.reading, counts])


def check(
    content_dir: Path, clinic_file: Path | None = None, today: date | None = None
) -> CheckReport:
    """Read every content file and collect its problems, warnings and reading level."""
    report = CheckReport()
    content_dir = Path(content_dir)
    today = today or date.today()
    if not content_dir.is_dir():
        report.problems.append(Problem(NO_CONTENT, content_dir))
        return report
    clinic = None
    try:
        clinic = clinic_module.load(clinic_file or content_dir / "clinic.toml")
    except AftercareError as exc:
        report.problems.extend(exc.problems)
    report.problems.extend(starter.unfinished(clinic, content_dir))  # left from `aftercare init`
    target = clinic.reading_grade_target if clinic else DEFAULT_GRADE_TARGET
    reading = []
    sources: dict[str, policy_module.Policy] = {}
    for path in loader.policy_files(content_dir).values():
        report.policies += 1
        try:
            policy = loader.read_policy(path)
        except AftercareError as exc:
            report.problems.extend(exc.problems)
            continue
        report.warnings.extend(policy.warnings)
        report.warnings.extend(print_check.warnings(policy, clinic.paper if clinic else "letter"))
        refusal = clinic.review_refusal(policy, today) if clinic else None
        if refusal:
            report.problems.append(refusal)
        else:
            report.warnings.extend(policy.review_warnings(today))
        reading += reading_level(policy, target)
        sources[policy.slug] = policy
    record = ReviewRecord(content_dir)  # what each translation was last offered with
    for (slug, _lang), path in loader.translation_files(content_dir).items():
        report.translations += 1
        found = loader.read_translation(sources, slug, path, record)
        report.problems.extend(found.problems)
        if found.read is not None:
            report.warnings.extend(found.read.warnings)
            reading += reading_level(found.read, target)  # a language it cannot score says so
        if found.translation is not None and not found.translation.issuable:
            report.warnings.append(languages.warning(found.translation))
    report.warnings.extend(record.problems)  # a review offered here that was not remembered
    if reading:
        report.reading = [
            f"Reading level (Flesch-Kincaid grade, target {target:g} or lower; "
            "for information, not warnings):",
            *reading,
        ]
    return report


# ---------- Reading level -------------------------------------------------------------------


@dataclass
class Unit:
    """A paragraph, list item or table row as plain text, with the file line of each part."""

    section: int | None  # index into the policy's headed sections; None before the first
    parts: list[tuple[int, str]] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The unit's plain text on one line."""
        return " ".join(text for _line, text in self.parts)

    def line_at(self, offset: int) -> int:
        """The file line of character `offset` of `text`."""
        position = 0
        for line, text in self.parts:
            position += len(text) + 1
            if offset < position:
                return line
        return self.parts[-1][0]


def reading_level(policy: policy_module.Policy, target: float) -> list[str]:
    """The policy's grade, each section's, and its long sentences, as report lines."""
    where = display_path(policy.path)
    if policy.lang.lower().replace("_", "-").split("-")[0] != "en":
        return [f"{where}: not scored: the reading grade is measured for English only "
                f"(lang: {policy.lang})"]  # fmt: skip
    fm = split(policy.source.decode("utf-8-sig"))  # the text as read: no second read
    titles, units = plain_units(fm.body, fm.body_line)
    lines = [f"{where}: {_grade(units, target)}"] if units else []
    for index, title in enumerate(titles):
        section = [unit for unit in units if unit.section == index]
        if section:
            lines.append(f"  {_inline_plain(title)}: {_grade(section, target)}")
    return lines + [str(problem) for problem in long_sentences(policy.path, units)]


def long_sentences(path: Path, units: list[Unit]) -> list[Problem]:
    """Each sentence of more than LONG_SENTENCE words, with the line it starts on."""
    found = []
    for unit in units:
        for match in SENTENCE_RE.finditer(unit.text):
            words = [w for w in match[0].split() if any(c.isalnum() for c in w)]
            if len(words) > LONG_SENTENCE:
                excerpt = " ".join(match[0].split()[:EXCERPT_WORDS])
                message = f'a sentence of {len(words)} words: "{excerpt} …"'
                found.append(Problem(message, path, unit.line_at(match.start())))
    return found


def _grade(units: list[Unit], target: float) -> str:
    import textstat  # imported late: only `check` needs it, and it loads a dictionary

    sentences = []
    for unit in units:  # a list item or table row is a sentence, ended with a stop or not
        text = unit.text
        sentences.append(text if re.search(r"[.!?][\"'”’)\]]*$", text) else f"{text}.")
    grade = textstat.flesch_kincaid_grade(" ".join(sentences))
    return f"grade {grade:.1f}" + (" (above target)" if grade > target else "")


SENTENCE_RE = re.compile(r"\S.*?(?:[.!?]+[\"'”’)\]]*(?=\s|$)|$)", re.DOTALL)
OTHER_HEADING_RE = re.compile(r"^ {0,3}#{1,6}(\s|$)")
LIST_MARKER_RE = re.compile(r"^\s*(?:[-*+]|\d{1,9}[.)])\s+")
QUOTE_RE = re.compile(r"^\s*(?:>\s?)+")
TABLE_RULE_RE = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")  # |---|:-:|
INLINE = (
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), ""),  # images: not on a sheet
    (re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1"),  # links: their text
    (re.compile(r"<(https?://[^>\s]+|mailto:[^>\s]+)>"), r"\1"),  # autolinks
    (re.compile(r"</?[A-Za-z][^>]*>|<!--.*?-->"), ""),  # raw HTML
    (re.compile(r"[*`~]+|(?<!\w)_+|_+(?!\w)|\\(?=\S)"), ""),  # emphasis, code, escapes
)


def plain_units(body: str, body_line: int) -> tuple[list[str], list[Unit]]:
    """The body's '## ' section titles, and its text as plain units. Headings, list
    markers, emphasis and markup are not words; fenced code is left out."""
    titles: list[str] = []
    units: list[Unit] = []
    section: int | None = None
    current: Unit | None = None
    in_fence, previous_blank = False, True
    for number, line in enumerate(body.splitlines(), start=body_line):
        fence = policy_module.FENCE_RE.match(line)
        if fence or in_fence:
            in_fence = in_fence != bool(fence)
            current = None
            continue
        heading = policy_module.HEADING_RE.match(line)
        blank = not line.strip()
        if heading:
            titles.append(heading["title"])
            section, current = len(titles) - 1, None
        elif previous_blank and policy_module.BREAK_RE.match(line):
            section, current = None, None
        elif OTHER_HEADING_RE.match(line) or blank or TABLE_RULE_RE.match(line):
            current = None
        else:
            line = QUOTE_RE.sub("", line)
            if marker := LIST_MARKER_RE.match(line):
                line, current = line[marker.end() :], None
            row = line.lstrip().startswith("|")  # a table row: a unit of its own
            if row:
                line, current = " ".join(line.strip().strip("|").split("|")), None
            text = _inline_plain(line)
            if text:
                if current is None:
                    current = Unit(section)
                    units.append(current)
                current.parts.append((number, text))
                current = None if row else current
        previous_blank = blank
    return titles, units


def _inline_plain(line: str) -> str:
    for pattern, replacement in INLINE:
        line = pattern.sub(replacement, line)
    return " ".join(html.unescape(line).split())
