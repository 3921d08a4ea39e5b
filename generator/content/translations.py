"""Translated policies: which may be issued, and why the others may not.

A translation (`content/<slug>.<lang>.md`) names the source version and content hash it was
made from. It is issued only when it is current (that hash is the source's hash now) and
reviewed (`reviewed_by` is set: a qualified human has checked it; the 2024 Section 1557 rule
asks this of machine translations of critical documents). Once offered for one text of its
source, it comes back after that text changes only with a review of its own later than the
one it was offered with (`review_record`): a new `source_hash` alone is not a review. Its
phases must have the source's days; only their labels are translated.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import babel

from generator.content.frontmatter import split
from generator.content.policy import Policy
from generator.content.review_record import Offered
from generator.errors import Problem

# Why a translation may not be issued: the desk's banner says what each takes to fix.
STALE, UNREVIEWED, DRAFT = "stale", "unreviewed", "draft"


@dataclass(frozen=True)
class Translation:
    """A translation and, when it may not be issued, why: its `kind` (STALE, UNREVIEWED,
    DRAFT), in words (`why`: "not reviewed"), and what its editor must do (`todo`). The desk
    and the API give the why; `check` both."""

    policy: Policy
    kind: str | None = None
    why: str | None = None
    todo: str | None = None

    @property
    def issuable(self) -> bool:
        return self.kind is None

    @property
    def reason(self) -> str | None:
        """Why it may not be issued and what to do, as `check` says it."""
        return f"{self.why}: {self.todo}" if self.why and self.todo else self.why


def language_name(code: str, in_language: str = "en") -> str:
    """The language's name ("Spanish"; "español" in "es"), or the code if Babel lacks it."""
    try:
        return (
            babel.Locale.parse(code.replace("-", "_")).get_display_name(
                in_language.replace("-", "_")
            )
            or code
        )
    except (ValueError, babel.UnknownLocaleError):
        return code


def paired(source: Policy, translation: Policy) -> Policy:
    """The translation with its source policy: the sheet names the source's clinical
    reviewer, apart from whoever reviewed the translation."""
    return dataclasses.replace(translation, source_policy=source)


def check(
    source: Policy, translation: Policy, before: Offered | None = None
) -> tuple[list[Problem], Translation]:
    """Problems that make the translation unusable (its days differ from the source's), and
    the translation, paired with its source, with the reason it may not be issued now, if any.
    `before`: what it was last offered with (`review_record`), if it was; offered for another
    text of the source, its review then is one it must now have a later one than."""
    problems = _phase_problems(source, translation)
    translation = paired(source, translation)
    earlier = before if before and before.source_hash != source.clinical_hash else None
    if translation.source_hash not in (source.clinical_hash, source.content_hash):
        why = (
            f"made from version {translation.source_version} ({translation.source_hash}); "
            f"the {language_name(source.lang)} policy is now {source.version} "
            f"({source.clinical_hash})"
        )
        todo = "update the translation, then its source_version and source_hash"
        if earlier:
            todo += f", and record a new review of it: {_new_review(earlier)}"
        return problems, Translation(translation, STALE, why, todo)
    if not translation.reviewed_by:
        todo = "a qualified translator must check it, then add reviewed_by and reviewed_on"
        if earlier:
            todo = f"{todo} (later than {earlier.reviewed_on.isoformat()})"
        return problems, Translation(translation, UNREVIEWED, "not reviewed", todo)
    if earlier and not (translation.reviewed_on and translation.reviewed_on > earlier.reviewed_on):
        why = (
            f"not reviewed since the {language_name(source.lang)} text changed (it was offered "
            f"with its review of {earlier.reviewed_on.isoformat()}, of the earlier text "
            f"{earlier.source_hash})"
        )
        todo = (
            "a qualified translator must check it against the new text, then record that "
            f"review: {_new_review(earlier)}"
        )
        return problems, Translation(translation, UNREVIEWED, why, todo)
    if translation.draft:
        return problems, Translation(translation, DRAFT, "is a draft (draft: true)")
    return problems, Translation(translation)


def _new_review(earlier: Offered) -> str:
    return f"reviewed_by and a reviewed_on later than {earlier.reviewed_on.isoformat()}"


def warning(translation: Translation) -> Problem:
    """The reason as a warning for `check` and the desk's banner."""
    policy = translation.policy
    return Problem(
        f"{language_name(policy.lang)} translation not offered: {translation.reason}",
        policy.path,
    )


def _written(phase, key: str) -> str:
    """A phase's start or end as its policy writes it ("day 3", "48h", "-7", "7-10d"), or
    "open-ended"."""
    bound = phase.start_bound if key == "start" else phase.end_bound
    if bound is None:
        return "open-ended"
    return f"day {bound.day}" if bound.plain else bound.text


def _phase_problems(source: Policy, translation: Policy) -> list[Problem]:
    front = split(translation.source.decode("utf-8-sig"))
    if len(translation.phases) != len(source.phases):
        return [
            Problem(
                f"has {len(translation.phases)} phases; the source ({source.file_name}) has "
                f"{len(source.phases)}: a translation has the same phases, with the same days",
                translation.path,
                front.line("phases"),
                "phases",
            )
        ]
    problems = []
    for index, (mine, theirs) in enumerate(zip(translation.phases, source.phases, strict=True)):
        for key in ("start", "end"):
            shown, source_shown = _written(mine, key), _written(theirs, key)
            if shown != source_shown:
                days = all(text[0] in "do" for text in (shown, source_shown))  # day 3, open-ended
                kept = "days stay the source's" if days else "bounds stay as the source writes them"
                problems.append(
                    Problem(
                        f"is {shown}; the source's is {source_shown}: only labels are "
                        f"translated, {kept}",
                        translation.path,
                        front.line("phases", index, key) or front.line("phases", index),
                        f"phases[{index + 1}].{key}",
                    )
                )
    return problems
