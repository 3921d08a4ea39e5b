"""Fitting the calendar on page 1: the estimate first, then a height measured on that layout.

`sheet.fit_calendar` guesses the tallest calendar rows that keep the calendar (its legend
included) on page 1. When the guess is too tall, the layout tells by how much: the calendar,
which never breaks inside, has moved whole to page 2, where its frame (title, weekdays,
legend) and rows can be measured, and the room left at the foot of page 1 can be measured
too. The next try gives each row its share of that room. Rows cannot be shorter than their
contents, so a try may still miss; after two measured tries the calendar starts page 2 whole
(or, when it is long, continues there row by row).
A sheet is laid out at most four times, usually once or twice.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from generator.render.templates import Templates
from generator.sheet.model import BROKEN_ROW, COMPACT_BELOW, MIN_ROW, CalendarFit, Sheet

PX_MM = 25.4 / 96  # WeasyPrint lays out in CSS pixels
MEASURED_TRIES = 2
SAFETY_MM = 0.3  # rounding of rules and borders


class CalendarFitting:
    """The HTML variants of one sheet, and the check of each layout (for
    `Renderer.render_first_fitting`); each check keeps what the next variant needs."""

    def __init__(self, templates: Templates, sheet: Sheet):
        self.templates = templates
        self.sheet = sheet
        self.measured: tuple[list[float], float] | None = None  # see _rows_and_room

    def variants(self) -> Iterator[str]:
        sheet = self.sheet
        yield self.templates.sheet_html(sheet)
        fit = sheet.calendar_fit
        if fit is None or fit.breaks or sheet.large_print:
            return
        for _ in range(MEASURED_TRIES):
            if self.measured is None:
                break
            rows, room = self.measured
            row = min(row_height_for(rows, room, fit.row_mm) - SAFETY_MM, fit.row_mm - 0.1)
            if not fit.compact and all(height > fit.row_mm + SAFETY_MM for height in rows):
                # Every row is as tall as its contents: only compact rows are shorter.
                row = min(row, COMPACT_BELOW - 0.1)
            if row < MIN_ROW:
                if fit.compact:
                    break
                # Measured at full height, a row of stacked marks (a combined sheet's procedure
                # day) seems taller than it is: compact rows put them on one line. Try those.
                row = MIN_ROW
            fit = CalendarFit.of_height(row, fit.weeks)
            yield self.templates.sheet_html(dataclasses.replace(sheet, calendar_fit=fit))
        last = CalendarFit(BROKEN_ROW, True, True, fit.weeks)
        yield self.templates.sheet_html(dataclasses.replace(sheet, calendar_fit=last))

    def fits(self, document) -> bool:
        """Whether the calendar's end (its legend) is on page 1, or it may break; if not,
        how much too tall it is."""
        pages = document.pages
        if "calendar-legend" in pages[0].anchors or not any(
            "calendar-legend" in page.anchors for page in pages
        ):
            return True
        self.measured = _rows_and_room(pages)
        return False


def _rows_and_room(pages) -> tuple[list[float], float] | None:
    """Measured on a layout in which the calendar moved to page 2: the height of each of its
    week rows, and the room page 1 has left for its rows (its frame of title, weekdays and
    legend taken off), in mm; None if there is no calendar on a later page."""
    calendar = next(
        (
            box
            for page in pages[1:]
            for box in page._page_box.descendants()
            if box.element_tag == "section" and box.element.get("id") == "calendar"
        ),
        None,
    )
    if calendar is None:
        return None
    rows = [box.margin_height() for box in calendar.descendants() if box.element_tag == "tr"]
    weeks = rows[1:]  # the first is the weekdays' row
    frame = calendar.margin_height() - sum(weeks)
    first = pages[0]._page_box
    body = next(box for box in first.descendants() if box.element_tag == "body")
    used = max(
        child.position_y + child.margin_height()
        for child in body.children
        if child.is_in_normal_flow()
    )
    room = first.content_box_y() + first.height - used - frame
    return [height * PX_MM for height in weeks], room * PX_MM


def row_height_for(rows: list[float], room: float, nominal: float) -> float:
    """The row height that makes `rows` fill `room`: rows taller than `nominal` are as tall
    as their contents and keep their height; the others share what is left."""
    bound = [height for height in rows if height > nominal + SAFETY_MM]
    free = len(rows) - len(bound)
    if free == 0:
        return room / len(rows)
    return (room - sum(bound)) / free
