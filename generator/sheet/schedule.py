"""Phases + procedure date -> dated phases and a month grid (weeks as rows)."""

from __future__ import annotations

import gettext
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from babel import Locale
from babel.dates import format_date, format_skeleton

from generator.content import timeline
from generator.content.policy import Phase

# The product's words in English, the source language; a sheet passes its own catalog
# (i18n.translations) to every function here that words something.
ENGLISH = gettext.NullTranslations()


@dataclass(frozen=True)
class DatedPhase:
    """A phase with its real dates; `end` is None when open-ended. `number` picks its colour."""

    number: int
    label: str
    start: date
    end: date | None
    when: str  # "Tue, Nov 24", "Wed, Nov 25 – Mon, Nov 30", "from Mon, Nov 30"


@dataclass(frozen=True)
class Day:
    """One cell of the month grid."""

    date: date
    in_plan: bool
    # For each procedure of the sheet (most sheets have one), the numbers of its phases that
    # cover this day.
    by_procedure: tuple[tuple[int, ...], ...]
    is_procedure: bool
    label: str  # "24", or "Dec 1" where a month starts
    before_procedure: bool = False  # a day of care before the procedure (a phase from day -7)

    @property
    def phases(self) -> tuple[int, ...]:
        """The phases of the first (on most sheets the only) procedure that cover this day."""
        return self.by_procedure[0]


@dataclass(frozen=True)
class Calendar:
    """Weeks as rows, starting on the locale's first day of the week."""

    title: str
    weekdays: tuple[str, ...]
    weeks: tuple[tuple[Day, ...], ...]


class Dates:
    """Date wording for one locale: "Tue, Nov 24", with the year only when it differs."""

    def __init__(self, locale: str, reference_year: int | None = None):
        self.locale = Locale.parse(locale)
        self.reference_year = reference_year

    def short(self, day: date) -> str:
        """Weekday, month and day; the year too when it is not the reference year."""
        skeleton = "MMMEd" if day.year == self.reference_year else "yMMMEd"
        return format_skeleton(skeleton, day, locale=self.locale)

    def long(self, day: date) -> str:
        """The full date with weekday: "Monday, November 23, 2026"."""
        return format_date(day, "full", locale=self.locale)

    def medium(self, day: date) -> str:
        """A compact full date: "Nov 23, 2026"."""
        return format_date(day, "medium", locale=self.locale)


def dated_phases(
    phases: tuple[Phase, ...],
    procedure: date,
    dates: Dates,
    words: gettext.NullTranslations = ENGLISH,
) -> list[DatedPhase]:
    """Each phase with its first and last date, and the wording of when it is."""

    def dated(bound: timeline.Bound) -> str:
        day = dates.short(procedure + timedelta(days=bound.day))
        if bound.early is None:
            return day
        return between(dates.short(procedure + timedelta(days=bound.early)), day, words)

    result = []
    for number, phase in enumerate(phases, start=1):
        start = procedure + timedelta(days=phase.start)
        end = None if phase.end is None else procedure + timedelta(days=phase.end)
        first, last = phase.start_bound, phase.end_bound
        if last is None:
            # TRANSLATORS: an open-ended phase: "from Mon, Nov 30".
            when = words.gettext("from %(date)s") % {"date": dated(first)}
        elif end == start and first.early is None and last.early is None:
            when = dated(first)
        else:
            when = span(dated(first), dated(last), words)
        result.append(DatedPhase(number, phase.label, start, end, when))
    return result


def between(early: str, late: str, words: gettext.NullTranslations = ENGLISH) -> str:
    """An uncertain bound (7-10d): "between Mon, Dec 14 and Thu, Dec 17"."""
    # TRANSLATORS: a phase bound the clinic gives as a range of days ("7-10 days"), as dates
    # or day numbers: "between Mon, Dec 14 and Thu, Dec 17", "between Day 7 and Day 10".
    return words.gettext("between %(early)s and %(late)s") % {"early": early, "late": late}


def span(first: str, last: str, words: gettext.NullTranslations = ENGLISH) -> str:
    """Two dates or months as a range: "Wed, Nov 25 – Mon, Nov 30"."""
    # TRANSLATORS: a range of dates or months: "Wed, Nov 25 – Mon, Nov 30".
    return words.gettext("%(start)s – %(end)s") % {"start": first, "end": last}


def day_wording(phase: Phase, words: gettext.NullTranslations = ENGLISH) -> str:
    """When a phase is, in days from the procedure: "Day 1", "Days 2–7", "Day 7 onward",
    "Day −7 – Day −1" before it; a range as "Day 2 – between Day 7 and Day 10"."""
    first, last = phase.start_bound, phase.end_bound
    if last is None:
        # TRANSLATORS: an open-ended phase, counted in days after the procedure.
        return words.gettext("Day %(day)s onward") % {"day": _day_number(first)}
    if first.early is None and last.early is None and first.day >= 0:
        if phase.end == phase.start:
            # TRANSLATORS: a day counted from the procedure: Day 0 is the procedure's day.
            return words.gettext("Day %(day)s") % {"day": timeline.number(phase.start)}
        return words.gettext("Days %(start)s–%(end)s") % {
            "start": timeline.number(phase.start),
            "end": timeline.number(last.day),
        }
    return span(_day_text(first, words), _day_text(last, words), words)


def _day_number(bound: timeline.Bound) -> str:
    """A bound's day number; a range's as "7–10"."""
    if bound.early is None:
        return timeline.number(bound.day)
    return f"{timeline.number(bound.early)}–{timeline.number(bound.day)}"


def _day_text(bound: timeline.Bound, words: gettext.NullTranslations) -> str:
    """ "Day 7", or for a range "between Day 7 and Day 10"."""
    day = words.gettext("Day %(day)s")
    if bound.early is None:
        return day % {"day": timeline.number(bound.day)}
    return between(day % {"day": bound.early}, day % {"day": bound.day}, words)


def last_day(phases: tuple[Phase, ...]) -> int:
    """The last day the calendar shows: the start of the last phase, or a later end."""
    return max(max(p.start for p in phases), max(p.end or 0 for p in phases))


def month_grid(
    phases: tuple[Phase, ...],
    procedure: date,
    locale: str,
    words: gettext.NullTranslations = ENGLISH,
    first_weekday: int | None = None,
) -> Calendar:
    """Whole weeks from the procedure date to the last phase's start, coloured by phase.
    Weeks start on `first_weekday` (0 = Monday), by default the locale's."""
    return visit_grid((phases,), procedure, locale, words, first_weekday)


def visit_grid(
    plans: Sequence[tuple[Phase, ...]],
    procedure: date,
    locale: str,
    words: gettext.NullTranslations = ENGLISH,
    first_weekday: int | None = None,
) -> Calendar:
    """The month grid of procedures done on one day, each with its own phases: every day
    says, for each procedure, which of its phases cover it. It runs to the latest plan's end."""
    loc = Locale.parse(locale)
    if first_weekday is None:
        first_weekday = loc.first_week_day
    last = procedure + timedelta(days=max(last_day(phases) for phases in plans))
    # From the first phase's start: before the procedure when the plan has care before it.
    first = procedure + timedelta(days=min(0, *(p.start for phases in plans for p in phases)))
    start = first - timedelta(days=(first.weekday() - first_weekday) % 7)
    end = last + timedelta(days=(first_weekday - last.weekday() - 1) % 7)
    weeks, week = [], []
    day = start
    while day <= end:
        offset = (day - procedure).days
        # An open-ended last phase goes on past `last`: the rest of its week is coloured too.
        in_plan = first <= day and (day <= last or any(p[-1].end is None for p in plans))
        covering = tuple(
            tuple(n for n, p in enumerate(phases, start=1) if in_plan and p.covers(offset))
            for phases in plans
        )
        month_starts = day.day == 1 or day == procedure
        label = format_skeleton("MMMd", day, locale=loc) if month_starts else str(day.day)
        week.append(
            Day(day, in_plan, covering, day == procedure, label, in_plan and day < procedure)
        )
        if len(week) == 7:
            weeks.append(tuple(week))
            week = []
        day += timedelta(days=1)
    names = loc.days["format"]["abbreviated"]
    weekdays = tuple(names[(first_weekday + i) % 7] for i in range(7))
    return Calendar(_month_span(first, last, loc, words), weekdays, tuple(weeks))


def _month_span(first: date, last: date, loc: Locale, words: gettext.NullTranslations) -> str:
    """ "November 2026", "February – March 2028", "December 2026 – January 2027"."""
    last_month = format_skeleton("yMMMM", last, locale=loc)
    if (first.year, first.month) == (last.year, last.month):
        return last_month
    if first.year == last.year:
        return span(format_date(first, "LLLL", locale=loc), last_month, words)
    return span(format_skeleton("yMMMM", first, locale=loc), last_month, words)
