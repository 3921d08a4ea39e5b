"""The Sheet: plain data that the templates lay out, personal or blank."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import babel

from . import i18n, qr, schedule
from .clinic import Clinic
from .patient import Patient
from .policy import Policy


@dataclass(frozen=True)
class Options:
    """How a sheet is made: paper (None: the clinic's), large print, PDF/A copy, draft review."""

    paper: str | None = None
    large_print: bool = False
    archival: bool = False
    draft: bool = False  # a draft policy, printed for review with DRAFT on every page
    sheet_id: str | None = None  # "XXXX-XXXX" from the register, printed in every footer

    def key(self) -> str:
        """These options as text, for build fingerprints."""
        return f"{self.paper}|{self.large_print}|{self.archival}|{self.draft}"


DEFAULT_OPTIONS = Options()  # frozen, so one shared instance is safe as a default


@dataclass(frozen=True)
class PlanItem:
    """One line of the phase plan: its days after the procedure, and its dates if known."""

    number: int
    label: str
    days: str  # "Days 2–7"
    when: str | None  # "Wed, Nov 25 – Mon, Nov 30"; None on a blank handout
    start: int
    end: int | None


@dataclass(frozen=True)
class Section:
    """A part of the instructions; headed sections of a phase carry its number and dates."""

    html: str
    id: str | None
    title: str | None
    phase: PlanItem | None


@dataclass(frozen=True)
class CalendarFit:
    """How the calendar's rows fit page 1: their height, and whether it may break."""

    row_mm: float  # from one row's top rule to the next
    compact: bool  # date and phase marks on one line
    breaks: bool  # too many weeks for page 1: rows continue on the next page

    @property
    def cell_mm(self) -> float:
        """The cells' CSS height: the row less its padding and rule (see print.css)."""
        return round(self.row_mm - (1.2 if self.compact else 2.4) - 0.3, 1)

    @staticmethod
    def of_height(row_mm: float) -> CalendarFit:
        """Rows of this height (at most 19.7 mm): compact under 13 mm; under 6.2 mm the rows
        would be unreadable, so the calendar keeps 10 mm rows and breaks across pages."""
        row = min(ROW_MM, row_mm)
        if row < MIN_ROW:
            return CalendarFit(BROKEN_ROW, True, True)
        return CalendarFit(round(row, 1), row < COMPACT_BELOW, False)

    def smaller(self) -> CalendarFit:
        """The next try when the calendar did not fit on page 1."""
        return CalendarFit.of_height(self.row_mm - ROW_STEP)


# Page 1 of a standard sheet, in millimetres, measured on rendered sheets: where the plan's
# first row starts, each plan row, the QR code block, and what the calendar needs besides its
# rows. The first guess errs on the tall side; the renderer checks it (SheetMaker.render).
PAGE_BOTTOM = {"letter": 279.4 - 18, "a4": 297 - 18}
PLAN_TOP, PLAN_ROW, QR_BOTTOM, CALENDAR_FRAME = 112.0, 10.1, 157.0, 32.0
ROW_MM, COMPACT_BELOW, MIN_ROW, ROW_STEP, BROKEN_ROW = 19.7, 13.0, 6.2, 1.0, 10.0


def fit_calendar(weeks: int, phases: int, name: str, paper: str, large_print: bool) -> CalendarFit:
    """A first guess at the tallest calendar rows that keep the whole calendar on page 1."""
    if large_print:  # large print flows over pages anyway: big rows, compact past five weeks
        return CalendarFit(26.7 if weeks <= 5 else 15.5, weeks > 5, weeks > 8)
    name_extra = 0.0 if len(name) <= 40 else 8.0 if len(name) <= 120 else 14.0
    overview_bottom = max(PLAN_TOP + PLAN_ROW * phases, QR_BOTTOM) + name_extra
    room = PAGE_BOTTOM[paper] - overview_bottom - CALENDAR_FRAME
    return CalendarFit.of_height(room / weeks)


@dataclass(frozen=True)
class Sheet:
    """Everything one printed sheet shows. `patient` is None for a blank handout."""

    clinic: Clinic
    policy: Policy
    patient: Patient | None
    procedure_date: str | None
    plan: tuple[PlanItem, ...]
    calendar: schedule.Calendar | None
    sections: tuple[Section, ...]
    url: str  # the online page
    qr_url: str  # what the QR code opens: the page, with the procedure date in the fragment
    short_url: str
    qr_svg: str
    printed: str
    paper: str
    large_print: bool
    draft: bool = False
    calendar_fit: CalendarFit | None = None
    sheet_id: str | None = None
    locale: str = "en_US"  # Babel locale of the dates: the sheet's language (i18n.date_locale)
    reviewed_on: str | None = None  # the policy's review date, worded in that locale


def build(
    clinic: Clinic,
    policy: Policy,
    patient: Patient | None,
    today: date,
    options: Options = DEFAULT_OPTIONS,
) -> Sheet:
    """Assemble the view model of one sheet; blank when `patient` is None. Its words and
    dates are in the policy's language (see i18n)."""
    words = i18n.translations(policy.lang)
    locale = i18n.date_locale(policy.lang, clinic.locale)
    whens: list[str | None]
    if patient is not None:
        procedure = patient.procedure_date
        dates = schedule.Dates(locale, procedure.year)
        whens = [p.when for p in schedule.dated_phases(policy.phases, procedure, dates, words)]
        # Names in the sheet's language; the week starts where the clinic is (Sunday in the US).
        week_start = babel.Locale.parse(clinic.locale).first_week_day
        calendar = schedule.month_grid(policy.phases, procedure, locale, words, week_start)
        procedure_date = dates.long(procedure)
    else:
        whens = [None] * len(policy.phases)
        calendar, procedure_date = None, None
    plan = tuple(
        PlanItem(n, p.label, schedule.day_wording(p, words), when, p.start, p.end)
        for n, (p, when) in enumerate(zip(policy.phases, whens, strict=True), start=1)
    )
    by_section = {phase.section: item for phase, item in zip(policy.phases, plan, strict=True)}
    sections = tuple(
        Section(b.html, b.id, b.title, by_section.get(b.id) if b.id else None)
        for b in policy.blocks
    )
    paper = options.paper or clinic.paper
    fit = None
    if calendar is not None and patient is not None:
        fit = fit_calendar(len(calendar.weeks), len(plan), patient.name, paper, options.large_print)
    url = clinic.page_url(policy.slug, policy.lang if policy.is_translation else None)
    reviewed_on = schedule.Dates(locale).medium(policy.reviewed_on) if policy.reviewed_on else None
    # A URL fragment never reaches a server: the online page reads the date in the browser.
    qr_url = f"{url}#d={patient.procedure_date.isoformat()}" if patient else url
    return Sheet(
        clinic=clinic,
        policy=policy,
        patient=patient,
        procedure_date=procedure_date,
        plan=plan,
        calendar=calendar,
        sections=sections,
        url=url,
        qr_url=qr_url,
        short_url=url.split("://", 1)[-1],
        qr_svg=qr.svg(qr_url, label=words.gettext("QR code: %(url)s") % {"url": url}),
        printed=schedule.Dates(locale).medium(today),
        paper=paper,
        large_print=options.large_print,
        draft=policy.draft and options.draft,
        calendar_fit=fit,
        sheet_id=options.sheet_id if patient is not None else None,
        locale=locale,
        reviewed_on=reviewed_on,
    )
