"""A clinic's content (policies and clinic profile), read and validated, and the sheets made
from it: `Project` for commands that run once, `LiveContent` for the desk, which keeps
serving the last good version of a file while its new version has problems."""

from __future__ import annotations

import dataclasses
import gc
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from . import clinic as clinic_module
from . import languages
from . import patient as patient_module
from . import policy as policy_module
from .errors import AftercareError, Problem
from .files import write_atomic
from .fitting import CalendarFitting
from .languages import Translation
from .manifest import fingerprint
from .paths import CONTENT, SHEETS
from .render import Templates
from .sheet import DEFAULT_OPTIONS, Options, as_policies, combination_problems
from .sheet import build as build_sheet

if TYPE_CHECKING:
    from .pdf import Renderer, Result
    from .reuse import Reuse


_settled = False


def settle() -> None:
    """Once per process, after its first sheet: what is alive then (WeasyPrint's fonts and
    styles, Babel's locales, the templates, the caches) lives as long as the process, so it is
    collected once and moved out of the cyclic garbage collector's reach (`gc.freeze`). Every
    later collection walks only what later sheets made: a warm render costs about a fifth less
    (bench/bench.py). What is frozen is never freed: only what lives as long as the process
    should be alive then, which is why this waits for the first sheet to be made."""
    global _settled
    if not _settled:
        _settled = True
        gc.collect()
        gc.freeze()


class SheetMaker:
    """Templates and a warm renderer: (clinic, policy, patient) in, PDF out.

    It reads no content itself, so a desk worker can render whatever version of the content
    the desk decided to serve.
    """

    def __init__(self, content_dir: Path):
        self.content_dir = Path(content_dir)
        self.templates = Templates()
        self._renderer: Renderer | None = None
        self._reuse: Reuse | None = None

    @property
    def renderer(self) -> Renderer:
        """The renderer, made on first use: WeasyPrint, fonts and CSS load once per process."""
        if self._renderer is None:
            from .pdf import Renderer  # imported late: commands that render nothing start fast

            self._renderer = Renderer(self.content_dir)
        return self._renderer

    @property
    def reuse(self) -> Reuse:
        """This process's bases of the sheets made so far, by kind (see reuse.py)."""
        if self._reuse is None:
            from .reuse import Reuse  # imported late, as the renderer is

            self._reuse = Reuse(lambda: self.renderer, self.templates.sheet_html, self._fitting)
        return self._reuse

    def _fitting(self, sheet):
        """The sheet's HTML variants and the check of each layout (see fitting.py)."""
        fitting = CalendarFitting(self.templates, sheet)
        return fitting.variants(), fitting.fits

    def render(
        self,
        clinic: clinic_module.Clinic,
        policies: policy_module.Policy | Sequence[policy_module.Policy],
        patient: patient_module.Patient | None,
        today: date | None = None,
        options: Options = DEFAULT_OPTIONS,
        *,
        full: bool = False,
    ) -> Result:
        """One sheet of one policy or of up to three done on the same day (a blank handout
        when `patient` is None); drafts only with options.draft; no personalised sheet of a
        policy overdue for review if the clinic refuses them.

        A personalised sheet is made from its kind's base when it can be (reuse.py): the
        same sheet as a full render, for a fraction of the cost; `full` forces the full
        render (tests and the benchmark compare the two)."""
        today = today or date.today()
        chosen = as_policies(policies)
        problems = []
        for policy in chosen:
            if policy.draft and not options.draft:
                problems.append(
                    Problem(
                        "is a draft (draft: true), not for patients; print it with --draft to "
                        "review it (every page then says DRAFT)",
                        policy.path,
                    )
                )
            refusal = clinic.review_refusal(policy, today) if patient is not None else None
            if refusal:
                problems.append(refusal)
        if problems:
            raise AftercareError(*problems)
        sheet = build_sheet(clinic, chosen, patient, today, options)
        result = None
        if not full and patient is not None:
            result = self.reuse.render(sheet, options.archival)
        if result is None:
            variants, fits = self._fitting(sheet)
            result = self.renderer.render_first_fitting(variants, fits, options.archival)
        settle()
        return result


class Project:
    """A content folder and clinic profile, read and validated, with a warm renderer on demand.

    Strict: for commands that run once and must report every problem before writing.
    """

    def __init__(self, content_dir: Path | None = None, clinic_file: Path | None = None):
        self.content_dir = Path(content_dir or CONTENT)
        if not self.content_dir.is_dir():
            raise AftercareError(Problem("content folder not found", self.content_dir))
        self.clinic_file = Path(clinic_file or self.content_dir / "clinic.toml")
        self.clinic = clinic_module.load(self.clinic_file)
        self.maker = SheetMaker(self.content_dir)
        self.templates = self.maker.templates
        self._policies: dict[str, policy_module.Policy] = {}
        self._translations: dict[str, dict[str, Translation]] = {}

    @property
    def renderer(self) -> Renderer:
        """The warm renderer of this process."""
        return self.maker.renderer

    def policy_slugs(self) -> list[str]:
        """Slugs of every policy file in the content folder."""
        return list(policy_module.policy_paths(self.content_dir))

    def policy(self, slug: str) -> policy_module.Policy:
        """One policy, read and validated once."""
        if slug not in self._policies:
            self._policies[slug] = policy_module.load(policy_module.find(self.content_dir, slug))
        return self._policies[slug]

    def translations(self, slug: str) -> dict[str, Translation]:
        """The translations of a policy, by language, each with why it may not be issued."""
        if slug not in self._translations:
            source = self.policy(slug)
            found, problems = {}, []
            for (of, lang), path in policy_module.translation_paths(self.content_dir).items():
                if of != slug:
                    continue
                try:
                    broken, translation = languages.check(source, policy_module.load(path))
                except AftercareError as exc:
                    problems.extend(exc.problems)
                    continue
                problems.extend(broken)
                found[lang] = translation
            if problems:
                raise AftercareError(*problems)
            self._translations[slug] = found
        return self._translations[slug]

    def policy_in(
        self, slug: str, lang: str | None, draft: bool = False, today: date | None = None
    ) -> policy_module.Policy:
        """The policy in language `lang` (None: its own). A translation that is stale or not
        reviewed is refused with the reason, unless `draft` (printed with DRAFT on it); so is
        one whose source is overdue for review when the clinic refuses those."""
        source = self.policy(slug)
        if lang is None or lang == source.lang:
            return source
        refusal = self.clinic.review_refusal(source, today or date.today())
        if refusal is not None:
            raise AftercareError(refusal)
        translations = self.translations(slug)
        if lang not in translations:
            known = ", ".join([source.lang, *translations]) or source.lang
            raise AftercareError(
                Problem(f"{slug} has no {lang!r} translation; languages: {known}", field="lang")
            )
        translation = translations[lang]
        if translation.issuable:
            return translation.policy
        if not draft:
            raise AftercareError(
                Problem(
                    f"the {languages.language_name(lang)} translation cannot be issued: "
                    f"{translation.reason} (--draft prints it for review)",
                    translation.policy.path,
                    field="lang",
                )
            )
        return dataclasses.replace(translation.policy, draft=True)

    def loaded_policies(self) -> dict[str, policy_module.Policy]:
        """The policies read so far, by slug (for worker processes)."""
        return dict(self._policies)

    def preload(self, policies: dict[str, policy_module.Policy]) -> None:
        """Use policies already read and validated elsewhere."""
        self._policies.update(policies)

    def all_policies(self) -> list[policy_module.Policy]:
        """Every policy, drafts included, with the problems of all files reported together."""
        loaded, problems = [], []
        for slug in self.policy_slugs():
            try:
                loaded.append(self.policy(slug))
            except AftercareError as exc:
                problems.extend(exc.problems)
        if problems:
            raise AftercareError(*problems)
        return loaded

    def issuable_policies(self) -> list[policy_module.Policy]:
        """Every policy but drafts (strict: any broken file is an error)."""
        return [policy for policy in self.all_policies() if not policy.draft]

    def render(
        self,
        slugs: str | Sequence[str],
        patient: patient_module.Patient | None,
        today: date | None = None,
        options: Options = DEFAULT_OPTIONS,
        lang: str | None = None,
    ) -> Result:
        """Render one sheet (a blank handout when `patient` is None) of a policy, or of up to
        three done on the same day, in `lang` if given."""
        policies = self.policies_in(slugs, lang, options.draft, today)
        return self.maker.render(self.clinic, policies, patient, today, options)

    def policies_in(
        self,
        slugs: str | Sequence[str],
        lang: str | None,
        draft: bool = False,
        today: date | None = None,
    ) -> list[policy_module.Policy]:
        """The policies of one sheet, each in `lang` (see policy_in); every problem of every
        policy is reported together."""
        chosen = [slugs] if isinstance(slugs, str) else list(slugs)
        problems = combination_problems(chosen)
        found = []
        for slug in dict.fromkeys(chosen):
            try:
                found.append(self.policy_in(slug, lang, draft, today))
            except AftercareError as exc:
                problems.extend(exc.problems)
        if problems:
            raise AftercareError(*problems)
        return found

    def fingerprint(self, policies: list[policy_module.Policy], *extra: str) -> str:
        """A digest of everything a handout or page is made from: rebuild when it changes."""
        paths = (self.clinic.path, self.clinic.logo, *(p.path for p in policies))
        return fingerprint(paths, *extra)


@dataclass(frozen=True)
class ContentProblem:
    """A content file with problems, and what the desk serves meanwhile."""

    problem: Problem
    serving: str  # "still printing version 1.0", "not offered until it is fixed"


# What becomes of what a warning is about, besides a translation's kind (languages.STALE...).
PRINTED = "printed"  # printed as it is
REFUSED = "refused"  # a policy overdue for review, and the clinic refuses those


@dataclass(frozen=True)
class ContentWarning:
    """A warning about the content being served, and what becomes of what it is about: PRINTED,
    REFUSED, or a translation not offered (its kind: languages.STALE, UNREVIEWED, DRAFT)."""

    problem: Problem
    effect: str


@dataclass(frozen=True)
class Content:
    """One consistent version of the content: the clinic, the last good policies, problems."""

    clinic: clinic_module.Clinic
    policies: dict[str, policy_module.Policy]  # by slug, drafts included
    problems: tuple[ContentProblem, ...] = ()
    translations: dict[str, dict[str, Translation]] = dataclasses.field(default_factory=dict)
    gone: tuple[str, ...] = ()  # policies offered since the desk started whose file is gone

    def languages(self, slug: str) -> list[str]:
        """The languages a sheet of `slug` can be issued in: its own, then ready translations."""
        policy = self.policies.get(slug)
        if policy is None:
            return []
        ready = [lang for lang, t in self.translations.get(slug, {}).items() if t.issuable]
        return [policy.lang, *sorted(ready)]

    def policy_in(self, slug: str, lang: str | None) -> policy_module.Policy | None:
        """The issuable version of `slug` in `lang` (None: its own language), if there is one."""
        policy = self.policies.get(slug)
        if policy is None or lang is None or lang == policy.lang:
            return policy
        translation = self.translations.get(slug, {}).get(lang)
        return translation.policy if translation and translation.issuable else None

    @property
    def warnings(self) -> tuple[ContentWarning, ...]:
        """What `aftercare check` would warn about in the policies being served, today's
        review dates included (worked out when asked: they change with the day), each with
        what becomes of it; a review so overdue that the clinic refuses its sheets says so
        instead (REFUSED), and a translation that may not be issued says why (its kind)."""
        today = date.today()
        warnings: list[ContentWarning] = []
        for policy in self.policies.values():
            warnings += [ContentWarning(w, PRINTED) for w in policy.warnings]
            refusal = self.clinic.review_refusal(policy, today)
            if refusal:
                warnings.append(ContentWarning(refusal, REFUSED))
            else:
                warnings += [ContentWarning(w, PRINTED) for w in policy.review_warnings(today)]
        for found in self.translations.values():
            warnings += [
                ContentWarning(languages.warning(t), t.kind)
                for t in found.values()
                if t.kind is not None
            ]
        return tuple(warnings)

    def offered(self) -> list[policy_module.Policy]:
        """The policies staff may issue: every last good one that is not a draft."""
        return [p for p in self.policies.values() if not p.draft]


GONE = "not offered until its file is back"


def gone_problem(content_dir: Path, slug: str) -> Problem:
    """A policy the desk offered whose file was deleted, renamed or cannot be seen."""
    return Problem(
        "was offered and its file is gone (deleted, renamed or moved): put it back to offer "
        "it again; sheets already issued reprint from the register",
        Path(content_dir) / f"{slug}.md",
    )


class LiveContent:
    """The content a long-running desk serves, reloaded when a file changes.

    A file that validates replaces its old version; one that does not leaves the last good
    version in service and is reported as a problem. Checks cost a few `stat` calls and
    happen at most once per `interval` seconds, when the content is asked for.
    """

    def __init__(self, content_dir: Path, clinic_file: Path | None = None, interval=1.0):
        self.content_dir = Path(content_dir)
        self.clinic_file = Path(clinic_file or self.content_dir / "clinic.toml")
        self.interval = interval
        self._lock = threading.Lock()
        self._checked = 0.0
        self._signature: tuple = ()
        self._content: Content | None = None
        self.current()  # the first load must have a clinic profile that validates

    def current(self) -> Content:
        """The content to serve now, reloaded first if a file changed."""
        with self._lock:
            now = time.monotonic()
            if self._content is None or now - self._checked >= self.interval:
                self._checked = now
                signature = self._files_signature()
                if self._content is None or signature != self._signature:
                    self._content = self._reload(self._content)
                    self._signature = signature
            return self._content

    def _files_signature(self) -> tuple:
        paths = [
            self.clinic_file,
            *policy_module.policy_paths(self.content_dir).values(),
            *policy_module.translation_paths(self.content_dir).values(),
        ]
        if self._content is not None:
            paths.append(self._content.clinic.logo)
        signature: list[tuple] = []
        for path in paths:
            try:
                stat = path.stat()
                signature.append((str(path), stat.st_mtime_ns, stat.st_size, stat.st_ino))
            except OSError:
                signature.append((str(path), None))
        return tuple(signature)

    def _reload(self, previous: Content | None) -> Content:
        problems: list[ContentProblem] = []
        try:
            clinic = clinic_module.load(self.clinic_file)
        except AftercareError as exc:
            if previous is None:
                raise
            clinic = previous.clinic
            serving = "still using the last good clinic profile"
            problems += [ContentProblem(p, serving) for p in exc.problems]
        policies = {}
        paths = policy_module.policy_paths(self.content_dir)
        gone = set(previous.gone if previous else ()) | set(previous.policies if previous else ())
        gone -= set(paths)  # offered since the desk started, and its file is gone now
        problems += [ContentProblem(gone_problem(self.content_dir, slug), GONE) for slug in gone]
        for slug, path in paths.items():
            try:
                policies[slug] = policy_module.load(path)
            except AftercareError as exc:
                old = previous.policies.get(slug) if previous else None
                if old is not None:
                    policies[slug] = old
                    serving = f"still printing version {old.version}"
                else:
                    serving = "not offered until it is fixed"
                problems += [ContentProblem(p, serving) for p in exc.problems]
        translations: dict[str, dict[str, Translation]] = {}
        for (slug, lang), path in policy_module.translation_paths(self.content_dir).items():
            old_one = previous.translations.get(slug, {}).get(lang) if previous else None
            try:
                if slug not in policies:
                    raise AftercareError(
                        Problem(f"translates {slug!r}, but there is no {slug}.md", path)
                    )
                broken, translation = languages.check(policies[slug], policy_module.load(path))
                if broken:
                    raise AftercareError(*broken)
            except AftercareError as exc:
                # The last good version is kept only while it still matches its source.
                kept: Translation | None = None
                if old_one is not None and slug in policies:
                    still_broken, kept = languages.check(policies[slug], old_one.policy)
                    kept = None if still_broken else kept
                serving = (
                    "still printing the last good translation"
                    if kept and kept.issuable
                    else "not offered until it is fixed"
                )
                problems += [ContentProblem(p, serving) for p in exc.problems]
                if kept is None:
                    continue
                translation = kept
            translations.setdefault(slug, {})[lang] = translation
        return Content(clinic, policies, tuple(problems), translations, tuple(sorted(gone)))


def sheet_filename(slugs: str | Sequence[str], patient: patient_module.Patient) -> str:
    """`<date>-<policy>-<name-slug>.pdf`, or `<date>-<a>+<b>-<name-slug>.pdf` for a sheet of
    several procedures: letters, digits, '-' and '+' only, so it stays put."""
    joined = slugs if isinstance(slugs, str) else "+".join(slugs)
    return f"{patient.procedure_date.isoformat()}-{joined}-{patient_module.slug(patient.name)}.pdf"


def write_sheet(
    project: Project,
    slugs: str | Sequence[str],
    patient: patient_module.Patient,
    out: Path | None = None,
    today: date | None = None,
    options: Options = DEFAULT_OPTIONS,
    lang: str | None = None,
) -> tuple[Path, Result]:
    """Render a personalised sheet and write it atomically; returns the path and the result."""
    if out is None:
        target = SHEETS / sheet_filename(slugs, patient)
    elif Path(out).is_dir() or str(out).endswith(("/", "\\")):
        target = Path(out) / sheet_filename(slugs, patient)
    else:
        target = Path(out)
    result = project.render(slugs, patient, today, options, lang)
    return write_atomic(target, result.pdf, mode=0o600), result
