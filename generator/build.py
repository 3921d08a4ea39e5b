"""The library's entry points: load the clinic's content once, then make sheets."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from . import clinic as clinic_module
from . import patient as patient_module
from . import policy as policy_module
from .errors import AftercareError, Problem
from .paths import CONTENT, OUTPUT
from .pdf import Renderer, Result, write_atomic
from .render import Templates
from .sheet import build as build_sheet

SHEETS = OUTPUT / "sheets"


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
        """The renderer, made on first use (fonts and CSS load once per process)."""
        if self._renderer is None:
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
        paper: str | None = None,
    ) -> Result:
        """Render one personalised sheet (or a blank handout when `patient` is None)."""
        sheet = build_sheet(self.clinic, self.policy(slug), patient, today or date.today(), paper)
        return self.renderer.render(self.templates.sheet_html(sheet))


def sheet_filename(slug: str, patient: patient_module.Patient) -> str:
    """`<date>-<policy>-<name-slug>.pdf`: letters, digits and '-' only, so it stays put."""
    return f"{patient.procedure_date.isoformat()}-{slug}-{patient_module.slug(patient.name)}.pdf"


def write_sheet(
    project: Project,
    slug: str,
    patient: patient_module.Patient,
    out: Path | None = None,
    today: date | None = None,
    paper: str | None = None,
) -> tuple[Path, Result]:
    """Render a personalised sheet and write it atomically; returns the path and the result."""
    if out is None:
        target = SHEETS / sheet_filename(slug, patient)
    elif Path(out).is_dir() or str(out).endswith(("/", "\\")):
        target = Path(out) / sheet_filename(slug, patient)
    else:
        target = Path(out)
    result = project.render(slug, patient, today, paper)
    return write_atomic(target, result.pdf, mode=0o600), result
