"""Phase bounds as clinics write them: days (7), hours (48h), weeks (2w), uncertain ranges
(7-10d) and days before the procedure (-7), each read as a day counted from the procedure."""

from __future__ import annotations

import re
from dataclasses import dataclass

LIMIT_DAYS = 3660  # about ten years either side of the procedure
UNITS = {"d": 1, "day": 1, "days": 1, "w": 7, "week": 7, "weeks": 7}
HOURS = ("h", "hour", "hours")
BOUND_RE = re.compile(
    r"^(?P<first>[-−+]?\d+)(?:\s*[-–]\s*(?P<last>\d+))?\s*(?P<unit>[a-z]*)$", re.IGNORECASE
)
# What `check` says when a bound cannot be read: every unit, with an example.
UNITS_EXPLAINED = (
    "must be a whole number of days (7), hours (48h), weeks (2w), a range (7-10d, coloured "
    "to its later day) or days before the procedure (-7)"
)


@dataclass(frozen=True)
class Bound:
    """One end of a phase: the day it falls on, counted from the procedure (day 0; negative
    before it), and for a range its earlier day; `text` is the bound as the policy writes it."""

    day: int
    text: str
    early: int | None = None  # a range (7-10d): its earlier day; `day` is its later one

    @property
    def plain(self) -> bool:
        """Whether it is a whole number of days from the procedure on, as policies always
        wrote bounds (their sheets print as they did)."""
        return self.early is None and self.day >= 0 and self.text == str(self.day)


def read(value: object) -> Bound | str:
    """The bound a YAML value writes, or what is wrong with it (for `check`)."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        return f"{UNITS_EXPLAINED}; got {value!r}"
    text = str(value).strip()
    match = BOUND_RE.match(text)
    unit = (match["unit"] or "d").lower() if match else ""
    if not match or (unit not in UNITS and unit not in HOURS):
        return f"{UNITS_EXPLAINED}; got {text!r}"
    first = int(match["first"].replace("−", "-"))
    if match["last"] is not None:
        last = int(match["last"])
        if first < 0 or last <= first:
            why = "a range goes from its earlier to its later count, from 0"
            return f"{UNITS_EXPLAINED}: {why}; got {text!r}"
        bound = Bound(_days(last, unit), text, _days(first, unit))
    else:
        bound = Bound(_days(first, unit), text)
    if abs(bound.day) > LIMIT_DAYS:
        return f"is more than {LIMIT_DAYS} days from the procedure; got {text!r}"
    return bound


def _days(count: int, unit: str) -> int:
    """A count in `unit` as the day it falls on: hours count from the procedure's day, so
    48h is day 2 and 4h day 0 (-48h is day -2)."""
    if unit in HOURS:
        return int(count / 24)
    return count * UNITS[unit]


def number(day: int) -> str:
    """A day number as the plan prints it: −7 with a real minus sign."""
    return str(day).replace("-", "\u2212")
