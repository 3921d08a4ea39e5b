"""`[printing]` in clinic.toml (the CUPS queue sheets are printed on, and each named desk's
own) and the file name a sheet is downloaded or printed under: procedure, date and sheet ID,
never the patient's name."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from generator.errors import AftercareError, Problem

# CUPS queue names: printable characters but space, tab, "/", "\\", "#", quotes; at most 127.
# Printable ASCII but the characters CUPS and lp read otherwise (space, / # \\ ' "): the
# same rule as the OpenAPI pattern QUEUE_PATTERN below, which JSON Schema tools can read.
QUEUE_PATTERN = "^[!$-&(-.0-\\[\\]-~]{1,127}$"
QUEUE_NAME = re.compile(QUEUE_PATTERN[1:-1])
DESK_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")


@dataclass(frozen=True)
class PrintSettings:
    """`[printing]` in clinic.toml: the clinic's queue and each named desk's own."""

    queue: str | None = None
    desks: tuple[tuple[str, str], ...] = ()  # (desk name, queue)

    def queue_for(self, desk: str | None) -> str | None:
        """The queue of a desk (named in [printing.desks]), else the clinic's."""
        return dict(self.desks).get(desk or "", self.queue)


def settings(data: object, lines: dict[str, int], problems) -> PrintSettings:
    """`[printing]` checked: `queue = "FrontDesk"` and `[printing.desks] name = "Queue"`;
    every problem goes to `problems` (clinic.py's collector)."""
    if data is None:
        return PrintSettings()
    if not isinstance(data, dict):
        problems.add(
            'must be a table: [printing] queue = "FrontDesk"', lines.get("printing"), "printing"
        )
        return PrintSettings()
    for key in sorted(set(data) - {"queue", "desks"}):
        problems.add(
            "unknown key; keys: queue, desks", lines.get(f"printing.{key}"), f"printing.{key}"
        )
    queue = data.get("queue")
    if queue is not None and not _queue_ok(queue):
        problems.add(_queue_message(queue), lines.get("printing.queue"), "printing.queue")
        queue = None
    desks = data.get("desks", {})
    checked: list[tuple[str, str]] = []
    if not isinstance(desks, dict):
        problems.add(
            'must be a table: [printing.desks] upstairs = "Upstairs"',
            lines.get("printing.desks"),
            "printing.desks",
        )
        desks = {}
    for name, value in desks.items():
        if not DESK_NAME.fullmatch(name):
            problems.add(
                "a desk name is lower-case letters, digits and -, at most 40",
                lines.get(f"printing.desks.{name}"),
                f"printing.desks.{name}",
            )
        elif not _queue_ok(value):
            problems.add(
                _queue_message(value), lines.get(f"printing.desks.{name}"), f"printing.desks.{name}"
            )
        else:
            checked.append((name, value))
    return PrintSettings(queue, tuple(checked))


def _queue_ok(value: object) -> bool:
    return isinstance(value, str) and bool(QUEUE_NAME.fullmatch(value))


def _queue_message(value: object) -> str:
    return (
        "must be the name of a CUPS print queue as `lpstat -p` lists it (no spaces, / or #, "
        f"at most 127 characters), got {value!r}"
    )


def check_queue_name(queue: str, where: str) -> str:
    """A queue named on the command line, checked like clinic.toml's."""
    if not _queue_ok(queue):
        raise AftercareError(Problem(_queue_message(queue), field=where))
    return queue


def download_name(slugs, lang: str | None, day: date, sheet_id: str | None) -> str:
    """A sheet's file name for downloads and print jobs: procedures (and language), date and
    sheet ID, never the patient's name: `microneedling-2026-12-07-K7QM-2X9A.pdf`."""
    stem = "+".join(slugs) + (f"-{lang}" if lang else "") + f"-{day.isoformat()}"
    return f"{stem}-{sheet_id}.pdf" if sheet_id else f"{stem}.pdf"


def entry_name(entry) -> str:
    """The download name of a register entry's sheet (a reprint)."""
    lang = next((p.lang for p in entry.policies if "." in (p.file or "").removesuffix(".md")), None)
    return download_name([p.slug for p in entry.policies], lang, entry.procedure_date, entry.id)
