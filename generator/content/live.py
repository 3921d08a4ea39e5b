"""The content a long-running desk serves: one consistent version at a time, reloaded when a
file changes, the last good version of a broken file kept in service."""

from __future__ import annotations

import dataclasses
import threading
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from generator.content import clinic as clinic_module
from generator.content import loader
from generator.content import policy as policy_module
from generator.content import translations as languages
from generator.content.review_record import ReviewRecord
from generator.content.translations import Translation
from generator.errors import AftercareError, Problem

if TYPE_CHECKING:
    pass


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

    def find(self, slug: str, lang: str | None) -> policy_module.Policy | None:
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
            *loader.policy_files(self.content_dir).values(),
            *loader.translation_files(self.content_dir).values(),
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
        paths = loader.policy_files(self.content_dir)
        gone = set(previous.gone if previous else ()) | set(previous.policies if previous else ())
        gone -= set(paths)  # offered since the desk started, and its file is gone now
        problems += [ContentProblem(gone_problem(self.content_dir, slug), GONE) for slug in gone]
        for slug, path in paths.items():
            try:
                policies[slug] = loader.read_policy(path)
            except AftercareError as exc:
                old = previous.policies.get(slug) if previous else None
                if old is not None:
                    policies[slug] = old
                    serving = f"still printing version {old.version}"
                else:
                    serving = "not offered until it is fixed"
                problems += [ContentProblem(p, serving) for p in exc.problems]
        translations: dict[str, dict[str, Translation]] = {}
        record = ReviewRecord(self.content_dir)  # read again: commands write to it too
        for (slug, lang), path in loader.translation_files(self.content_dir).items():
            found = loader.read_translation(policies, slug, path, record)
            translation = found.translation
            if found.problems:
                # The last good version is kept only while it still matches its source.
                old_one = previous.translations.get(slug, {}).get(lang) if previous else None
                kept: Translation | None = None
                if old_one is not None and slug in policies:
                    still_broken, kept = loader.judge(policies[slug], old_one.policy, record)
                    kept = None if still_broken else kept
                serving = (
                    "still printing the last good translation"
                    if kept and kept.issuable
                    else "not offered until it is fixed"
                )
                problems += [ContentProblem(p, serving) for p in found.problems]
                translation = kept
            if translation is not None:
                translations.setdefault(slug, {})[lang] = translation
        serving = "translations are offered; a new review of one is not remembered"
        problems += [ContentProblem(p, serving) for p in record.problems]
        return Content(clinic, policies, tuple(problems), translations, tuple(sorted(gone)))
