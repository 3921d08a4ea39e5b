"""Read a policy: markdown with YAML front matter -> a validated Policy."""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import pairwise
from pathlib import Path

import babel
import markdown
import nh3

from generator import i18n
from generator.content import schema, timeline
from generator.content.frontmatter import FrontMatter, FrontMatterError, split
from generator.content.lifecycle import clinical_hash
from generator.content.markup import CommonMarkLists
from generator.errors import AftercareError, Problem, Problems
from generator.files import read_source

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# Names the online site uses for pages of its own: a policy of that name would collide.
RESERVED_SLUGS = {"visit", "assets"}
HEADING_RE = re.compile(r"^##(?!#)\s+(?P<title>.*?)(?:\s+\{#(?P<id>[^}\s]*)\})?\s*#*\s*$")
BREAK_RE = re.compile(r"^ {0,3}([-*_])( *\1){2,} *$")
FENCE_RE = re.compile(r"^ {0,3}(```|~~~)")

KEYS = schema.names(schema.POLICY)  # each key documented there
# A translation, content/<slug>.<lang>.md, names the source version it was made from, who
# translated it and, once a qualified reviewer has checked it, who reviewed it and when.
TRANSLATION_KEYS = schema.names(schema.TRANSLATION)
TRANSLATION_RE = re.compile(
    r"^(?P<slug>[a-z0-9][a-z0-9-]*)\.(?P<lang>[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*)$"
)
HASH_RE = re.compile(r"^[0-9a-f]{8}$")
REVIEW_SOON_DAYS = 30  # `aftercare check` warns this many days before review_due
# As many phases as the plan on page 1 holds (a day-by-day fortnight, and a phase after it);
# their colours repeat after six (styles/phases.css), and each carries its number.
MAX_PHASES = 16
PHASE_KEYS = schema.names(schema.PHASE)

# What markdown may become on a sheet: text structure only. No images, scripts, styles,
# forms or embedded objects; links only to the web, e-mail or a phone number.
ALLOWED_TAGS = {
    "p", "br", "hr", "h3", "h4", "h5", "h6", "ul", "ol", "li", "strong", "em", "b", "i",
    "blockquote", "a", "table", "thead", "tbody", "tr", "th", "td", "abbr", "sup", "sub",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href"}, "abbr": {"title"}, "th": {"colspan"}, "td": {"colspan"}}
LINK_SCHEMES = ("https:", "http:", "mailto:", "tel:")


@dataclass(frozen=True)
class Phase:
    """A stretch of days counted from the procedure (day 0; negative before it); `end` is None
    when open-ended. `bounds` keep how the policy writes them (48h, 2w, 7-10d), when it does."""

    label: str
    start: int
    end: int | None
    section: str
    overlaps: bool = False  # overlaps the phases before it on purpose: `check` says nothing
    bounds: tuple[timeline.Bound, timeline.Bound | None] | None = None

    @property
    def start_bound(self) -> timeline.Bound:
        """The start as written (a plain day number unless the policy wrote otherwise)."""
        return self.bounds[0] if self.bounds else timeline.Bound(self.start, str(self.start))

    @property
    def end_bound(self) -> timeline.Bound | None:
        """The end as written; None when open-ended."""
        if self.bounds:
            return self.bounds[1]
        return None if self.end is None else timeline.Bound(self.end, str(self.end))

    def covers(self, day: int) -> bool:
        """Whether day `day` after the procedure falls in this phase."""
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class Block:
    """A part of the policy body: a headed section (id and title) or plain text."""

    html: str
    id: str | None = None
    title: str | None = None


@dataclass(frozen=True)
class Policy:
    """A clinic's aftercare policy, validated and with its body as safe HTML."""

    slug: str
    path: Path
    title: str
    version: str
    lang: str
    phases: tuple[Phase, ...]
    blocks: tuple[Block, ...]
    content_hash: str
    clinical_hash: str = ""  # title, phases and body only: what a translation is made from
    draft: bool = False  # `draft: true`: not offered to patients until the clinic takes it off
    warnings: tuple[Problem, ...] = ()  # fine to print, but probably not what the author meant
    reviewed_by: str | None = None  # clinical review: who, when, and when it is due again
    reviewed_on: date | None = None
    review_due: date | None = None
    review_due_line: int | None = None  # file line of review_due, for check and refusals
    source: bytes = field(default=b"", repr=False, compare=False)  # the file, as read
    translation_of: str | None = None  # a translation: its source's slug (== slug)
    source_version: str | None = None  # ...the source version and hash it was made from
    source_hash: str | None = None
    translated_by: str | None = None
    # ...and, once paired with it (languages.paired), the source policy itself: its clinical
    # review is the one a translated sheet prints, and the register archives it for reprints.
    source_policy: Policy | None = field(default=None, repr=False, compare=False)

    @property
    def is_translation(self) -> bool:
        return self.translation_of is not None

    @property
    def file_name(self) -> str:
        """`<slug>.md`, or `<slug>.<lang>.md` for a translation."""
        return f"{self.slug}.{self.lang}.md" if self.is_translation else f"{self.slug}.md"

    def review_overdue(self, today: date) -> bool:
        """Whether the policy's review date has passed on `today`."""
        return self.review_due is not None and today > self.review_due

    def review_warnings(self, today: date) -> tuple[Problem, ...]:
        """A review due within REVIEW_SOON_DAYS, or past: these change with the day, so they
        are worked out when asked for, never kept with the (cached) policy."""
        if self.review_due is None:
            return ()
        days = (self.review_due - today).days
        due = self.review_due.isoformat()
        if days < 0:
            message = f"review was due on {due}, {_days(-days)} ago"
        elif days == 0:
            message = f"review due on {due}, today"
        elif days <= REVIEW_SOON_DAYS:
            message = f"review due on {due}, in {_days(days)}"
        else:
            return ()
        return (Problem(message, self.path, self.review_due_line),)


def _days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


def policy_paths(content_dir: Path) -> dict[str, Path]:
    """Every policy file in the content folder, by slug.

    README.md (notes for the people who edit the folder) and files whose names start with
    '_' or '.' (drafts in progress, editor backups) are not policies.
    """
    return {
        path.stem: path
        for path in _content_files(content_dir)
        if not TRANSLATION_RE.match(path.stem)
    }


def translation_paths(content_dir: Path) -> dict[tuple[str, str], Path]:
    """Every translation file (`<slug>.<lang>.md`), by (slug, lang)."""
    found = {}
    for path in _content_files(content_dir):
        match = TRANSLATION_RE.match(path.stem)
        if match:
            found[(match["slug"], match["lang"])] = path
    return found


def _content_files(content_dir: Path) -> list[Path]:
    return [
        path
        for path in sorted(Path(content_dir).glob("*.md"))
        if path.name.lower() != "readme.md" and not path.name.startswith(("_", "."))
    ]


def find(content_dir: Path, slug: str) -> Path:
    """The file of policy `slug`, or an error that lists the known policies."""
    paths = policy_paths(content_dir)
    if slug not in paths:
        known = ", ".join(paths) or "none"
        raise AftercareError(
            Problem(f"unknown policy {slug!r}; known policies: {known}", field="policy")
        )
    return paths[slug]


def load(path: Path, *, archived: bool = False) -> Policy:
    """Read and validate one policy file, reporting every problem with its line.

    `archived`: a file the register kept with a sheet it issued, read again for a reprint. It
    was valid then, and is printed again as it was: rules added since that change nothing
    printed (a review's who and when, `_review_pairs`; a key given twice, where YAML kept the
    last; names the site reserved later) do not refuse it, and its `lang` stays as typed
    (a reprint's /Lang is the original's, pt_BR where a new sheet says pt-BR)."""
    path = Path(path)
    problems = Problems(path)
    raw, text = read_source(path, "policy")
    translated = TRANSLATION_RE.match(path.stem)
    if not translated and not SLUG_RE.match(path.stem):
        problems.add(
            "file name must be lower-case letters, digits and '-', ending in .md "
            "(a translation: <policy>.<language>.md, as microneedling.es.md)"
        )
    slug = translated["slug"] if translated else path.stem
    if slug in RESERVED_SLUGS and not archived:
        problems.add(
            f"{slug!r} is a name the online site uses for its own pages ({slug}/); rename the file"
        )
    try:
        fm = split(text, repeats=archived)
    except FrontMatterError as exc:
        problems.add(str(exc), exc.line)
        problems.raise_if_any()
    blocks = _split_body(fm, problems)
    if translated:
        meta = _check_translation_meta(
            fm, problems, translated["slug"], translated["lang"], text.splitlines()
        )
    else:
        meta = _check_meta(fm, problems, text.splitlines(), as_typed=archived)
    if not archived:
        _review_pairs(fm, problems, meta)
    phases = _check_phases(fm, {b.id: b for b in blocks if b.id}, problems)
    problems.raise_if_any()
    warnings = Problems(path)
    for key_path, line, comment in fm.cut:
        warnings.add(
            f"{comment!r} is read as a comment and left out; put the whole value in quotes to "
            "keep it",
            line,
            "".join(
                f"[{key + 1}]" if isinstance(key, int) else f".{key}" for key in key_path
            ).lstrip("."),
        )
    _markup_warnings(fm, warnings)
    _catalog_warning(meta["lang"], fm, warnings)
    if not translated:  # a translation's days are the source's: compared when both are read
        _phase_warnings(phases, fm, warnings)
    return Policy(
        slug=translated["slug"] if translated else path.stem,
        path=path,
        title=meta["title"],
        version=meta["version"],
        lang=meta["lang"],
        phases=phases,
        blocks=tuple(blocks),
        content_hash=hashlib.sha256(raw).hexdigest()[:8],
        clinical_hash=clinical_hash(fm),
        draft=meta["draft"],
        warnings=tuple(warnings.items),
        reviewed_by=meta["reviewed_by"],
        reviewed_on=meta["reviewed_on"],
        review_due=meta["review_due"],
        review_due_line=fm.line("review_due") if meta["review_due"] else None,
        source=raw,
        translation_of=meta.get("translation_of"),
        source_version=meta.get("source_version"),
        source_hash=meta.get("source_hash"),
        translated_by=meta.get("translated_by"),
    )


def _check_meta(
    fm: FrontMatter, problems: Problems, lines: list[str], as_typed: bool = False
) -> dict:
    data = fm.data
    if not isinstance(data, dict):
        problems.add("front matter must be a mapping of keys (title, version, phases)", fm.line())
        problems.raise_if_any()
    _unknown_keys(data, KEYS, (), fm, problems)
    meta: dict = {}
    for key, required in (("title", True), ("version", True), ("lang", False)):
        value = data.get(key)
        if value is None:
            if required:
                problems.add("is required", fm.line(), key)
            meta[key] = "en"
        elif isinstance(value, str) and value.strip():
            meta[key] = value.strip()
        elif _is_number(value):
            typed = _typed_value(lines, fm.line(key), key) or str(value)
            problems.add(f'write it in quotes, as {key}: "{typed}"', fm.line(key), key)
        else:
            problems.add("must be non-empty text", fm.line(key), key)
    if isinstance(data.get("lang"), str) and data["lang"].strip():
        code = data["lang"].strip()
        if not _known(code, as_typed):
            problems.add(
                f"unknown language code {code!r}; use a code like en, es, fr or zh-Hans",
                fm.line("lang"),
                "lang",
            )
    draft = data.get("draft", False)
    if not isinstance(draft, bool):
        problems.add("must be true or false", fm.line("draft"), "draft")
    meta["draft"] = draft is True
    _check_review(data, fm, problems, meta)
    return meta


def _known(code: str, as_typed: bool = False) -> bool:
    """Whether `code` names a language Babel knows. 'und' and 'root' name no language in
    particular (Babel reads 'und' as en-US), but an archived file's were accepted then."""
    if not as_typed and re.split(r"[-_]", code, maxsplit=1)[0].lower() in ("und", "root"):
        return False
    try:
        babel.Locale.parse(code.replace("-", "_"))
    except (ValueError, babel.UnknownLocaleError):
        return False
    return True


def _check_translation_meta(
    fm: FrontMatter, problems: Problems, slug: str, lang: str, fm_lines: Sequence[str] = ()
) -> dict:
    """The front matter of `<slug>.<lang>.md`: what it translates, from which version."""
    fm_lines = list(fm_lines)
    data = fm.data
    if not isinstance(data, dict):
        problems.add("front matter must be a mapping of keys (title, lang, phases)", fm.line())
        problems.raise_if_any()
    _unknown_keys(data, TRANSLATION_KEYS, (), fm, problems)
    meta: dict = {"draft": data.get("draft") is True, "review_due": None}
    for key in ("title", "lang", "translation_of", "source_version", "source_hash"):
        value = data.get(key)
        if value is None:
            problems.add("is required in a translation", fm.line(), key)
        elif isinstance(value, str) and value.strip():
            meta[key] = value.strip()
        elif _is_number(value):
            typed = _typed_value(fm_lines, fm.line(key), key) or str(value)
            problems.add(f'write it in quotes, as {key}: "{typed}"', fm.line(key), key)
        else:
            hint = ' (in quotes, as "1.0")' if key == "source_version" else ""
            problems.add(f"must be non-empty text{hint}", fm.line(key), key)
    if meta.get("lang") and meta["lang"] != lang:
        problems.add(
            f"is {meta['lang']!r} but the file name says {lang!r}: they must be the same",
            fm.line("lang"),
            "lang",
        )
    try:
        babel.Locale.parse(lang.replace("-", "_"))
    except (ValueError, babel.UnknownLocaleError):
        problems.add(f"unknown language code {lang!r} in the file name; use en, es, fr, zh-Hans")
    meta["lang"] = lang
    if meta.get("translation_of") and meta["translation_of"] != slug:
        problems.add(
            f"is {meta['translation_of']!r} but the file name says {slug!r}: they must be the same",
            fm.line("translation_of"),
            "translation_of",
        )
    if meta.get("source_hash") and not HASH_RE.match(meta["source_hash"]):
        problems.add(
            "must be the 8-character content hash printed on the source's sheets, as cddb44b2",
            fm.line("source_hash"),
            "source_hash",
        )
    meta["version"] = meta.get("source_version", "")
    by = data.get("translated_by")
    meta["translated_by"] = by.strip() if isinstance(by, str) and by.strip() else None
    if _is_number(by):
        typed = _typed_value(fm_lines, fm.line("translated_by"), "translated_by") or str(by)
        problems.add(
            f'write it in quotes, as translated_by: "{typed}"',
            fm.line("translated_by"),
            "translated_by",
        )
    elif by is not None and meta["translated_by"] is None:
        problems.add("must be non-empty text", fm.line("translated_by"), "translated_by")
    if not isinstance(data.get("draft", False), bool):
        problems.add("must be true or false", fm.line("draft"), "draft")
    _check_review(data, fm, problems, meta)
    return meta


def _check_review(data: dict, fm: FrontMatter, problems: Problems, meta: dict) -> None:
    """reviewed_by (text), reviewed_on and review_due (YAML dates, written YYYY-MM-DD)."""
    by = data.get("reviewed_by")
    meta["reviewed_by"] = None
    if isinstance(by, str) and by.strip():
        meta["reviewed_by"] = by.strip()
    elif _is_number(by):
        problems.add(f'write it in quotes, as reviewed_by: "{by}"', fm.line("reviewed_by"),
                     "reviewed_by")  # fmt: skip
    elif by is not None:
        problems.add(
            "must be non-empty text: the name of who reviewed the policy",
            fm.line("reviewed_by"),
            "reviewed_by",
        )
    for key in ("reviewed_on", "review_due"):
        value = data.get(key)
        meta[key] = None
        if value is None:
            continue
        if isinstance(value, datetime):
            hint = " without a time, like 2026-10-01"
        elif isinstance(value, date):
            meta[key] = value
            continue
        elif isinstance(value, str):
            hint = f" without quotes, like 2026-10-01; got {value!r}"
        else:
            hint = f", like 2026-10-01; got {value!r}"
        problems.add(f"must be a date written as YYYY-MM-DD{hint}", fm.line(key), key)


def _review_pairs(fm: FrontMatter, problems: Problems, meta: dict) -> None:
    """A review is who and when: reviewed_by and reviewed_on come together (either alone
    printed no review line, and a translation counted as reviewed without a date); the next
    review falls due after the last one."""
    if meta["reviewed_by"] and fm.data.get("reviewed_on") is None:
        problems.add(
            "is required with reviewed_by: the date of that review, written YYYY-MM-DD",
            fm.line("reviewed_by"),
            "reviewed_on",
        )
    if meta["reviewed_on"] and fm.data.get("reviewed_by") is None:
        problems.add(
            "is required with reviewed_on: the name of who did that review",
            fm.line("reviewed_on"),
            "reviewed_by",
        )
    done, due = meta["reviewed_on"], meta["review_due"]
    if done and due and due <= done:
        problems.add(
            f"is {due}, not after the review on {done} (reviewed_on): the next review is due "
            "after the last",
            fm.line("review_due"),
            "review_due",
        )


def _check_phases(fm: FrontMatter, sections: dict, problems: Problems) -> tuple[Phase, ...]:
    items = fm.data.get("phases")
    if items is None:
        problems.add(
            "is required: a list of phases with label, start, end and section", fm.line(), "phases"
        )
        return ()
    if not isinstance(items, list) or not items:
        problems.add("must be a non-empty list of phases", fm.line("phases"), "phases")
        return ()
    if len(items) > MAX_PHASES:
        problems.add(
            f"has {len(items)} phases; at most {MAX_PHASES}, as many as the plan on page 1 holds",
            fm.line("phases"),
            "phases",
        )
    phases = []
    for index, item in enumerate(items):
        where = f"phases[{index + 1}]"
        if not isinstance(item, dict):
            problems.add(
                "must be a mapping with label, start, end and section",
                fm.line("phases", index),
                where,
            )
            continue
        _unknown_keys(item, PHASE_KEYS, ("phases", index), fm, problems, where)
        phase = _check_phase(item, ("phases", index), where, fm, sections, problems)
        if phase:
            phases.append(phase)
    for index, (before, after) in enumerate(pairwise(phases), start=2):
        if after.start < before.start:
            problems.add(
                f"phases must be in order of start day: {after.start} comes after {before.start}",
                fm.line("phases", index - 1, "start"),
                f"phases[{index}].start",
            )
    for index, item in enumerate(items[:-1]):
        if isinstance(item, dict) and item.get("end") is None:
            problems.add(
                "only the last phase may be open-ended (no end)",
                fm.line("phases", index),
                f"phases[{index + 1}]",
            )
    return tuple(phases)


def _check_phase(item, path, where, fm, sections, problems) -> Phase | None:
    ok = True
    label = item.get("label")
    if _is_number(label):
        problems.add(f'label: write it in quotes, as label: "{label}"',
                     fm.line(*path, "label"), where)  # fmt: skip
        ok = False
    elif not isinstance(label, str) or not label.strip():
        problems.add("label: is required text, e.g. 'Day 1'", fm.line(*path, "label"), where)
        ok = False
    start = _bound(item.get("start"), fm.line(*path, "start"), f"{where}.start", problems)
    end = None
    if item.get("end") is not None:
        end = _bound(item.get("end"), fm.line(*path, "end"), f"{where}.end", problems, True)
        ok = ok and end is not None
    ok = ok and start is not None
    if ok and start and end and end.day < start.day:
        problems.add(
            f"ends (day {end.day}) before it starts (day {start.day})",
            fm.line(*path, "end"),
            f"{where}.end",
        )
        ok = False
    overlaps = item.get("overlaps", False)
    if not isinstance(overlaps, bool):
        problems.add("must be true or false", fm.line(*path, "overlaps"), f"{where}.overlaps")
        ok = False
    section = item.get("section")
    if section is None:
        problems.add(
            "is required: the id of its '## Heading {#id}' section in the body",
            fm.line(*path),
            f"{where}.section",
        )
        ok = False
    elif not isinstance(section, str) or section not in sections:
        known = ", ".join(sections) or "none: add '## Heading' lines to the body"
        problems.add(
            f"no section {section!r} in the body; sections: {known}",
            fm.line(*path, "section"),
            f"{where}.section",
        )
        ok = False
    if not ok or start is None:
        return None
    plain = start.plain and (end is None or end.plain)
    return Phase(
        label.strip(),
        start.day,
        None if end is None else end.day,
        section,
        overlaps,
        None if plain else (start, end),
    )


def _bound(value, line, where, problems, end=False) -> timeline.Bound | None:
    """A phase's start or end as written, or None with the problem reported."""
    bound = timeline.read(value)
    if isinstance(bound, timeline.Bound):
        return bound
    if end:
        bound = bound.replace("; got", ", or leave end out for an open-ended phase; got", 1)
    problems.add(bound, line, where)
    return None


RAW_HTML_RE = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)(\s[^<>]*)?/?>|<!--")
IMAGE_RE = re.compile(r"!\[[^\]]*\][(\[]")  # ![alt](src) and ![alt][ref]
LINK_RE = re.compile(r"(?<!!)\[[^\]]*\]\(\s*<?([^)\s>]*)")
REFERENCE_RE = re.compile(
    r"""^ {0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*$"""
)  # [ref]: target, for [text][ref]


def _markup_warnings(fm: FrontMatter, warnings: Problems) -> None:
    """Markup the sheet will not carry: raw HTML, images, links to files or pages on disk."""
    in_fence = False
    for number, line in enumerate(fm.body.splitlines(), start=fm.body_line):
        if FENCE_RE.match(line):
            in_fence = not in_fence
        if in_fence:
            continue
        for match in RAW_HTML_RE.finditer(line):
            tag = (match[1] or "").lower()
            if tag not in ALLOWED_TAGS or match[2]:  # a tag, or attributes, nh3 will drop
                warnings.add(
                    f"raw HTML ({match[0][:40]}) will be removed; write it in markdown", number
                )
                break
        if IMAGE_RE.search(line):
            warnings.add("an image will be removed: sheets carry text only", number)
        for target in [*LINK_RE.findall(line), *REFERENCE_RE.findall(line)]:
            if not target.lower().startswith(LINK_SCHEMES):
                warnings.add(
                    f"the link to {target[:60]!r} will be removed: only https, http, mailto "
                    "and tel links are kept",
                    number,
                )


def _catalog_warning(lang: str, fm: FrontMatter, warnings: Problems) -> None:
    """A language aftercare ships no catalog for gets its dates from Babel, but the sheet's
    labels in English: worth knowing before a patient is handed one."""
    if i18n.language(lang) is None:
        try:
            name = babel.Locale.parse(lang.replace("-", "_")).get_display_name("en")
        except (ValueError, babel.UnknownLocaleError):
            return  # an unknown code is a problem of its own
        warnings.add(
            "the sheet's own words (such as 'Your plan' and 'Page 1 of 2') print in English: "
            f"aftercare has no catalog for {name} ({lang}) yet; see translations/README.md",
            fm.line("lang"),
            "lang",
        )


def _phase_warnings(phases: tuple[Phase, ...], fm: FrontMatter, warnings: Problems) -> None:
    """Phases that overlap by more than a shared boundary day (unless they say they mean
    to), leave gaps, start late, or share a section."""
    _shared_sections(phases, fm, warnings)
    if phases and phases[0].start > 0:
        warnings.add(
            f"the first phase starts on day {phases[0].start}: the procedure day (day 0) is "
            "in no phase",
            fm.line("phases", 0, "start"),
            "phases[1].start",
        )
    # Each phase is measured against the one before it that reaches furthest: after days 0-10
    # and 2-3, a phase from day 5 overlaps days 5-10 of phase 1, and no day falls in no phase.
    reach, furthest = (phases[0].end, 1) if phases else (None, 0)
    for index, phase in enumerate(phases[1:], start=2):
        if reach is None:
            break  # an open-ended phase is the last one (a problem reported on its own)
        where = f"phases[{index}].start"
        line = fm.line("phases", index - 1, "start")
        if phase.start < reach and not phase.overlaps:
            until = reach if phase.end is None else min(reach, phase.end)
            which = "the phase before" if furthest == index - 1 else f"phase {furthest}"
            warnings.add(
                f"overlaps {which} by {until - phase.start + 1} days (days "
                f"{phase.start}-{until}); phases may share only their boundary day (say "
                "`overlaps: true` in the phase when it is meant)",
                line,
                where,
            )
        elif phase.start > reach + 1:
            if phase.start == reach + 2:
                gap = f"day {reach + 1} falls"
            else:
                gap = f"days {reach + 1}-{phase.start - 1} fall"
            warnings.add(f"{gap} in no phase", line, where)
        if phase.end is None or phase.end > reach:
            reach, furthest = phase.end, index


def _shared_sections(phases: tuple[Phase, ...], fm: FrontMatter, warnings: Problems) -> None:
    """A section that several phases point at: its heading lists each with its dates."""
    numbers: dict[str, list[int]] = {}
    for number, phase in enumerate(phases, start=1):
        numbers.setdefault(phase.section, []).append(number)
    for section, sharing in numbers.items():
        if len(sharing) > 1:
            listed = ", ".join(map(str, sharing[:-1])) + f" and {sharing[-1]}"
            warnings.add(
                f"section {section!r} is shared by phases {listed}: its heading lists each of "
                "them with its dates; give a phase a section of its own where its advice differs",
                fm.line("phases", sharing[1] - 1, "section"),
                f"phases[{sharing[1]}].section",
            )


def _typed_value(lines: list[str], line: int | None, key: str) -> str | None:
    """The value of `key:` as typed on file line `line` (YAML reads 1.10 as 1.1)."""
    if line is None or not 0 < line <= len(lines):
        return None
    match = re.match(rf"\s*{re.escape(key)}\s*:\s*([^\s#]+)", lines[line - 1])
    return match[1] if match else None


def _is_number(value) -> bool:
    """Whether YAML read a value as a number (12345678, 1.0, 1e3): text must be quoted."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def _unknown_keys(data: dict, allowed: set, path: tuple, fm, problems, prefix=None) -> None:
    for key in data:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = (
                f"; did you mean {close[0]!r}?"
                if close
                else f"; known keys: {', '.join(sorted(allowed))}"
            )
            field = f"{prefix}.{key}" if prefix else str(key)
            problems.add(f"unknown key{hint}", fm.line(*path, key), field)


def _split_body(fm: FrontMatter, problems: Problems) -> list[Block]:
    """Cut the body at '## ' headings and thematic breaks into blocks of safe HTML."""
    chunks: list[tuple[str | None, str | None, list[str]]] = [(None, None, [])]
    seen: dict[str, int] = {}
    in_fence = False
    previous_blank = True
    for number, line in enumerate(fm.body.splitlines(), start=fm.body_line):
        if FENCE_RE.match(line):
            in_fence = not in_fence
        heading = None if in_fence else HEADING_RE.match(line)
        if heading:
            title = heading["title"]
            section_id = heading["id"] if heading["id"] is not None else _slugify(title)
            if not SLUG_RE.match(section_id or ""):
                problems.add(
                    f"section id {section_id!r} must be lower-case letters, digits "
                    "and '-', as in {#day-1}",
                    number,
                )
            elif section_id in seen:
                problems.add(
                    f"section id {section_id!r} is already used on line {seen[section_id]}", number
                )
            seen[section_id] = number
            chunks.append((section_id, title, []))
        elif not in_fence and previous_blank and BREAK_RE.match(line):
            chunks.append((None, None, []))
        else:
            chunks[-1][2].append(line)
        previous_blank = not line.strip()
    blocks = [
        Block(to_safe_html("\n".join(lines)), sid, title)
        for sid, title, lines in chunks
        if sid or "".join(lines).strip()
    ]
    if not blocks:
        problems.add("the policy has no text after its front matter", fm.body_line)
    return blocks


# Lists nest at two or three spaces and a backslash breaks a line, as editors write them.
_markdown = markdown.Markdown(
    extensions=["sane_lists", "smarty", "tables", CommonMarkLists()], output_format="html"
)


def to_safe_html(text: str) -> str:
    """Markdown -> HTML that can only be text structure (see ALLOWED_TAGS)."""
    html = _markdown.reset().convert(text)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_keep_attribute,
        link_rel="noopener noreferrer",
        url_schemes={s.rstrip(":") for s in LINK_SCHEMES},
    )


def _keep_attribute(tag: str, name: str, value: str) -> str | None:
    if name == "href" and not value.lower().startswith(LINK_SCHEMES):
        return None  # relative links would resolve to local files
    return value


def _slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
