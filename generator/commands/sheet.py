"""`aftercare sheet`: one personalised sheet, rendered and written atomically."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from generator.content import patient as patient_module
from generator.files import write_atomic
from generator.paths import SHEETS
from generator.sheet.model import DEFAULT_OPTIONS, Options

if TYPE_CHECKING:
    from generator.render.pdf import Result
from generator.project import Project


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
