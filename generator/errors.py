"""Errors that know how to show themselves: what went wrong and where."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, with where it is."""

    message: str
    file: Path | None = None
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = ""
        if self.file is not None:
            where = display_path(self.file)
            if self.line is not None:
                where += f":{self.line}"
            where += ": "
        field = f"{self.field}: " if self.field else ""
        return f"{where}{field}{self.message}"


class AftercareError(Exception):
    """An error a user can fix; the CLI prints it without a traceback."""

    exit_code = 1

    def __init__(self, *problems: Problem | str):
        self.problems = [p if isinstance(p, Problem) else Problem(p) for p in problems]
        super().__init__("\n".join(str(p) for p in self.problems))

    @property
    def field(self) -> str | None:
        """The input field of the first problem, if it names one."""
        return self.problems[0].field if self.problems else None


class Problems:
    """Collects every problem in an input before stopping, not just the first."""

    def __init__(self, file: Path | None = None):
        self.file = file
        self.items: list[Problem] = []

    def add(self, message: str, line: int | None = None, field: str | None = None) -> None:
        """Record one problem."""
        self.items.append(Problem(message, self.file, line, field))

    def raise_if_any(self) -> None:
        """Raise an AftercareError carrying every recorded problem."""
        if self.items:
            raise AftercareError(*self.items)


def display_path(path: Path) -> str:
    """A path relative to the working directory when it is inside it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
