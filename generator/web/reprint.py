"""The desk's "Reprint or look up a sheet" page: a registered sheet made again by ID and
name (through the render pool), and a patient's sheets listed by name and date."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Blueprint,
    make_response,
    redirect,
    render_template,
    request,
)

from generator.content.patient import parse_date
from generator.content.printing import entry_name
from generator.errors import AftercareError
from generator.i18n import N_
from generator.parallel.desk_pool import RenderFailed
from generator.record import issuing
from generator.record.register import ProviderNeeded, UnknownSheet, parse_sheet_id
from generator.sheet.schedule import Dates
from generator.web.access import (
    _,
    csrf_ok,
    csrf_token,
    session_id,
)
from generator.web.desk import signed_in
from generator.web.messages import labelled, problem_text, shared_text
from generator.web.sheet_requests import (
    RETRY_AFTER,
    Unavailable,
    pool_render,
)
from generator.web.state import Result, state

blueprint = Blueprint("reprint", __name__)


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
    if request.form.get("ask") == "name":  # a look-up row: ask for the name as on the sheet
        searched = request.form.get("searched", "")
        return _reprint_page({"id": fields["id"]}, {}, ask_name=searched)
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
        filename=entry_name(entry),
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
    ask_name: str | None = None,
) -> str:
    """The reprint and look-up page; `ask_provider`: the ID of a sheet whose provider is
    asked for, in the reprint form (focus there)."""
    focus = next((f for f in ("id", "name", "provider") if f in errors), "id")
    return render_template(
        "reprint.html.j2",
        form=fields,
        errors=errors,
        focus="provider" if ask_provider else "name" if ask_name is not None else focus,
        ask_provider=ask_provider,
        ask_name=ask_name,
        lookup=lookup or {},
        found=found,
        register=state().register is not None,
        csrf=csrf_token(),
        signed_in=signed_in(),
    )
