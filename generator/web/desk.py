"""The checkout desk: a form, then a result page to check page 1 and print (the reprint and
look-up page is `reprint`, the desk's words for problems `messages`, its assets `assets`).

No slips: with several procedures none is chosen until staff choose one; a blank date is an
error unless "Today" is chosen, and today means the moment of submitting; a date more than
30 days away needs a tick; every problem is shown at once beside its field.

Procedures done on the same visit share one sheet: the form has up to three procedure
selects, all named `policy` (the first as ever, then "Second procedure" and "Third
procedure", empty unless chosen), read in order. The same procedure twice is an error at the
later select; only the first procedure is remembered for the next patient.

Every word is in the clinic's language (`_`, `ngettext`: see access.py). Messages from code
the API shares (patient.py, sheets.py, the register) are English there; `shared_text` puts
them in the desk's language where the desk shows them.
"""

from __future__ import annotations

import contextlib
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    make_response,
    redirect,
    render_template,
    request,
    session,
)
from werkzeug.exceptions import ServiceUnavailable

from generator.content.clinic import PAPERS
from generator.content.patient import parse_date
from generator.content.translations import language_name
from generator.errors import AftercareError, Problem
from generator.parallel.desk_pool import RenderFailed
from generator.sheet.model import MAX_PROCEDURES
from generator.sheet.schedule import Dates
from generator.web import checkout, printing
from generator.web.access import (
    _,
    csrf_ok,
    csrf_token,
    desk_language,
    may_see_desk,
    ngettext,
    session_id,
)
from generator.web.language_menu import language_menu
from generator.web.messages import (
    PROCEDURE_FIELDS,
    field_labels,
    problem_text,
    shared_text,
)
from generator.web.sheet_requests import (
    RETRY_AFTER,
    TEXT_FIELDS,
    Unavailable,
    issue,
    parse_sheet_request,
)
from generator.web.state import Recording, Result, state

blueprint = Blueprint("desk", __name__)
FAR_DAYS = 30  # a procedure date further than this from today must be confirmed


@blueprint.app_context_processor
def desk_context() -> dict:
    """What every desk page shows: the clinic, and any content problems (the banner)."""
    content = state().content.current()
    allowed = may_see_desk()  # not on the sign-in page
    return {
        "clinic": content.clinic,
        # one plain line for staff; the full list is on /manage, for the clinic's manager
        "content_notice": checkout.staff_notice(content) if allowed else None,
    }


@blueprint.get("/")
def form():
    """A fresh form: the provider this browser used last, the date 'Today'. Or the form as
    it was sent: back from its result (`?draft=`), or kept across a sign-out."""
    if "desk" in request.args:  # this browser's desk, for its print queue ([printing.desks])
        chosen = request.args["desk"]
        desks = dict(state().content.current().clinic.printing.desks)
        session["desk"] = chosen if chosen in desks else None
        return redirect("/", 303)
    kept = checkout.kept_form()
    if kept is not None:
        return desk_page(read_form(kept), {}, notice=_(checkout.NOTICE_KEPT))
    if "draft" in request.args:  # a form page reloaded, or Back from its result
        sent = checkout.drafted(request.args["draft"])
        if sent is not None:
            return desk_page(sent, {}, focus="name", draft=request.args["draft"])
        return desk_page(next_fields(), {}, draft=request.args["draft"])
    return desk_page({"when": "today", "provider": _remembered("provider")}, {})


@blueprint.get("/next")
def next_patient():
    """A fresh form for the next patient: provider and procedure kept, focus on the name."""
    return desk_page(next_fields(), {}, focus="name")


def next_fields() -> dict:
    """The next patient's form: procedure, provider and language kept from the last."""
    return {
        "when": "today",
        "provider": _remembered("provider"),
        "policy": _remembered("policy"),
        "lang": _remembered("lang"),
    }


def read_form(form) -> dict:
    """The desk form's values as sent (the procedure selects in order)."""
    fields: dict[str, Any] = {key: form.get(key, "") for key in (*TEXT_FIELDS, "when")}
    chosen = form.getlist("policy")  # one per select, in order; "" for none
    fields.update(zip(PROCEDURE_FIELDS, [*chosen, "", ""], strict=False))
    fields["large_print"] = form.get("large_print") == "on"
    fields["confirm_date"] = form.get("confirm_date") == "on"
    return fields


@blueprint.post("/")
def submit():
    """Check the form; then the result page (POST, redirect, GET), or the form with every
    problem beside its field."""
    fields = read_form(request.form)
    chosen = request.form.getlist("policy")
    draft = request.form.get("draft", "")
    if not csrf_ok():
        message = _("The form had expired. Check the details below and press Create PDF again.")
        return desk_page(fields, {"form": message}), 400
    content = state().content.current()
    today = date.today()  # the moment of submitting, not of loading the page
    problems: list[Problem] = []
    typed_date = fields["date"].strip()
    if not typed_date and fields["when"] != "today":
        problems.append(Problem(_("is missing: enter the date, or choose Today"), field="date"))
    if typed_date and fields["when"] == "today" and typed_date != today.isoformat():
        problems.append(
            Problem(
                _(
                    "was typed, but Today is chosen: choose Another day to use the typed date, "
                    "or clear it"
                ),
                field="date",
            )
        )
    picks, choice_problems = _procedures(content, chosen)
    problems += choice_problems
    request_fields: dict[str, Any] = {
        "name": fields["name"],
        "date": typed_date or today.isoformat(),
        "provider": fields["provider"] or None,
        "paper": fields["paper"] or None,
        "lang": fields["lang"] or None,
        "large_print": fields["large_print"],
    }
    if not picks or (len(picks) == 1 and picks[0][1] == "policy"):
        request_fields["policy"] = picks[0][0] if picks else ""
        places = None
    else:
        request_fields["policies"] = [slug for slug, _ in picks]
        places = [place for _, place in picks]
    sheet = None
    try:
        sheet = parse_sheet_request(content, request_fields, places)
    except AftercareError as exc:
        problems.extend(exc.problems)
    if not fields["confirm_date"] and not any(p.field == "date" for p in problems):
        with contextlib.suppress(AftercareError):  # a bad date was reported above
            far = _far_date_problem(
                parse_date(request_fields["date"]), today, content.clinic.locale
            )
            if far:
                problems.append(far)
                fields["ask_confirm"] = True
    if problems or sheet is None:
        errors: dict[str, str] = {}
        for problem in problems:
            errors.setdefault(problem.field or "form", problem_text(problem))
        return desk_page(fields, errors, draft=draft), 422
    repeated = checkout.repeat_of(draft, fields)
    if repeated:  # the same form sent again: the same sheet, not printed again
        return redirect(f"/sheets/{repeated}", 303)
    state().memory.set(session_id(), "provider", sheet.patient.provider or "")
    state().memory.set(session_id(), "policy", sheet.policy.slug)
    state().memory.set(session_id(), "lang", fields["lang"])
    try:
        issued = issue(sheet, content.clinic, "desk", session_id(), preview=True, record_now=False)
    except Unavailable as exc:
        message = _("%(reason)s. Try again.", reason=shared_text(str(exc)))
        response = make_response(desk_page(fields, {"form": message}), 503)
        response.headers["Retry-After"] = str(RETRY_AFTER)
        return response
    except (AftercareError, RenderFailed) as exc:
        # TRANSLATORS: %(reason)s is a technical detail, in English, for the IT person.
        message = _(
            "The sheet could not be made: %(reason)s. Tell the clinic's IT person.", reason=exc
        )
        return desk_page(fields, {"form": message}), 500
    result = Result(
        sid=session_id(),
        recording=Recording(issued.pending) if issued.pending else None,
        pdf=issued.rendered.pdf,
        preview_png=issued.rendered.preview_png or b"",
        filename=sheet.filename(issued.sheet_id),
        policy_title=sheet.title,
        policy_titles=tuple(policy.title for policy in sheet.policies),
        date_words=Dates(content.clinic.locale).long(sheet.patient.procedure_date),
        name=sheet.patient.name,
        sheet_id=issued.sheet_id,
    )
    key = state().results.add(result)
    language = language_name(sheet.policy.lang, desk_language())
    checkout.remember(key, draft, fields, sheet.patient.provider or "", language)
    if checkout.desk_queue():
        _print(key, result)
    return redirect(f"/sheets/{key}", 303)


def _print(key: str, result: Result) -> None:
    """Print a new result on the desk's queue; a failure is shown on its result page."""
    try:
        checkout.print_result(key, result)
    except printing.PrintFailed as exc:
        session["print_error"] = exc.problems[0].message
    except (AftercareError, sa.exc.SQLAlchemyError):
        session["print_error"] = "the register cannot be reached"


def _procedures(content, chosen: list[str]) -> tuple[list[tuple[str, str]], list[Problem]]:
    """The procedures chosen in the selects, in order, each with its select's field and each
    once; and what is wrong with the choice, at the select concerned."""
    titles = {policy.slug: policy.title for policy in content.offered()}
    problems: list[Problem] = []
    picks: list[tuple[str, str]] = []
    for index, slug in enumerate(chosen):
        if not slug:
            continue
        if index >= len(PROCEDURE_FIELDS):  # only a hand-made form has more selects
            message = ngettext(
                "one sheet is for at most %(count)s procedure",
                "one sheet is for at most %(count)s procedures",
                MAX_PROCEDURES,
            )
            problems.append(Problem(message, field="policy"))
            break
        if any(slug == earlier for earlier, _ in picks):
            message = _(
                "%(title)s is already chosen above: choose another procedure, or none here",
                title=titles.get(slug, slug),
            )
            problems.append(Problem(message, field=PROCEDURE_FIELDS[index]))
        else:
            picks.append((slug, PROCEDURE_FIELDS[index]))
    return picks, problems


def _far_date_problem(day: date, today: date, locale: str) -> Problem | None:
    distance = (day - today).days
    if abs(distance) <= FAR_DAYS:
        return None
    words = Dates(locale).long(day)
    if distance > 0:
        message = ngettext(
            "is %(date)s, %(count)s day after today. If that is right, tick “Yes, this date "
            "is right”",
            "is %(date)s, %(count)s days after today. If that is right, tick “Yes, this date "
            "is right”",
            abs(distance),
            date=words,
        )
    else:
        message = ngettext(
            "is %(date)s, %(count)s day before today. If that is right, tick “Yes, this date "
            "is right”",
            "is %(date)s, %(count)s days before today. If that is right, tick “Yes, this date "
            "is right”",
            abs(distance),
            date=words,
        )
    return Problem(message, field="date")


@blueprint.get("/sheets/<key>")
def result(key: str):
    """The result page: page 1 as a picture, Print, Download and Next patient."""
    found = _result(key)
    sent = checkout.extra(key)
    job = checkout.checkout().prints.get(key)
    page = {
        "key": key,
        "result": found,
        "extra": sent,
        "job": checkout.job_words(job, printing.state(job)) if job else None,
        "print_error": session.pop("print_error", None),
    }
    if checkout.desk_queue():  # the next patient's form, focused on the name
        return desk_page(next_fields(), {}, focus="name", template="result.html.j2", **page)
    return render_template("result.html.j2", csrf=csrf_token(), signed_in=signed_in(), **page)


@blueprint.get("/sheets/<key>/correct")
def correct(key: str):
    """The form this sheet was made from, to correct and print again."""
    _result(key)
    sent = checkout.extra(key)
    if sent is None:
        abort(404)
    return desk_page(sent.form, {}, focus="name")


@blueprint.get("/sheets/<key>/sheet.pdf")
def result_pdf(key: str):
    """The PDF, shown in the browser to print."""
    return _pdf(_result(key), "inline")


@blueprint.get("/sheets/<key>/download")
def result_download(key: str):
    """The PDF as a download."""
    return _pdf(_result(key), "attachment")


@blueprint.get("/sheets/<key>/page-1.png")
def result_preview(key: str):
    """Page 1 as a picture."""
    return Response(_result(key).preview_png, mimetype="image/png")


def result_or_404(key: str) -> Result:
    """This browser's result `key`, or a 404 page that says what to do."""
    return _result(key)


def _result(key: str) -> Result:
    found = state().results.get(key, session.get("sid"))
    if found is None:
        abort(
            404,
            _(
                "This sheet is no longer here: the desk keeps the last 50 sheets until you "
                "sign out (at most 12 hours), in the browser that made them. Make it again "
                "from the form."
            ),
        )
    return found


def _pdf(found: Result, disposition: str) -> Response:
    if found.recording is not None:  # the sheet leaves the desk: its entry is stored first
        try:
            found.recording.ensure()
        except (AftercareError, sa.exc.SQLAlchemyError):
            message = _("The register cannot be reached. Try again.")
            raise ServiceUnavailable(message, retry_after=RETRY_AFTER) from None
    response = Response(
        found.pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'{disposition}; filename="{found.filename}"'},
    )
    if found.sheet_id:
        response.headers["X-Sheet-Id"] = found.sheet_id
    return response


def desk_page(
    fields: dict,
    errors: dict,
    focus: str | None = None,
    template: str = "desk.html.j2",
    draft: str | None = None,
    notice: str | None = None,
    **page,
) -> str:
    """The desk form with these values and errors; focus on the first field to fix. A
    refused procedure is listed, disabled, with why."""
    content = state().content.current()
    policies = content.offered()
    today = date.today()
    refused = {p.slug: checkout.refusal_label(p, content.clinic, today) for p in policies}
    usable = [p for p in policies if not refused[p.slug]]
    chosen = fields.get("policy") or (usable[0].slug if len(policies) == 1 and usable else "")
    fields = {**fields, "policy": chosen}
    if focus is None:
        order = [*PROCEDURE_FIELDS, "lang", "name", "date", "provider", "paper"]
        focus = next((f for f in order if f in errors), None)
        focus = focus or ("policy" if not chosen else "name")
    procedures = [fields.get(field) or "" for field in PROCEDURE_FIELDS]
    menu = language_menu(content, procedures, fields.get("lang") or "", "lang" in errors)
    picked = [slug for slug in procedures if slug] or [p.slug for p in policies]
    return render_template(
        template,
        form=fields,
        refused=refused,
        unavailable=checkout.unavailable_languages(content, picked) if menu else [],
        queue=checkout.desk_queue(),
        draft=draft or checkout.new_draft(),
        notice=notice,
        menu=menu,
        errors=errors,
        papers=PAPERS,
        policies=policies,
        # the optional selects for other procedures of the same visit, as many as can differ
        also=[
            (field, field_labels()[field])
            for field in PROCEDURE_FIELDS[1 : min(len(policies), MAX_PROCEDURES)]
        ],
        csrf=csrf_token(),
        signed_in=signed_in(),
        focus=focus,
        today_words=Dates(content.clinic.locale).long(today),
        today=today.isoformat(),
        **page,
    )


def signed_in() -> bool:
    return state().token is not None


def _remembered(key: str) -> str:
    return state().memory.get(session.get("sid"), key, "")
