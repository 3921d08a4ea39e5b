"""`aftercare check`: every content file validated, problems and warnings with file and line."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import clinic as clinic_module
from . import policy as policy_module
from .errors import AftercareError, Problem


@dataclass
class CheckReport:
    """What `check` found: problems stop sheets being made; warnings are worth a look."""

    policies: int = 0
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def summary(self) -> str:
        """One line: how much was checked and found."""

        def count(n: int, one: str, many: str) -> str:
            return f"{n} {one if n == 1 else many}"

        return (
            f"Checked the clinic profile and {count(self.policies, 'policy', 'policies')}: "
            f"{count(len(self.problems), 'problem', 'problems')}, "
            f"{count(len(self.warnings), 'warning', 'warnings')}"
        )


def check(content_dir: Path, clinic_file: Path | None = None) -> CheckReport:
    """Read every content file and collect its problems and warnings."""
    report = CheckReport()
    content_dir = Path(content_dir)
    if not content_dir.is_dir():
        report.problems.append(Problem("content folder not found", content_dir))
        return report
    try:
        clinic_module.load(clinic_file or content_dir / "clinic.toml")
    except AftercareError as exc:
        report.problems.extend(exc.problems)
    for path in policy_module.policy_paths(content_dir).values():
        report.policies += 1
        try:
            report.warnings.extend(policy_module.load(path).warnings)
        except AftercareError as exc:
            report.problems.extend(exc.problems)
    return report
