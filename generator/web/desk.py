"""The checkout desk: a form, then a result page to check page 1 and print.

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
import functools
import re
from dataclasses import replace
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

from generator import i18n
from generator.content import translations as languages
from generator.content.clinic import PAPERS
from generator.content.live import REFUSED
from generator.content.patient import parse_date
from generator.content.translations import language_name
from generator.errors import AftercareError, Problem
from generator.i18n import N_
from generator.parallel.desk_pool import RenderFailed
from generator.paths import STYLES, TEMPLATES
from generator.record import issuing
from generator.record.register import ProviderNeeded, UnknownSheet, parse_sheet_id
from generator.sheet.model import MAX_PROCEDURES
from generator.sheet.schedule import Dates
from generator.web.access import (
    _,
    csrf_ok,
    csrf_token,
    desk_language,
    may_see_desk,
    ngettext,
    pgettext,
    session_id,
)
from generator.web.language_menu import language_menu
from generator.web.sheet_requests import (
    RETRY_AFTER,
    TEXT_FIELDS,
    Unavailable,
    issue,
    parse_sheet_request,
    pool_render,
)
from generator.web.state import MAX_BODY, Recording, Result, state

blueprint = Blueprint("desk", __name__)
FAR_DAYS = 30  # a procedure date further than this from today must be confirmed
# The procedure selects, in order: the first, then the optional second and third.
PROCEDURE_FIELDS = ("policy", "policy-2", "policy-3")
AFTER_COLON = {*PROCEDURE_FIELDS, "lang", "paper"}  # "Procedure: choose a procedure"

# What code shared with the API says in English and the desk shows: marked here for the
# catalogs (their own modules speak English only). A message with values is recognised by its
# pattern and translated whole; the more specific of two alike comes first.
SHARED = (
    # sheets.py
    N_("choose a procedure"),
    N_("must be one of: %(choices)s"),
    N_("must be one of %(choices)s"),
    N_(
        "%(title)s can be issued in: %(languages)s; the %(language)s translation is not "
        "offered: %(reason)s"
    ),
    N_("%(title)s can be issued in: %(languages)s"),
    # languages.py: why a translation is not offered (the reason above)
    N_(
        "made from version %(version)s (%(hash)s); the %(language)s policy is now %(now)s "
        "(%(now_hash)s)"
    ),
    N_("not reviewed"),
    N_("is a draft (draft: true)"),
    N_("every renderer is busy"),
    N_("the sheet took longer than the time limit"),
    N_("the register cannot be reached"),
    # patient.py (its constant messages are marked there)
    N_("is %(length)s characters long; at most %(most)s"),
    N_("contains an invisible formatting character (%(char)s); retype it without that character"),
    N_("contains a control or unassigned character (%(char)s)"),
    # clinic.py: overdue_review = "refuse"
    N_(
        "review was due on %(date)s; the clinic refuses sheets of a policy overdue for review "
        "(clinic.toml overdue_review)"
    ),
    # register.py and issuing.py: reprints
    N_("a sheet ID is 8 letters and digits, as printed in the footer: XXXX-XXXX"),
    N_("no sheet %(id)s in the register"),
    N_("the name does not match sheet %(id)s"),
    N_("sheet %(id)s named no provider: leave it out"),
    N_("sheet %(id)s named a provider: give it too"),
    N_("the provider does not match sheet %(id)s"),
    N_(
        "sheet %(id)s was made by aftercare %(version)s with other templates or styles: the "
        "words and dates are the original's, the layout may differ"
    ),
    N_(
        "the name is typed otherwise than on sheet %(id)s (capitals or spaces): the reprint "
        "prints it as typed; type it as on the original for the same sheet"
    ),
    issuing.PROVIDER_NOTE,
)


@blueprint.app_context_processor
def desk_context() -> dict:
    """What every desk page shows: the clinic, and any content problems (the banner)."""
    content = state().content.current()
    allowed = may_see_desk()  # not on the sign-in page
    return {
        "clinic": content.clinic,
        "content_problems": content.problems if allowed else (),
        "content_warnings": [
            (warning.problem, effect_label(warning.effect))
            for warning in (content.warnings if allowed else ())
        ],
    }


def effect_label(effect: str) -> str:
    """What becomes of what a banner warning is about, as the banner says it beside it."""
    labels = {
        REFUSED: _("not printed until it is reviewed"),
        languages.STALE: _("not offered until it is updated"),
        languages.UNREVIEWED: _("not offered until it is reviewed"),
        languages.DRAFT: _("not offered while it is a draft"),
    }
    return labels.get(effect) or _("warning: printed as it is")


@blueprint.get("/")
def form():
    """A fresh form: the provider this browser used last, the date 'Today'."""
    return desk_page({"when": "today", "provider": _remembered("provider")}, {})


@blueprint.get("/next")
def next_patient():
    """A fresh form for the next patient: provider and procedure kept, focus on the name."""
    fields = {
        "when": "today",
        "provider": _remembered("provider"),
        "policy": _remembered("policy"),
    }
    return desk_page(fields, {}, focus="name")


@blueprint.post("/")
def submit():
    """Check the form; then the result page (POST, redirect, GET), or the form with every
    problem beside its field."""
    fields: dict[str, Any] = {key: request.form.get(key, "") for key in (*TEXT_FIELDS, "when")}
    chosen = request.form.getlist("policy")  # one per select, in order; "" for none
    fields.update(zip(PROCEDURE_FIELDS, [*chosen, "", ""], strict=False))
    fields["large_print"] = request.form.get("large_print") == "on"
    fields["confirm_date"] = request.form.get("confirm_date") == "on"
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
        return desk_page(fields, errors), 422
    state().memory.set(session_id(), "provider", sheet.patient.provider or "")
    state().memory.set(session_id(), "policy", sheet.policy.slug)
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
        filename=sheet.filename(),
        policy_title=sheet.title,
        policy_titles=tuple(policy.title for policy in sheet.policies),
        date_words=Dates(content.clinic.locale).long(sheet.patient.procedure_date),
        name=sheet.patient.name,
        sheet_id=issued.sheet_id,
    )
    return redirect(f"/sheets/{state().results.add(result)}", 303)


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


def field_labels() -> dict[str, str]:
    """The form's fields as its problems name them, in the desk's language."""
    return {
        "policy": pgettext("which procedure", "Procedure"),
        "policy-2": _("Second procedure"),
        "policy-3": _("Third procedure"),
        "lang": _("Language"),
        "name": _("Patient name"),
        "date": _("Procedure date"),
        "provider": _("Provider"),
        "paper": _("Paper"),
    }


def problem_text(problem: Problem) -> str:
    """A problem as one sentence for the desk, in its language: "Patient name is required",
    "Procedure: choose a procedure". The desk's own problems are made in its language; the
    shared code's English ones are translated here."""
    message = shared_text(problem.message)
    label = field_labels().get(problem.field or "")
    if not label:
        return str(replace(problem, message=message))
    return labelled(label, message, colon=problem.field in AFTER_COLON)


def labelled(label: str, message: str, colon: bool = False) -> str:
    """A field's label and a message about it, both in the desk's language, as one
    sentence."""
    if colon:
        # TRANSLATORS: a problem beside a form field: "Procedure: choose a procedure".
        return _("%(label)s: %(problem)s", label=label, problem=message)
    # TRANSLATORS: a problem beside a form field, with the label as its subject:
    # "Patient name is required". "%(label)s: %(problem)s" is fine where that reads better.
    return _("%(label)s %(problem)s", label=label, problem=message)


def shared_text(message: str) -> str:
    """A message from code shared with the API (English there) in the desk's language: the
    catalog's translation, or the translation of the SHARED pattern it matches with its
    values put back; else unchanged (also a message already in the desk's language)."""
    translated = _(message)
    if translated != message:
        return translated
    for pattern, template in _shared_patterns():
        found = pattern.fullmatch(message)
        if found:
            values = found.groupdict()
            for key in ("languages", "language"):  # "Spanish (es), Arabic (ar)", "English":
                if key in values:  # named in the desk's language
                    values[key] = _language_list(values[key])
            if "reason" in values:  # a shared message itself
                values["reason"] = shared_text(values["reason"])
            return _(template, **values)
    return message


@functools.cache
def _shared_patterns() -> list[tuple[re.Pattern, str]]:
    patterns = []
    for template in SHARED:
        if "%(" in template:
            regex = re.sub(r"%\\\((\w+)\\\)s", r"(?P<\1>.+?)", re.escape(template))
            patterns.append((re.compile(regex, re.DOTALL), template))
    return patterns


def _language_list(text: str) -> str:
    """Languages named in English, with their codes ("Spanish (es), Arabic (ar)") or a shipped
    one without ("English"), named in the desk's language; else the text as it is."""
    codes = re.findall(r"\(([A-Za-z0-9-]+)\)(?:, |$)", text)
    if not codes:
        code = next((code for code in i18n.LANGUAGES if language_name(code) == text), None)
        return language_name(code, desk_language()) if code else text
    return ", ".join(f"{language_name(code, desk_language())} ({code})" for code in codes)


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
    return render_template(
        "result.html.j2", key=key, result=found, csrf=csrf_token(), signed_in=_signed()
    )


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


def _result(key: str) -> Result:
    found = state().results.get(key, session.get("sid"))
    if found is None:
        abort(
            404,
            _(
                "This sheet is no longer here: sheets are kept for 15 minutes, in the "
                "browser that made them. Make it again from the form."
            ),
        )
    return found


def _pdf(found: Result, disposition: str) -> Response:
    if found.recording is not None:  # the sheet leaves the desk: its entry is stored first
        try:
            found.recording.ensure()
        except (AftercareError, sa.exc.SQLAlchemyError):
            abort(503, _("The register cannot be reached. Try again."))
    response = Response(
        found.pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'{disposition}; filename="{found.filename}"'},
    )
    if found.sheet_id:
        response.headers["X-Sheet-Id"] = found.sheet_id
    return response


def desk_page(fields: dict, errors: dict, focus: str | None = None) -> str:
    """The desk form with these values and errors; focus on the first field to fix."""
    content = state().content.current()
    policies = content.offered()
    chosen = fields.get("policy") or (policies[0].slug if len(policies) == 1 else "")
    fields = {**fields, "policy": chosen}
    if focus is None:
        order = [*PROCEDURE_FIELDS, "lang", "name", "date", "provider", "paper"]
        focus = next((f for f in order if f in errors), None)
        focus = focus or ("policy" if not chosen else "name")
    today = date.today()
    procedures = [fields.get(field) or "" for field in PROCEDURE_FIELDS]
    menu = language_menu(content, procedures, fields.get("lang") or "", "lang" in errors)
    return render_template(
        "desk.html.j2",
        form=fields,
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
        signed_in=_signed(),
        max_kib=MAX_BODY // 1024,
        focus=focus,
        today_words=Dates(content.clinic.locale).long(today),
        today=today.isoformat(),
    )


@blueprint.get("/reprint")
def reprint_page():
    """Reprint a sheet by its ID and name, or look up a patient's sheets."""
    return _reprint_page({}, {})


@blueprint.post("/reprint")
def reprint():
    """The registered sheet made again, byte for byte; then the usual result page.

    A look-up row's Reprint sends the ID and the name, and `ask=provider`: a sheet that
    named a provider then comes back as the reprint form with both filled in, asking for
    the provider (the register keeps only a digest of it), instead of as an error."""
    fields = {key: request.form.get(key, "") for key in ("id", "name", "provider")}
    register = state().register
    if not csrf_ok():
        return _reprint_page(fields, {"form": _(EXPIRED)}), 400
    if register is None:
        return _reprint_page(fields, {}), 404
    labels = {"id": _("Sheet ID"), "name": _("Patient name")}
    errors = {key: labelled(labels[key], _("is required")) for key in labels if not fields[key]}
    if errors:
        return _reprint_page(fields, errors), 422
    try:
        again = issuing.reprint(
            register,
            fields["id"],
            fields["name"],
            fields["provider"].strip() or None,
            pool_render(preview=True),
        )
    except Unavailable as exc:
        message = _("%(reason)s. Try again.", reason=shared_text(str(exc)))
        response = make_response(_reprint_page(fields, {"form": message}), 503)
        response.headers["Retry-After"] = str(RETRY_AFTER)
        return response
    except RenderFailed as exc:
        message = _(
            "The sheet could not be made: %(reason)s. Tell the clinic's IT person.", reason=exc
        )
        return _reprint_page(fields, {"form": message}), 500
    except AftercareError as exc:
        if isinstance(exc, ProviderNeeded) and request.form.get("ask") == "provider":
            return _reprint_page(fields, {}, ask_provider=parse_sheet_id(fields["id"]))
        problem = exc.problems[0]
        field = problem.field if problem.field in ("id", "name", "provider") else "form"
        status = 404 if isinstance(exc, UnknownSheet) else 422
        message = shared_text(problem.message)
        message = message[:1].upper() + message[1:]
        return _reprint_page(fields, {field: message}), status
    except sa.exc.SQLAlchemyError:
        message = _("The register cannot be reached. Try again.")
        return _reprint_page(fields, {"form": message}), 503
    entry = again.entry
    content = state().content.current()
    names = procedure_names(content, entry)
    result = Result(
        sid=session_id(),
        pdf=again.result.pdf,
        preview_png=getattr(again.result, "preview_png", None) or b"",  # drawn in the worker
        filename=f"reprint-{entry.id}.pdf",
        policy_title=" + ".join(names),
        policy_titles=names,
        date_words=Dates(content.clinic.locale).long(entry.procedure_date),
        name=fields["name"],
        sheet_id=entry.id,
        note="; ".join(
            shared_text(n) for n in (again.note, again.name_note, again.provider_note) if n
        )
        or None,
    )
    return redirect(f"/sheets/{state().results.add(result)}", 303)


@blueprint.post("/lookup")
def lookup():
    """The sheets made for a name (and procedure date)."""
    fields = {"name": request.form.get("name", ""), "date": request.form.get("date", "")}
    register = state().register
    if not csrf_ok():
        return _reprint_page({}, {"form": _(EXPIRED)}, lookup=fields), 400
    if register is None:
        return _reprint_page({}, {}, lookup=fields), 404
    errors: dict[str, str] = {}
    day = None
    if not fields["name"].strip():
        errors["find-name"] = labelled(_("Patient name"), _("is required"))
    if fields["date"]:
        try:
            day = parse_date(fields["date"])
        except AftercareError as exc:
            errors["find-date"] = problem_text(exc.problems[0])
    if errors:
        return _reprint_page({}, errors, lookup=fields), 422
    try:
        found = register.find(fields["name"], day)
    except sa.exc.SQLAlchemyError:
        message = _("The register cannot be reached. Try again.")
        return _reprint_page({}, {"form": message}, lookup=fields), 503
    content = state().content.current()
    rows = [(entry, procedure_names(content, entry)) for entry in found]
    return _reprint_page({"name": fields["name"]}, {}, lookup=fields, found=rows)


def procedure_names(content, entry) -> tuple[str, ...]:
    """Each procedure of a register entry with the version it was printed from: its title
    where the desk still serves it (in the sheet's language), else its slug."""
    names = []
    for source in entry.policies:
        policy = content.find(source.slug, source.lang)
        names.append(f"{policy.title if policy else source.slug} {source.version}")
    return tuple(names)


EXPIRED = N_("The form had expired. Check the details and press the button again.")


def _reprint_page(
    fields: dict,
    errors: dict,
    lookup: dict | None = None,
    found=None,
    ask_provider: str | None = None,
) -> str:
    """The reprint and look-up page; `ask_provider`: the ID of a sheet whose provider is
    asked for, in the reprint form (focus there)."""
    focus = next((f for f in ("id", "name", "provider") if f in errors), "id")
    return render_template(
        "reprint.html.j2",
        form=fields,
        errors=errors,
        focus="provider" if ask_provider else focus,
        ask_provider=ask_provider,
        lookup=lookup or {},
        found=found,
        register=state().register is not None,
        csrf=csrf_token(),
        signed_in=_signed(),
    )


def _signed() -> bool:
    return state().token is not None


def _remembered(key: str) -> str:
    return state().memory.get(session.get("sid"), key, "")


@blueprint.get("/assets/desk.css")
def desk_css():
    """The desk's stylesheet."""
    return Response((STYLES / "desk.css").read_bytes(), mimetype="text/css")


@blueprint.get("/assets/desk.js")
def desk_js():
    """The desk's one script: the Language menu follows the procedures chosen (the desk works
    without it)."""
    return Response((TEMPLATES / "desk.js").read_bytes(), mimetype="text/javascript")


@blueprint.get("/assets/brand.css")
def brand_css():
    """The clinic's colours for the desk (checked for contrast when clinic.toml is read)."""
    colors = state().content.current().clinic.colors
    css = f":root {{ --primary: {colors['primary']}; --accent: {colors['accent']}; }}\n"
    return Response(css, mimetype="text/css")


@blueprint.get("/assets/logo")
def logo():
    """The clinic's logo."""
    path = state().content.current().clinic.logo
    mimetype = "image/svg+xml" if path.suffix.lower() == ".svg" else "image/png"
    try:
        return Response(path.read_bytes(), mimetype=mimetype)
    except OSError:  # removed since clinic.toml was read; the banner will say so
        abort(404)
