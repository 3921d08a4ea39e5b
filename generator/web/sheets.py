"""One sheet request, from the desk's form or the API's JSON: checked, then rendered."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date

import sqlalchemy as sa

from .. import issuing
from .. import patient as patient_module
from ..clinic import PAPERS
from ..errors import AftercareError, Problem
from ..languages import language_name
from ..patient import Patient
from ..policy import Policy
from ..pool import Busy, Rendered, RenderTimeout
from ..project import Content
from ..sheet import Options
from .state import state

TEXT_FIELDS = ("policy", "name", "date", "provider", "paper", "lang")
FLAG_FIELDS = ("large_print", "pdf_a")
FIELDS = TEXT_FIELDS + FLAG_FIELDS
RETRY_AFTER = 5  # seconds, in the Retry-After header of a 503


@dataclass(frozen=True)
class SheetRequest:
    """What to render: a policy (the version being served), the patient, and print options."""

    policy: Policy
    patient: Patient
    options: Options

    def filename(self) -> str:
        """The download name: policy (and language) and date, never the patient's name."""
        lang = f"-{self.policy.lang}" if self.policy.is_translation else ""
        return f"{self.policy.slug}{lang}-{self.patient.procedure_date.isoformat()}.pdf"


class Unavailable(Exception):
    """The sheet could not be made now; try again (HTTP 503)."""


def parse_sheet_request(content: Content, fields: Mapping) -> SheetRequest:
    """Check every field and report every problem at once (AftercareError, by field)."""
    problems: list[Problem] = [
        Problem("unknown field; fields: " + ", ".join(sorted(FIELDS)), field=key)
        for key in sorted(set(fields) - set(FIELDS))
    ]
    for key in TEXT_FIELDS:
        if fields.get(key) is not None and not isinstance(fields[key], str):
            problems.append(Problem("must be a string", field=key))
    for key in FLAG_FIELDS:
        if fields.get(key) is not None and not isinstance(fields[key], bool):
            problems.append(Problem("must be true or false", field=key))
    if problems:
        raise AftercareError(*problems)
    slug = fields.get("policy") or ""
    offered = {policy.slug: policy for policy in content.offered()}
    if not slug:
        problems.append(Problem("choose a procedure", field="policy"))
    elif slug not in offered:
        problems.append(Problem(f"must be one of: {', '.join(offered)}", field="policy"))
    else:
        refusal = content.clinic.review_refusal(offered[slug], date.today())
        if refusal is not None:  # clinic.toml overdue_review = "refuse"
            problems.append(Problem(refusal.message, field="policy"))
    lang = (fields.get("lang") or "").strip() or None
    chosen = content.policy_in(slug, lang) if slug in offered else None
    if slug in offered and chosen is None:
        problems.append(
            Problem(
                f"{offered[slug].title} can be issued in: "
                + ", ".join(f"{language_name(code)} ({code})" for code in content.languages(slug)),
                field="lang",
            )
        )
    patient = None
    try:
        patient = patient_module.make(
            fields.get("name"), fields.get("date"), fields.get("provider")
        )
    except AftercareError as exc:
        problems.extend(exc.problems)
    paper = fields.get("paper")
    if paper is not None and paper not in PAPERS:
        problems.append(Problem(f"must be one of {', '.join(PAPERS)}", field="paper"))
    if problems or patient is None:
        raise AftercareError(*problems)
    options = Options(paper, bool(fields.get("large_print")), bool(fields.get("pdf_a")))
    assert chosen is not None  # reported above otherwise
    return SheetRequest(chosen, patient, options)


@dataclass(frozen=True)
class Issued:
    """A rendered sheet and its sheet ID (None when the clinic keeps no register)."""

    rendered: Rendered
    options: Options  # with the sheet ID, if any
    printed_on: date
    pending: Callable[[], object] | None = None  # stores the entry, when not stored yet

    @property
    def sheet_id(self) -> str | None:
        return self.options.sheet_id


def issue(
    request: SheetRequest,
    clinic,
    channel: str,
    session: str | None = None,
    preview: bool = False,
    record_now: bool = True,
) -> Issued:
    """Render in the pool with a fresh sheet ID, then record it: a sheet leaves the server
    only once its entry is stored (`record_now=False`: the caller stores it with `pending`
    before the PDF leaves). Raises AftercareError (input or content), Unavailable (busy, too
    slow, or the register unreachable) or RenderFailed."""
    register = state().register
    options = request.options
    today = date.today()
    try:
        if register is not None:
            options = replace(options, sheet_id=register.unused_id())
        rendered = state().pool.render(
            clinic, request.policy, request.patient, today, options, preview
        )
        pending = None
        if register is not None:
            pending = functools.partial(
                issuing.record,
                register,
                clinic=clinic,
                policies=[request.policy],
                patient=request.patient,
                printed_on=today,
                options=options,
                channel=channel,
                session=session,
            )
            if record_now:
                pending()
                pending = None
    except Busy:
        raise Unavailable("every renderer is busy") from None
    except RenderTimeout:
        raise Unavailable("the sheet took longer than the time limit") from None
    except sa.exc.SQLAlchemyError:
        raise Unavailable("the register cannot be reached") from None
    return Issued(rendered, options, today, pending)
