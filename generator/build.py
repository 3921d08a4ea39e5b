"""The library's entry points: load the clinic's content once, then make sheets and handouts."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from . import clinic as clinic_module
from . import patient as patient_module
from . import policy as policy_module
from .errors import AftercareError, Problem
from .files import write_atomic
from .paths import CONTENT, OUTPUT, ROOT, STYLES, TEMPLATES
from .render import Templates
from .sheet import DEFAULT_OPTIONS, Options
from .sheet import build as build_sheet

if TYPE_CHECKING:
    from .pdf import Renderer, Result

SHEETS = OUTPUT / "sheets"
HANDOUTS = OUTPUT / "handouts"
MANIFEST = ".aftercare-build.json"


class Project:
    """A content folder and clinic profile, read and validated, with a warm renderer on demand."""

    def __init__(self, content_dir: Path | None = None, clinic_file: Path | None = None):
        self.content_dir = Path(content_dir or CONTENT)
        if not self.content_dir.is_dir():
            raise AftercareError(Problem("content folder not found", self.content_dir))
        self.clinic = clinic_module.load(clinic_file or self.content_dir / "clinic.toml")
        self.templates = Templates()
        self._renderer: Renderer | None = None
        self._policies: dict[str, policy_module.Policy] = {}

    @property
    def renderer(self) -> Renderer:
        """The renderer, made on first use: WeasyPrint, fonts and CSS load once per process."""
        if self._renderer is None:
            from .pdf import Renderer  # imported late: commands that render nothing start fast

            self._renderer = Renderer(self.content_dir)
        return self._renderer

    def policy_slugs(self) -> list[str]:
        """Slugs of every policy file in the content folder."""
        return list(policy_module.policy_paths(self.content_dir))

    def policy(self, slug: str) -> policy_module.Policy:
        """One policy, read and validated once."""
        if slug not in self._policies:
            self._policies[slug] = policy_module.load(policy_module.find(self.content_dir, slug))
        return self._policies[slug]

    def loaded_policies(self) -> dict[str, policy_module.Policy]:
        """The policies read so far, by slug (for worker processes)."""
        return dict(self._policies)

    def preload(self, policies: dict[str, policy_module.Policy]) -> None:
        """Use policies already read and validated elsewhere."""
        self._policies.update(policies)

    def all_policies(self) -> list[policy_module.Policy]:
        """Every policy, with the problems of all files reported together."""
        loaded, problems = [], []
        for slug in self.policy_slugs():
            try:
                loaded.append(self.policy(slug))
            except AftercareError as exc:
                problems.extend(exc.problems)
        if problems:
            raise AftercareError(*problems)
        return loaded

    def render(
        self,
        slug: str,
        patient: patient_module.Patient | None,
        today: date | None = None,
        options: Options = DEFAULT_OPTIONS,
    ) -> Result:
        """Render one sheet (a blank handout when `patient` is None)."""
        sheet = build_sheet(self.clinic, self.policy(slug), patient, today or date.today(), options)
        return self.renderer.render(self.templates.sheet_html(sheet), options.archival)

    def fingerprint(self, policies: list[policy_module.Policy], *extra: str) -> str:
        """A digest of everything a handout or page is made from: rebuild when it changes."""
        digest = hashlib.sha256(_code_digest().encode())
        for path in (self.clinic.path, self.clinic.logo, *(p.path for p in policies)):
            digest.update(path.read_bytes())
        for part in extra:
            digest.update(part.encode())
        return digest.hexdigest()


@cache
def _code_digest() -> str:
    """The generator's version, code, templates and styles, read once per process."""
    digest = hashlib.sha256(__version__.encode())
    for folder in (ROOT / "generator", TEMPLATES, STYLES):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix != ".pyc":
                digest.update(path.relative_to(ROOT).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def sheet_filename(slug: str, patient: patient_module.Patient) -> str:
    """`<date>-<policy>-<name-slug>.pdf`: letters, digits and '-' only, so it stays put."""
    return f"{patient.procedure_date.isoformat()}-{slug}-{patient_module.slug(patient.name)}.pdf"


def write_sheet(
    project: Project,
    slug: str,
    patient: patient_module.Patient,
    out: Path | None = None,
    today: date | None = None,
    options: Options = DEFAULT_OPTIONS,
) -> tuple[Path, Result]:
    """Render a personalised sheet and write it atomically; returns the path and the result."""
    if out is None:
        target = SHEETS / sheet_filename(slug, patient)
    elif Path(out).is_dir() or str(out).endswith(("/", "\\")):
        target = Path(out) / sheet_filename(slug, patient)
    else:
        target = Path(out)
    result = project.render(slug, patient, today, options)
    return write_atomic(target, result.pdf, mode=0o600), result


@dataclass
class BuildReport:
    """What a build wrote, skipped as unchanged, and removed as stale."""

    written: list[Path]
    unchanged: list[Path]
    removed: list[Path]

    def summary(self, what: str) -> str:
        """One line: how many written, unchanged, removed."""
        line = f"{what}: {len(self.written)} written, {len(self.unchanged)} unchanged"
        return line + (f", {len(self.removed)} removed" if self.removed else "")


class Manifest:
    """The input fingerprint of each file a build wrote, kept beside the files."""

    def __init__(self, folder: Path):
        self.path = Path(folder) / MANIFEST
        try:
            self.entries: dict[str, str] = json.loads(self.path.read_text())
        except (OSError, ValueError):
            self.entries = {}
        self.seen: set[str] = set()

    def is_current(self, target: Path, fingerprint: str) -> bool:
        """Whether `target` exists and was made from exactly these inputs."""
        name = target.relative_to(self.path.parent).as_posix()
        self.seen.add(name)
        return target.is_file() and self.entries.get(name) == fingerprint

    def record(self, target: Path, fingerprint: str) -> None:
        """Note the fingerprint of a file just written."""
        self.entries[target.relative_to(self.path.parent).as_posix()] = fingerprint

    def remove_stale(self) -> list[Path]:
        """Delete files an earlier build made that this build no longer makes."""
        removed = []
        for name in sorted(set(self.entries) - self.seen):
            path = self.path.parent / name
            path.unlink(missing_ok=True)
            removed.append(path)
            del self.entries[name]
        return removed

    def save(self) -> None:
        """Write the manifest atomically."""
        write_atomic(self.path, json.dumps(self.entries, indent=1, sort_keys=True).encode())


def handouts(
    project: Project,
    out: Path | None = None,
    options: Options = DEFAULT_OPTIONS,
    jobs: int | None = None,
    progress=None,
) -> BuildReport:
    """One blank handout per policy, rendered again only when its inputs changed."""
    from .workers import Task, run

    folder = Path(out or HANDOUTS)
    policies = project.all_policies()  # everything is read and validated before writing
    manifest = Manifest(folder)
    options = replace(options, paper=options.paper or project.clinic.paper)
    todo, unchanged, fingerprints = [], [], {}
    for policy in policies:
        target = folder / f"{policy.slug}.pdf"
        fingerprint = project.fingerprint([policy], "handout", options.key())
        if manifest.is_current(target, fingerprint):
            unchanged.append(target)
        else:
            fingerprints[target] = fingerprint
            todo.append(
                Task(
                    policy.slug,
                    policy.slug,
                    None,
                    target,
                    date.today(),
                    options,
                    mode=0o644,
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
    return BuildReport(sorted(o.path for o in outcomes), unchanged, removed)
