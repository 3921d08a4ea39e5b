"""The Sheet: plain data that the templates lay out, personal or blank."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import babel

from generator import i18n
from generator.content.clinic import Clinic
from generator.content.patient import Patient
from generator.content.policy import Policy
from generator.errors import AftercareError, Problem
from generator.sheet import calendar_view, qr, schedule, visit_code


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
    letter: str = ""  # its procedure's letter on a combined sheet
    start_early: int | None = None  # a bound written as a range (7-10d): its earlier day
    end_early: int | None = None

    @property
    def mark(self) -> str:
        """What its swatch and calendar marks say: "2", or "B2" on a combined sheet."""
        return f"{self.letter}{self.number}"


@dataclass(frozen=True)
class Section:
    """A part of the instructions; headed sections of a phase carry its number and dates,
    and a section several phases point at carries each of them (its heading lists them all)."""

    html: str
    id: str | None
    title: str | None
    phase: PlanItem | None  # the first phase that points at it
    phases: tuple[PlanItem, ...] = ()


@dataclass(frozen=True)
class CalendarFit:
    """How the calendar's rows fit page 1: their height, and whether it may break."""

    row_mm: float  # from one row's top rule to the next
    compact: bool  # date and phase marks on one line
    breaks: bool  # too many weeks for page 1: the calendar goes on, or starts, on page 2
    weeks: int = 0

    @property
    def splits(self) -> bool:
        """Whether its rows continue on the next page. A calendar of a few weeks, which a
        reader takes in at once, is never split: without room on page 1 it starts page 2."""
        return self.breaks and self.weeks > WHOLE_WEEKS

    @property
    def cell_mm(self) -> float:
        """The cells' CSS height: the row less its padding and rule (see print.css)."""
        return round(self.row_mm - (1.2 if self.compact else 2.4) - 0.3, 1)

    @staticmethod
    def of_height(row_mm: float, weeks: int) -> CalendarFit:
        """Rows of this height (at most 19.7 mm): compact under 13 mm; under 6.2 mm the rows
        would be unreadable, so the calendar keeps 10 mm rows and breaks across pages."""
        row = min(ROW_MM, row_mm)
        if row < MIN_ROW:
            return CalendarFit(BROKEN_ROW, True, True, weeks)
        return CalendarFit(round(row, 1), row < COMPACT_BELOW, False, weeks)


# Page 1 of a standard sheet, in millimetres, measured on rendered sheets: where the plan's
# first row starts, each plan row, the QR code block (a 42 mm code: 1 mm modules at version 4,
# see print.css .qr), and what the calendar needs besides its rows. The first guess errs on the
# tall side; the layout checks it (fitting.py).
PAGE_BOTTOM = {"letter": 279.4 - 18, "a4": 297 - 18}
PLAN_TOP, PLAN_ROW, QR_BOTTOM, CALENDAR_FRAME = 112.0, 10.1, 161.0, 32.0
# A plan of more than LONG_PLAN lines sets them closer (print.css .long-plan): a fortnight
# day by day, and a phase after it, stays on page 1.
LONG_PLAN, PLAN_ROW_LONG = 8, 7.7
ROW_MM, COMPACT_BELOW, MIN_ROW, BROKEN_ROW = 19.7, 13.0, 6.2, 10.0
WHOLE_WEEKS = 6


def fit_calendar(weeks: int, rows: int, name: str, paper: str, large_print: bool) -> CalendarFit:
    """A first guess at the tallest calendar rows that keep the whole calendar on page 1,
    below a plan of `rows` lines."""
    if large_print:  # large print flows over pages: full-size rows, split by month past five
        return CalendarFit(26.7 if weeks <= 5 else 22.0, False, weeks > 5, weeks)
    name_extra = 0.0 if len(name) <= 40 else 8.0 if len(name) <= 120 else 14.0
    row = PLAN_ROW_LONG if rows > LONG_PLAN else PLAN_ROW
    overview_bottom = max(PLAN_TOP + row * rows, QR_BOTTOM) + name_extra
    room = PAGE_BOTTOM[paper] - overview_bottom - CALENDAR_FRAME
    return CalendarFit.of_height(room / weeks, weeks)


MAX_PROCEDURES = 3
LETTERS = "ABC"


def combination_problems(slugs: Sequence[str], field: str = "policy") -> list[Problem]:
    """What is wrong with a choice of procedures for one sheet: none, too many, or one twice."""
    if not slugs:
        return [Problem("choose a procedure", field=field)]
    problems = []
    if len(slugs) > MAX_PROCEDURES:
        problems.append(
            Problem(
                f"{len(slugs)} procedures; one sheet combines at most {MAX_PROCEDURES}",
                field=field,
            )
        )
    twice = sorted({slug for slug in slugs if slugs.count(slug) > 1})
    if twice:
        problems.append(Problem(f"{', '.join(twice)} is chosen twice", field=field))
    return problems


def split_slugs(texts: str | Sequence[str], field: str = "policy") -> tuple[str, ...]:
    """The policy slugs written as `a+b` (or as several such parts, as typed after `aftercare
    sheet`), every malformed part reported; whether they make one sheet is
    `sheet.combination_problems`' to say."""
    slugs: list[str] = []
    problems = []
    for text in [texts] if isinstance(texts, str) else texts:
        parts = [part.strip() for part in text.split("+")]
        if not text.strip():
            problems.append(Problem("is required", field=field))
        elif not all(parts):
            wrong = f"{text.strip()!r} is not a procedure or procedures joined by '+'"
            problems.append(Problem(f"{wrong}, such as a+b", field=field))
        else:
            slugs.extend(parts)
    if problems:
        raise AftercareError(*problems)
    return tuple(slugs)


@dataclass(frozen=True)
class Review:
    """Who reviewed a text, and when, worded in the sheet's locale."""

    by: str
    on: str


@dataclass(frozen=True)
class Procedure:
    """One policy on a sheet: its plan and its instructions. On a combined sheet its letter
    ("A", "B", "C") tells its phases from the others' in the plan and the calendar."""

    policy: Policy
    letter: str  # "" on a sheet of one procedure
    plan: tuple[PlanItem, ...]
    sections: tuple[Section, ...]
    # The clinical review: the policy's, or for a translation its source policy's. A
    # translation's own reviewer checked the translation, not the care it describes.
    review: Review | None = None
    translation_review: Review | None = None


@dataclass(frozen=True)
class Sheet:
    """Everything one printed sheet shows: one procedure or several done on the same day.
    `patient` is None for a blank handout."""

    clinic: Clinic
    procedures: tuple[Procedure, ...]
    patient: Patient | None
    procedure_date: str | None
    calendar: schedule.Calendar | None
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

    @property
    def policy(self) -> Policy:
        """The first procedure's policy (the only one, on most sheets)."""
        return self.procedures[0].policy

    @property
    def policies(self) -> tuple[Policy, ...]:
        return tuple(procedure.policy for procedure in self.procedures)

    @property
    def combined(self) -> bool:
        """Whether the sheet combines several procedures."""
        return len(self.procedures) > 1

    @property
    def lang(self) -> str:
        return self.policy.lang

    @property
    def title(self) -> str:
        """The procedures' titles: "Micro-Needling Post Procedure + Example Procedure"."""
        return " + ".join(policy.title for policy in self.policies)

    @property
    def calendar_rows(self) -> tuple[calendar_view.Row, ...]:
        """The calendar's rows: weeks, and a band for the inner weeks of a long phase."""
        return calendar_view.rows(self.calendar) if self.calendar else ()

    @property
    def plan(self) -> tuple[PlanItem, ...]:
        """Every procedure's phases, in order."""
        return tuple(item for procedure in self.procedures for item in procedure.plan)

    @property
    def long_plan(self) -> bool:
        """Whether the plan has so many lines that they are set closer (a fortnight)."""
        return len(self.plan) > LONG_PLAN

    @property
    def sections(self) -> tuple[Section, ...]:
        """Every procedure's instructions, in order."""
        return tuple(part for procedure in self.procedures for part in procedure.sections)


def fragment_date(day: date) -> str:
    """The procedure date as the QR code's fragment carries it: YYYYMMDD, all digits, which
    qr.py codes densely; it keeps the demo clinic's codes at version 4, translated pages too.
    The site reads this and the YYYY-MM-DD of sheets printed before."""
    return f"{day:%Y%m%d}"


def as_policies(policies: Policy | Sequence[Policy]) -> tuple[Policy, ...]:
    """One policy, or several, as a tuple."""
    return (policies,) if isinstance(policies, Policy) else tuple(policies)


def build(
    clinic: Clinic,
    policies: Policy | Sequence[Policy],
    patient: Patient | None,
    today: date,
    options: Options = DEFAULT_OPTIONS,
) -> Sheet:
    """Assemble the view model of one sheet of one or more procedures done on the same day;
    blank when `patient` is None. Its words and dates are in the policies' language (see i18n)."""
    policies = as_policies(policies)
    problems = combination_problems([policy.slug for policy in policies])
    if problems:
        raise AftercareError(*problems)
    lang = policies[0].lang
    if any(policy.lang != lang for policy in policies):
        raise ValueError("the policies of one sheet are in one language")
    words = i18n.translations(lang)
    locale = i18n.date_locale(lang, clinic.locale)
    combined = len(policies) > 1
    procedures = tuple(
        _procedure(policy, LETTERS[index] if combined else "", patient, words, locale)
        for index, policy in enumerate(policies)
    )
    calendar, procedure_date = None, None
    if patient is not None:
        day = patient.procedure_date
        # Names in the sheet's language; the week starts where the clinic is (Sunday in the US).
        week_start = babel.Locale.parse(clinic.locale).first_week_day
        plans = [policy.phases for policy in policies]
        calendar = schedule.visit_grid(plans, day, locale, words, week_start)
        procedure_date = schedule.Dates(locale, day.year).long(day)
    paper = options.paper or clinic.paper
    fit = None
    if calendar is not None and patient is not None:
        rows = sum(len(p.plan) for p in procedures) + (len(procedures) if combined else 0)
        weeks = len(calendar_view.rows(calendar))  # a long phase's inner weeks are one band
        fit = fit_calendar(weeks, rows, patient.name, paper, options.large_print)
    translated = policies[0].lang if policies[0].is_translation else None
    if combined:
        # A URL fragment never reaches a server: the online page reads it in the browser.
        # Each procedure's short code and the date (visit_code.py): a version 4 QR code.
        url = clinic.visit_url(translated)
        visit_day = patient.procedure_date if patient is not None else None
        qr_url = f"{url}#{visit_code.fragment([policy.slug for policy in policies], visit_day)}"
    else:
        url = clinic.page_url(policies[0].slug, translated)
        qr_url = f"{url}#d={fragment_date(patient.procedure_date)}" if patient else url
    return Sheet(
        clinic=clinic,
        procedures=procedures,
        patient=patient,
        procedure_date=procedure_date,
        calendar=calendar,
        url=url,
        qr_url=qr_url,
        short_url=url.split("://", 1)[-1],
        qr_svg=qr.svg(qr_url, label=words.gettext("QR code: %(url)s") % {"url": url}),
        printed=schedule.Dates(locale).medium(today),
        paper=paper,
        large_print=options.large_print,
        draft=options.draft and any(policy.draft for policy in policies),
        calendar_fit=fit,
        sheet_id=options.sheet_id if patient is not None else None,
        locale=locale,
    )


def _procedure(
    policy: Policy, letter: str, patient: Patient | None, words, locale: str
) -> Procedure:
    whens: list[str | None] = [None] * len(policy.phases)
    if patient is not None:
        day = patient.procedure_date
        dates = schedule.Dates(locale, day.year)
        whens = [p.when for p in schedule.dated_phases(policy.phases, day, dates, words)]
    plan = tuple(
        PlanItem(
            n,
            p.label,
            schedule.day_wording(p, words),
            when,
            p.start,
            p.end,
            letter,
            p.start_bound.early,
            p.end_bound.early if p.end_bound else None,
        )
        for n, (p, when) in enumerate(zip(policy.phases, whens, strict=True), start=1)
    )
    by_section: dict[str, tuple[PlanItem, ...]] = {}
    for phase, item in zip(policy.phases, plan, strict=True):
        by_section[phase.section] = (*by_section.get(phase.section, ()), item)
    sections = tuple(
        Section(b.html, b.id, b.title, *_pointing(by_section.get(b.id or "", ())))
        for b in policy.blocks
    )
    dates = schedule.Dates(locale)
    clinical = policy.source_policy if policy.is_translation else policy
    return Procedure(
        policy,
        letter,
        plan,
        sections,
        review=_review(clinical, dates),
        translation_review=_review(policy, dates) if policy.is_translation else None,
    )


def _pointing(items: tuple[PlanItem, ...]) -> tuple[PlanItem | None, tuple[PlanItem, ...]]:
    """A section's first phase and all of its phases."""
    return (items[0] if items else None), items


def _review(policy: Policy | None, dates: schedule.Dates) -> Review | None:
    """Who reviewed the policy and when, if its file says both."""
    if policy is None or not (policy.reviewed_by and policy.reviewed_on):
        return None
    return Review(policy.reviewed_by, dates.medium(policy.reviewed_on))
