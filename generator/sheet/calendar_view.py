"""The calendar as the sheet lays it out: weeks, bands for long phases, months in large print,
and the sentence each cell reads as to assistive technology.

A phase of months would print as weeks of identical cells over pages; its inner weeks become
one band row ("Dec 21 – May 23 · 3 Weeks 2-26"), its first and last weeks stay as weeks. In
large print the calendar is split by month at full size rather than shrunk, each month a table
of its own that may start a new page. Each cell carries a sentence ("Monday, December 7,
2026: Procedure, 1 Day of treatment") and each weekday header its full name, as `aria-label`s that
the PDF's tags carry as /Alt (tagging.py): what prints is unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from babel import Locale
from babel.dates import format_date, format_skeleton

from generator.sheet import schedule

BAND_FROM = 4  # a run of this many identical weeks keeps its first and last, bands the rest


@dataclass(frozen=True)
class Week:
    """A row of seven days."""

    days: tuple[schedule.Day, ...]
    kind: str = "week"

    @property
    def first(self) -> date:
        return self.days[0].date


@dataclass(frozen=True)
class Band:
    """Weeks in which every day is in the same phases, drawn as one row."""

    days: tuple[schedule.Day, ...]  # every day it stands for
    weeks: int
    kind: str = "band"

    @property
    def first(self) -> date:
        return self.days[0].date

    @property
    def phases(self) -> tuple[int, ...]:
        return self.days[0].phases

    @property
    def by_procedure(self) -> tuple[tuple[int, ...], ...]:
        return self.days[0].by_procedure


Row = Week | Band


def _plain(week: Sequence[schedule.Day]) -> tuple[tuple[int, ...], ...] | None:
    """The phases of a week whose every day is in the plan, in the same phases, and not the
    procedure day; None for any other week."""
    marks = week[0].by_procedure
    if not any(marks) or any(
        not day.in_plan or day.is_procedure or day.by_procedure != marks for day in week
    ):
        return None
    return marks


def rows(calendar: schedule.Calendar) -> tuple[Row, ...]:
    """The calendar's weeks, each run of BAND_FROM or more identical weeks banded inside."""
    out: list[Row] = []
    weeks = calendar.weeks
    index = 0
    while index < len(weeks):
        marks = _plain(weeks[index])
        end = index + 1
        while marks is not None and end < len(weeks) and _plain(weeks[end]) == marks:
            end += 1
        if marks is not None and end - index >= BAND_FROM:
            out.append(Week(weeks[index]))
            inner = weeks[index + 1 : end - 1]
            out.append(Band(tuple(day for week in inner for day in week), len(inner)))
            out.append(Week(weeks[end - 1]))
        else:
            out.extend(Week(week) for week in weeks[index:end])
        index = end
    return tuple(out)


@dataclass(frozen=True)
class Month:
    """The rows of one month, for large print: its title and its rows."""

    title: str
    rows: tuple[Row, ...]


def months(all_rows: Sequence[Row], locale: str) -> tuple[Month, ...]:
    """Rows grouped by the month of their first day in the plan (of their first day if none)."""
    loc = Locale.parse(locale)
    groups: list[tuple[tuple[int, int], list[Row]]] = []
    for row in all_rows:
        day = next((d.date for d in row.days if d.in_plan), row.first)
        key = (day.year, day.month)
        if groups and groups[-1][0] == key:
            groups[-1][1].append(row)
        else:
            groups.append((key, [row]))
    return tuple(
        Month(format_skeleton("yMMMM", date(year, month, 1), locale=loc), tuple(group))
        for (year, month), group in groups
    )


def weekday_names(calendar: schedule.Calendar, locale: str) -> tuple[str, ...]:
    """The full names of the calendar's weekday columns ("Monday" for "MON")."""
    loc = Locale.parse(locale)
    first = calendar.weeks[0][0].date.weekday() if calendar.weeks else 0
    return tuple(loc.days["format"]["wide"][(first + i) % 7] for i in range(7))


def band_ends(band: Band, locale: str) -> tuple[str, str]:
    """ "Dec 21" and "May 23": the first and last day of a band."""
    loc = Locale.parse(locale)
    first, last = band.days[0].date, band.days[-1].date
    return format_skeleton("MMMd", first, locale=loc), format_skeleton("MMMd", last, locale=loc)


def day_sentence(
    day: schedule.Day,
    labels: Sequence[Sequence[str]],
    letters: Sequence[str],
    locale: str,
    procedure_word: str,
) -> str:
    """What a cell reads as: "Monday, December 7, 2026: Procedure, 1 Day of treatment". `labels`
    holds each procedure's phase labels in order; `letters` their letters ("" alone)."""
    when = format_date(day.date, "full", locale=Locale.parse(locale))
    parts = [procedure_word] if day.is_procedure else []
    for numbers, names, letter in zip(day.by_procedure, labels, letters, strict=False):
        parts += [f"{letter}{number} {names[number - 1]}" for number in numbers]
    return f"{when}: {', '.join(parts)}" if parts else when
