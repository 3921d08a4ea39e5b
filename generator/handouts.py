"""`aftercare handouts`: one blank handout per policy, only what changed."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from .errors import AftercareError
from .manifest import BuildReport, Manifest
from .paths import HANDOUTS
from .project import Project
from .sheet import DEFAULT_OPTIONS, Options
from .workers import Task, run


def handouts(
    project: Project,
    out: Path | None = None,
    options: Options = DEFAULT_OPTIONS,
    jobs: int | None = None,
    progress=None,
) -> BuildReport:
    """One blank handout per policy, rendered again only when its inputs changed."""
    folder = Path(out or HANDOUTS)
    # Everything is read and validated before writing; drafts are not for patients.
    policies = project.issuable_policies()
    manifest = Manifest(folder)
    options = replace(options, paper=options.paper or project.clinic.paper)
    todo, unchanged, fingerprints = [], [], {}
    # Each policy, and each of its translations that may be issued: <slug>.<lang>.pdf.
    versions = [
        (policy, None) for policy in policies
    ] + [
        (translation.policy, lang)
        for policy in policies
        for lang, translation in sorted(project.translations(policy.slug).items())
        if translation.issuable
    ]  # fmt: skip
    for policy, lang in versions:
        target = folder / (f"{policy.slug}.{lang}.pdf" if lang else f"{policy.slug}.pdf")
        fingerprint = project.fingerprint([policy], "handout", options.key())
        if manifest.is_current(target, fingerprint):
            unchanged.append(target)
        else:
            fingerprints[target] = fingerprint
            todo.append(
                Task(
                    target.name,
                    policy.slug,
                    None,
                    target,
                    date.today(),
                    options,
                    mode=0o644,
                    lang=lang,
                )
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
