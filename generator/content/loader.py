"""Reading a content folder: the one set of rules for which files are policies and
translations, and how a translation is read against its source.

Three readers use it, each with its own policy on failure: `generator.project.Project`
(strict: any problem stops the command), `content.live.LiveContent` (a broken file leaves its
last good version in service) and `aftercare check` (reports everything). Each judges a
translation against the record of what it was last offered with (`review_record`), and adds
to that record what it offers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from generator.content import policy as policy_module
from generator.content import translations
from generator.content.policy import Policy
from generator.content.review_record import ReviewRecord
from generator.content.translations import Translation
from generator.errors import AftercareError, Problem


def policy_files(content_dir: Path) -> dict[str, Path]:
    """Every policy file of the folder, by slug (notes such as README.md are not policies)."""
    return policy_module.policy_paths(content_dir)


def translation_files(content_dir: Path) -> dict[tuple[str, str], Path]:
    """Every translation file of the folder, by (source slug, language)."""
    return policy_module.translation_paths(content_dir)


def read_policy(path: Path) -> Policy:
    """One policy, read and validated; raises AftercareError with every problem."""
    return policy_module.load(path)


@dataclass(frozen=True)
class TranslationRead:
    """A translation file read against its source: the file as read (None if it cannot be
    read), the translation paired with its source (None without one), and the problems that
    make it unusable (none: it is usable)."""

    read: Policy | None
    translation: Translation | None
    problems: tuple[Problem, ...]


def read_translation(
    sources: Mapping[str, Policy], slug: str, path: Path, record: ReviewRecord | None = None
) -> TranslationRead:
    """The translation in `path` read against its source policy `slug` (and `record`, see
    `judge`). Problems make it unusable (it cannot be read, its source is missing, its days
    differ); a usable one that may not be issued (stale, unreviewed, a draft) says why in
    `Translation.kind` instead."""
    try:
        translated = read_policy(path)
    except AftercareError as exc:
        return TranslationRead(None, None, tuple(exc.problems))
    source = sources.get(slug)
    if source is None:
        missing = Problem(f"translates {slug!r}, but there is no {slug}.md to translate", path)
        return TranslationRead(translated, None, (missing,))
    broken, translation = judge(source, translated, record)
    return TranslationRead(translated, translation, tuple(broken))


def judge(
    source: Policy, translated: Policy, record: ReviewRecord | None
) -> tuple[list[Problem], Translation]:
    """`translations.check` with what the translation was last offered with, from `record`:
    one offered (usable and issuable) is recorded with its review; with a record that cannot
    be read, none is offered. Without a record (None), the translation is judged alone."""
    if record is None:
        return translations.check(source, translated)
    before = record.last(source.slug, translated.lang)
    broken, translation = translations.check(source, translated, before)
    if broken or not translation.issuable:
        return broken, translation
    if record.damaged is not None:
        why = f"its earlier reviews cannot be looked up: {record.damaged}"
        return broken, Translation(translation.policy, translations.UNREVIEWED, why)
    if translated.reviewed_on is not None:
        record.offer(source.slug, translated.lang, source.clinical_hash, translated.reviewed_on)
    return broken, translation
