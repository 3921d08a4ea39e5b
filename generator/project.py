"""A clinic's content folder opened for a command that runs once: the clinic profile and
its policies read and validated (strictly: every problem reported before anything is
written), with a warm sheet maker on demand."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from generator.content import clinic as clinic_module
from generator.content import loader
from generator.content import patient as patient_module
from generator.content import policy as policy_module
from generator.content import translations as languages
from generator.content.review_record import ReviewRecord
from generator.content.translations import Translation
from generator.errors import AftercareError, Problem
from generator.paths import CONTENT, NO_CONTENT
from generator.render.digest import fingerprint
from generator.sheet.model import DEFAULT_OPTIONS, Options, combination_problems

if TYPE_CHECKING:
    from generator.render.pdf import Renderer, Result
from generator.render.maker import SheetMaker


class Project:
    """A content folder and clinic profile, read and validated, with a warm renderer on demand.

    Strict: for commands that run once and must report every problem before writing. Every
    look-up raises AftercareError with the problems when it cannot answer: `policy(slug)`,
    `policies()`, `policy_in(slug, lang)` (a translation, if it may be issued) and
    `policies_in(slugs, lang)` (the policies of one sheet). The desk's `content.live.Content`
    answers None instead (`find`), since it serves whatever is good.
    """

    def __init__(self, content_dir: Path | None = None, clinic_file: Path | None = None):
        self.content_dir = Path(content_dir or CONTENT)
        if not self.content_dir.is_dir():
            raise AftercareError(Problem(NO_CONTENT, self.content_dir))
        self.clinic_file = Path(clinic_file or self.content_dir / "clinic.toml")
        self.clinic = clinic_module.load(self.clinic_file)
        self.maker = SheetMaker(self.content_dir)
        self.templates = self.maker.templates
        self._policies: dict[str, policy_module.Policy] = {}
        self._translations: dict[str, dict[str, Translation]] = {}
        self._record: ReviewRecord | None = None  # what translations were offered with

    @property
    def renderer(self) -> Renderer:
        """The warm renderer of this process."""
        return self.maker.renderer

    def slugs(self) -> list[str]:
        """Slugs of every policy file in the content folder."""
        return list(loader.policy_files(self.content_dir))

    def policy(self, slug: str) -> policy_module.Policy:
        """One policy, read and validated once."""
        if slug not in self._policies:
            self._policies[slug] = loader.read_policy(policy_module.find(self.content_dir, slug))
        return self._policies[slug]

    def translations(self, slug: str) -> dict[str, Translation]:
        """The translations of a policy, by language, each with why it may not be issued."""
        if slug not in self._translations:
            found: dict[str, Translation] = {}
            problems: list[Problem] = []
            for (of, lang), path in loader.translation_files(self.content_dir).items():
                if of != slug:
                    continue
                if self._record is None:
                    self._record = ReviewRecord(self.content_dir)
                read = loader.read_translation({slug: self.policy(slug)}, slug, path, self._record)
                problems.extend(read.problems)
                if read.translation is not None and not read.problems:
                    found[lang] = read.translation
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

    def policies(self, drafts: bool = False) -> list[policy_module.Policy]:
        """Every policy (drafts too if `drafts`), with the problems of all files reported
        together: strict, any broken file is an error."""
        loaded, problems = [], []
        for slug in self.slugs():
            try:
                loaded.append(self.policy(slug))
            except AftercareError as exc:
                problems.extend(exc.problems)
        if problems:
            raise AftercareError(*problems)
        return [policy for policy in loaded if drafts or not policy.draft]

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
