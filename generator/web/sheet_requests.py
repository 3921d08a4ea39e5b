"""One sheet request, from the desk's form or the API's JSON: checked, then rendered."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

import sqlalchemy as sa

from generator.content import patient as patient_module
from generator.content.clinic import PAPERS
from generator.content.live import Content
from generator.content.patient import Patient
from generator.content.policy import Policy
from generator.content.printing import download_name
from generator.content.translations import language_name
from generator.errors import AftercareError, Problem
from generator.parallel.desk_pool import Busy, Rendered, RenderTimeout
from generator.record import issuing
from generator.sheet.model import MAX_PROCEDURES, Options, combination_problems
from generator.web.state import state

TEXT_FIELDS = ("policy", "name", "date", "provider", "paper", "lang")
FLAG_FIELDS = ("large_print", "pdf_a")
LIST_FIELDS = ("policies",)  # several procedures done on one visit, for one sheet
FIELDS = TEXT_FIELDS + FLAG_FIELDS + LIST_FIELDS
RETRY_AFTER = 5  # seconds, in the Retry-After header of a 503


@dataclass(frozen=True)
class SheetRequest:
    """What to render: the policies (the versions being served; one, or up to three done on
    the same visit), the patient, and print options."""

    policies: tuple[Policy, ...]
    patient: Patient
    options: Options

    @property
    def policy(self) -> Policy:
        """The first procedure's policy (the only one, on most sheets)."""
        return self.policies[0]

    @property
    def title(self) -> str:
        """Every procedure's title: "Example Procedure + Lorem Care"."""
        return " + ".join(policy.title for policy in self.policies)

    def filename(self, sheet_id: str | None = None) -> str:
        """The download name: policies (and language), date and sheet ID, never the patient's
        name: `a-2026-11-23-K7QM-2X9A.pdf`, `a+b-es-2026-11-23.pdf` (no register)."""
        lang = self.policy.lang if self.policy.is_translation else None
        slugs = [policy.slug for policy in self.policies]
        return download_name(slugs, lang, self.patient.procedure_date, sheet_id)


class Unavailable(Exception):
    """The sheet could not be made now; try again (HTTP 503)."""


def parse_sheet_request(
    content: Content, fields: Mapping, policy_fields: Sequence[str] | None = None
) -> SheetRequest:
    """Check every field and report every problem at once (AftercareError, by field).

    A sheet is of `policy` (one slug) or of `policies` (a list of one to three): exactly one
    of the two. A problem with one of `policies` is reported at "policies" and names the slug,
    or, with `policy_fields` (one field name per item, as the desk's selects), at that field.
    """
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
    lang = (fields.get("lang") or "").strip() or None
    chosen, problems = _chosen_policies(content, fields, lang, policy_fields)
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
    return SheetRequest(tuple(chosen), patient, options)


def _chosen_policies(
    content: Content, fields: Mapping, lang: str | None, policy_fields: Sequence[str] | None
) -> tuple[list[Policy], list[Problem]]:
    """The policies to issue in `lang`, in the order given, and every problem with them."""
    problems = _choice_problems(fields)
    if problems:  # neither, both, or not a list of slugs: no policy to check
        return [], problems
    if "policies" in fields:
        slugs = list(fields["policies"])
        problems += combination_problems(slugs, "policies")
        named = policy_fields is None  # several share one field: say which one
        places = list(policy_fields) if policy_fields is not None else ["policies"] * len(slugs)
    else:
        slugs, named, places = [fields["policy"] or ""], False, ["policy"]
        if not slugs[0]:
            return [], [Problem("choose a procedure", field="policy")]
    chosen: list[Policy] = []
    checked: set[str] = set()
    for slug, place in zip(slugs, places, strict=True):
        if slug not in checked:  # a slug chosen twice is reported once, above
            checked.add(slug)
            policy, found = _issuable(content, slug, lang, place, named)
            problems += found
            chosen += [policy] if policy is not None else []
    if len({policy.lang for policy in chosen}) > 1:  # no language given, and their own differ
        problems += [_languages_problem(content, policy.slug) for policy in chosen]
    return chosen, problems


def _choice_problems(fields: Mapping) -> list[Problem]:
    """Exactly one of `policy` and `policies`, and `policies` a list of slugs."""
    if "policy" in fields and "policies" in fields:
        return [
            Problem(
                "give either policy (one procedure) or policies (several), not both",
                field="policies",
            )
        ]
    if "policies" not in fields:
        if "policy" not in fields:
            return [
                Problem(
                    "is required: give policy (one procedure) or policies (several)",
                    field="policy",
                )
            ]
        return []
    chosen = fields["policies"]
    if not isinstance(chosen, list) or not all(isinstance(slug, str) for slug in chosen):
        return [
            Problem(
                f"must be a list of 1 to {MAX_PROCEDURES} policy slugs (strings)",
                field="policies",
            )
        ]
    return []


def _issuable(
    content: Content, slug: str, lang: str | None, field: str, named: bool
) -> tuple[Policy | None, list[Problem]]:
    """The version of `slug` to issue in `lang`, or why there is none. `named`: the messages
    say which policy they are about (several share one field)."""
    prefix = f"{slug or '(empty)'}: " if named else ""
    offered = {policy.slug: policy for policy in content.offered()}
    if slug not in offered:
        return None, [Problem(f"{prefix}must be one of: {', '.join(offered)}", field=field)]
    problems = []
    refusal = content.clinic.review_refusal(offered[slug], date.today())
    if refusal is not None:  # clinic.toml overdue_review = "refuse"
        problems.append(Problem(prefix + refusal.message, field=field))
    chosen = content.find(slug, lang)
    if chosen is None:
        problems.append(_languages_problem(content, slug, lang))
    return (None if problems else chosen), problems


def _languages_problem(content: Content, slug: str, lang: str | None = None) -> Problem:
    """The languages a sheet of `slug` can be issued in, as a problem with `lang`; and, when
    `slug` has a translation in `lang` that may not be issued, why (as `check` says it): the
    caller learns that a translation is there but stale or unreviewed, not merely absent."""
    message = f"{content.policies[slug].title} can be issued in: " + ", ".join(
        f"{language_name(code)} ({code})" for code in content.languages(slug)
    )
    translation = content.translations.get(slug, {}).get(lang or "")
    if translation is not None and not translation.issuable:
        message += (
            f"; the {language_name(translation.policy.lang)} ({translation.policy.lang}) "
            f"translation is not offered: {translation.why}"
        )
    return Problem(message, field="lang")


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
            clinic, request.policies, request.patient, today, options, preview
        )
        pending = None
        if register is not None:
            pending = functools.partial(
                issuing.record,
                register,
                clinic=clinic,
                policies=list(request.policies),
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


def pool_render(preview: bool = False):
    """A reprint's render function (record.issuing.Render) through the desk's pool: the same
    time limit and isolation as a new sheet, and page 1's picture drawn in the worker.
    Raises Unavailable (busy or too slow) or RenderFailed."""

    def render(clinic, policies, patient, printed_on, options, assets) -> Rendered:
        try:
            return state().pool.render(
                clinic, policies, patient, printed_on, options, preview, assets
            )
        except Busy:
            raise Unavailable("every renderer is busy") from None
        except RenderTimeout:
            raise Unavailable("the sheet took longer than the time limit") from None

    return render
