"""`aftercare handouts`: one blank handout per policy, and per combination of procedures done
on the same day that the clinic asks for (`a+b.pdf`); only what changed is rendered again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

from generator.commands.incremental import BuildReport, Manifest
from generator.content.policy import Policy
from generator.errors import AftercareError, Problem
from generator.parallel.batch_pool import Task, run
from generator.paths import HANDOUTS
from generator.project import Project
from generator.sheet.model import DEFAULT_OPTIONS, Options, combination_problems, split_slugs


def handouts(
    project: Project,
    out: Path | None = None,
    options: Options = DEFAULT_OPTIONS,
    jobs: int | None = None,
    progress=None,
    combine: Sequence[str] = (),
) -> BuildReport:
    """One blank handout per policy, per combination the clinic lists (clinic.toml
    handout_combinations) and per combination in `combine` ("a+b"), rendered again only when
    its inputs changed. The folder then holds what this build made: handouts an earlier build
    made and this one does not (a combination no longer asked for) are removed."""
    folder = Path(out or HANDOUTS)
    # Everything is read and validated before writing; drafts are not for patients.
    policies = project.policies()
    combinations = _combinations(project, project.clinic.handout_combinations, CLINIC_SETTING)
    combinations += _combinations(project, combine)
    manifest = Manifest(folder)
    options = replace(options, paper=options.paper or project.clinic.paper)
    todo, unchanged, fingerprints = [], [], {}
    for chosen, lang in _versions(project, [(p,) for p in policies] + combinations):
        slugs = tuple(policy.slug for policy in chosen)
        stem = "+".join(slugs)
        target = folder / (f"{stem}.{lang}.pdf" if lang else f"{stem}.pdf")
        fingerprint = project.fingerprint(list(chosen), "handout", options.key())
        if manifest.is_current(target, fingerprint):
            unchanged.append(target)
        else:
            fingerprints[target] = fingerprint
            todo.append(
                Task(target.name, slugs, None, target, date.today(), options, 0o644, lang=lang)
            )
    outcomes = list(run(project, todo, jobs, progress))
    errors = [o.error for o in outcomes if o.error]
    if errors:
        raise AftercareError(*errors)
    for target, fingerprint in fingerprints.items():
        manifest.record(target, fingerprint)
    removed = manifest.remove_stale()
    manifest.save()
    return BuildReport(sorted(o.path for o in outcomes if o.path), unchanged, removed)


def _versions(
    project: Project, sheets: list[tuple[Policy, ...]]
) -> list[tuple[tuple[Policy, ...], str | None]]:
    """Each sheet in its own language, then in every language all its policies may be issued
    in (`<slug>.<lang>.pdf`, `<a>+<b>.<lang>.pdf`)."""
    versions: list[tuple[tuple[Policy, ...], str | None]] = [(sheet, None) for sheet in sheets]
    for sheet in sheets:
        ready = [
            {lang: t.policy for lang, t in project.translations(p.slug).items() if t.issuable}
            for p in sheet
        ]
        for lang in sorted(set.intersection(*(set(languages) for languages in ready))):
            versions.append((tuple(languages[lang] for languages in ready), lang))
    return versions


CLINIC_SETTING = "handout_combinations"


def _combinations(
    project: Project, texts: Sequence[str], where: str = "--combine"
) -> list[tuple[Policy, ...]]:
    """The policies of each combination ("a+b"), each once; every problem at once, named
    after where the combination was written (`--combine`, or clinic.toml's setting)."""
    found: dict[tuple[str, ...], tuple[Policy, ...]] = {}
    problems: list[Problem] = []
    for text in texts:
        try:
            slugs = split_slugs(text, where)
        except AftercareError as exc:
            problems.extend(exc.problems)
            continue
        if len(slugs) == 1:
            message = f"{text.strip()!r} is one procedure; combine two or three, such as a+b"
            problems.append(Problem(message, field=where))
        problems.extend(combination_problems(slugs, where))
        chosen = []
        for slug in dict.fromkeys(slugs):
            try:
                policy = project.policy(slug)
            except AftercareError as exc:
                problems.extend(  # an unknown name; a broken file is reported by then
                    replace(p, field=where) if p.field == "policy" else p for p in exc.problems
                )
                continue
            if policy.draft:
                problems.append(
                    Problem(
                        "is a draft (draft: true), not for patients; a handout combines only "
                        "policies ready for patients",
                        policy.path,
                        field=where,
                    )
                )
            chosen.append(policy)
        found[slugs] = tuple(chosen)
    if problems:
        if where == CLINIC_SETTING:  # name the file the clinic edits
            problems = [replace(p, file=p.file or project.clinic.path) for p in problems]
        raise AftercareError(*problems)
    return list(found.values())
