"""`check`'s warnings about what would print badly: a title the footer must shorten, a plan
whose calendar runs past page 1, short lines that will join into one paragraph, and list
items indented so that they will not nest. Each is worked out from the policy file alone,
without rendering, so it errs on the side of warning: the sheet itself always prints whole."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from generator.content import markup
from generator.content.frontmatter import FrontMatter, split
from generator.content.policy import FENCE_RE, HEADING_RE, Policy
from generator.errors import Problem
from generator.sheet import calendar_view, schedule
from generator.sheet.footer import rest_mm, text_width
from generator.sheet.model import fit_calendar

MM_PT = 72 / 25.4
PAGE_WIDTH = {"letter": 215.9, "a4": 210.0}  # mm
SIDE_MARGINS, FOOTER_SHARE = 32.0, 0.89  # print.css: @page, @bottom-left
# The rest of a footer, as wide as it usually is, with the version as the policy writes it.
FOOTER_REST = "· version {version} · a1b2c3d4 · printed Sep 30, 2026 · Sheet ABCD-EFGH"
SHORT_LINE = 40  # characters: a line this short, among others, reads as a line of its own
# A Saturday: its week row holds only the procedure day, so the calendar has most rows.
SAMPLE_DAY = date(2026, 12, 5)
LIST_ITEM_RE = re.compile(r"^\s*(?:[-*+]|\d{1,9}[.)])\s")


def warnings(policy: Policy, paper: str) -> list[Problem]:
    """What would print badly on the clinic's paper, each with its file line."""
    fm = split(policy.source.decode("utf-8-sig"))
    return [
        *_title(policy, fm),
        *_calendar(policy, fm, paper),
        *_short_lines(policy, fm),
        *_nesting(policy, fm),
    ]


def _title(policy: Policy, fm: FrontMatter) -> list[Problem]:
    rest = (rest_mm(FOOTER_REST.format(version=policy.version)) + 1) * MM_PT  # its padding
    narrow = [
        paper
        for paper, width in PAGE_WIDTH.items()
        if text_width(policy.title) > (width - SIDE_MARGINS) * FOOTER_SHARE * MM_PT - rest
    ]
    if not narrow:
        return []
    where = " and ".join("Letter" if paper == "letter" else "A4" for paper in narrow)
    return [
        Problem(
            f"the title ({len(policy.title)} characters) is too long for the footer on {where} "
            "paper: it will print there shortened with '…' (the sheet ID and page number "
            "stay whole); a shorter title prints whole",
            policy.path,
            fm.line("title"),
            "title",
        )
    ]


def _calendar(policy: Policy, fm: FrontMatter, paper: str) -> list[Problem]:
    if not policy.phases:
        return []
    grid = schedule.month_grid(policy.phases, SAMPLE_DAY, "en_US", first_weekday=6)
    rows = len(calendar_view.rows(grid))
    if not fit_calendar(rows, len(policy.phases), "", paper, False).breaks:
        return []
    return [
        Problem(
            f"the plan's calendar ({rows} rows of weeks) is too long for page 1 on "
            f"{'Letter' if paper == 'letter' else 'A4'} paper: it will go on over page 2; "
            "fewer weeks (a phase of 4 weeks or more is drawn as one band) keep it on page 1",
            policy.path,
            fm.line("phases"),
            "phases",
        )
    ]


def _short_lines(policy: Policy, fm: FrontMatter) -> list[Problem]:
    found = []
    for first, lines in _paragraphs(fm):
        ends = [line.endswith(("  ", "\\")) for line in lines[:-1]]
        if (
            len(lines) >= 2
            and all(len(line.strip()) <= SHORT_LINE for line in lines)
            and not any(ends)
        ):
            found.append(
                Problem(
                    f"{len(lines)} short lines (lines {first}-{first + len(lines) - 1}) will "
                    "print as one run-on paragraph; to keep them as lines (an address, "
                    "contact details), end each but the last with a backslash (\\)",
                    policy.path,
                    first,
                )
            )
    return found


def _paragraphs(fm: FrontMatter) -> Iterator[tuple[int, list[str]]]:
    """(first file line, lines) of each plain paragraph of the body: not a heading, list,
    table, quote, indented or fenced code."""
    block: list[str] = []
    first, in_fence = 0, False
    for number, line in enumerate([*fm.body.splitlines(), ""], start=fm.body_line):
        fence = FENCE_RE.match(line)
        in_fence = in_fence != bool(fence)
        if fence or in_fence or not _plain(line):
            if block:
                yield first, block
            block = []
            continue
        first = first if block else number
        block.append(line)


def _plain(line: str) -> bool:
    """Whether a line is a line of a plain paragraph."""
    return bool(line.strip()) and not (
        HEADING_RE.match(line)
        or line.startswith((" ", "\t", "#", "|", ">"))
        or LIST_ITEM_RE.match(line)
    )


def _nesting(policy: Policy, fm: FrontMatter) -> list[Problem]:
    return [
        Problem(
            "this list item is indented one space more than the item above it, so it will "
            "not nest under it: indent it 2 spaces under '-', or 3 under '1.'",
            policy.path,
            fm.body_line + index,
        )
        for index in markup.nesting_problems(fm.body)
    ]
