"""The Sheet: plain data that the templates lay out, personal or blank."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from . import qr, schedule
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


def build(
    clinic: Clinic,
    policy: Policy,
    patient: Patient | None,
    today: date,
    options: Options = DEFAULT_OPTIONS,
) -> Sheet:
    """Assemble the view model of one sheet; blank when `patient` is None."""
    whens: list[str | None]
    if patient is not None:
        dates = schedule.Dates(clinic.locale, patient.procedure_date.year)
        dated = schedule.dated_phases(policy.phases, patient.procedure_date, dates)
        whens = [p.when for p in dated]
        calendar = schedule.month_grid(policy.phases, patient.procedure_date, clinic.locale)
        procedure_date = dates.long(patient.procedure_date)
    else:
        whens = [None] * len(policy.phases)
        calendar, procedure_date = None, None
    plan = tuple(
        PlanItem(n, p.label, schedule.day_wording(p), when, p.start, p.end)
        for n, (p, when) in enumerate(zip(policy.phases, whens, strict=True), start=1)
    )
    by_section = {phase.section: item for phase, item in zip(policy.phases, plan, strict=True)}
    sections = tuple(
        Section(b.html, b.id, b.title, by_section.get(b.id) if b.id else None)
        for b in policy.blocks
    )
    url = clinic.page_url(policy.slug)
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
        qr_svg=qr.svg(qr_url, label=f"QR code: {url}"),
        printed=schedule.Dates(clinic.locale).medium(today),
        paper=options.paper or clinic.paper,
        large_print=options.large_print,
        draft=policy.draft and options.draft,
    )
