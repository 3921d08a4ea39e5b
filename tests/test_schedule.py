"""Dated phases and the month grid: month and year ends, Feb 29, overlaps, locales."""

from datetime import date

from generator.content.policy import Phase
from generator.sheet import schedule

PHASES = (
    Phase("Day of procedure", 0, 0, "a"),
    Phase("Day 1", 1, 1, "b"),
    Phase("Days 2-7", 2, 7, "c"),
    Phase("Days 7+", 7, None, "d"),
)


def whens(procedure: date, locale: str = "en_US") -> list[str]:
    dates = schedule.Dates(locale, procedure.year)
    return [p.when for p in schedule.dated_phases(PHASES, procedure, dates)]


def test_plan_dates_and_weekdays():
    assert whens(date(2026, 11, 23)) == [
        "Mon, Nov 23",
        "Tue, Nov 24",
        "Wed, Nov 25 – Mon, Nov 30",
        "from Mon, Nov 30",
    ]


def test_plan_across_feb_29_2028():
    assert whens(date(2028, 2, 26)) == [
        "Sat, Feb 26",
        "Sun, Feb 27",
        "Mon, Feb 28 – Sat, Mar 4",
        "from Sat, Mar 4",
    ]
    grid = schedule.month_grid(PHASES, date(2028, 2, 26), "en_US")
    leap_day = next(d for week in grid.weeks for d in week if d.date == date(2028, 2, 29))
    assert leap_day.phases == (3,) and leap_day.label == "29"
    assert grid.title == "February – March 2028"


def test_plan_across_a_year_end_shows_the_new_year():
    assert whens(date(2026, 12, 28)) == [
        "Mon, Dec 28",
        "Tue, Dec 29",
        "Wed, Dec 30 – Mon, Jan 4, 2027",
        "from Mon, Jan 4, 2027",
    ]
    grid = schedule.month_grid(PHASES, date(2026, 12, 28), "en_US")
    assert grid.title == "December 2026 – January 2027"
    labels = [d.label for week in grid.weeks for d in week]
    assert "Jan 1" in labels


def test_overlapping_phases_share_their_day():
    grid = schedule.month_grid(PHASES, date(2026, 11, 23), "en_US")
    days = {d.date: d for week in grid.weeks for d in week}
    assert days[date(2026, 11, 30)].phases == (3, 4)
    assert days[date(2026, 11, 23)].is_procedure and days[date(2026, 11, 23)].phases == (1,)
    # The open-ended last phase (day 7 on) colours the rest of its week, not only its first
    # day (issue 22); the grid still ends with that week.
    assert days[date(2026, 12, 1)].in_plan and days[date(2026, 12, 1)].phases == (4,)
    assert max(days) == date(2026, 12, 5)


def test_weeks_start_on_the_locales_first_day():
    us = schedule.month_grid(PHASES, date(2026, 11, 23), "en_US")
    gb = schedule.month_grid(PHASES, date(2026, 11, 23), "en_GB")
    assert us.weekdays[0] == "Sun" and gb.weekdays[0] == "Mon"
    assert all(len(week) == 7 for week in us.weeks + gb.weeks)
    assert us.weeks[0][0].date == date(2026, 11, 22)
    assert gb.weeks[0][0].date == date(2026, 11, 23)
    assert whens(date(2026, 11, 23), "en_GB")[0] == "Mon 23 Nov"


def test_the_weekday_row_runs_in_order_from_the_locales_first_day():
    us = schedule.month_grid(PHASES, date(2026, 11, 23), "en_US")
    gb = schedule.month_grid(PHASES, date(2026, 11, 23), "en_GB")
    assert us.weekdays == ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")
    assert gb.weekdays == ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def test_only_days_before_the_procedure_are_marked_as_care_before_it():
    phases = (Phase("Before", -3, -1, "a"), Phase("Day of", 0, 0, "b"), Phase("After", 1, 2, "c"))
    procedure = date(2026, 11, 25)
    days = [day for week in schedule.month_grid(phases, procedure, "en_US").weeks for day in week]
    before = [day.date for day in days if day.before_procedure]
    assert before == [date(2026, 11, 22), date(2026, 11, 23), date(2026, 11, 24)]
