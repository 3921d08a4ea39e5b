"""The checkout desk: one form, a PDF back; errors beside their fields, input kept."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, make_response, render_template, request, session

from ..clinic import PAPERS
from ..errors import AftercareError
from ..paths import STYLES
from ..pool import RenderFailed
from .access import csrf_ok, csrf_token, session_id
from .sheets import RETRY_AFTER, TEXT_FIELDS, Unavailable, parse_sheet_request, problem_text, render
from .state import MAX_BODY, state

blueprint = Blueprint("desk", __name__)
FIELD_LABELS = {
    "policy": "Procedure:",
    "name": "Patient name",
    "date": "Procedure date",
    "provider": "Provider",
    "paper": "Paper:",
}


@blueprint.get("/")
def form():
    """A fresh form: today's date, and the provider this browser used last."""
    fields = {"date": date.today().isoformat(), "provider": _remembered_provider(), "paper": ""}
    return desk_page(fields, {})


@blueprint.post("/")
def submit():
    """Check the form, then answer the PDF, or the form again with every problem shown."""
    fields = {key: request.form.get(key, "") for key in TEXT_FIELDS}
    fields["large_print"] = request.form.get("large_print") == "on"
    if not csrf_ok():
        message = "The form had expired. Check the details below and press Create PDF again."
        return desk_page(fields, {"form": message}), 400
    request_fields = dict(
        fields, paper=fields["paper"] or None, provider=fields["provider"] or None
    )
    try:
        sheet = parse_sheet_request(state().project, request_fields)
    except AftercareError as exc:
        errors: dict[str, str] = {}
        for problem in exc.problems:
            errors.setdefault(problem.field or "form", problem_text(problem, FIELD_LABELS))
        return desk_page(fields, errors), 422
    state().memory.set(session_id(), "provider", sheet.patient.provider or "")
    try:
        rendered = render(sheet)
    except Unavailable as exc:
        response = make_response(desk_page(fields, {"form": f"{exc}. Try again."}), 503)
        response.headers["Retry-After"] = str(RETRY_AFTER)
        return response
    except (AftercareError, RenderFailed) as exc:
        message = f"The sheet could not be made: {exc}. Tell the clinic's IT person."
        return desk_page(fields, {"form": message}), 500
    return Response(
        rendered.pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{sheet.filename()}"'},
    )


def desk_page(fields: dict, errors: dict) -> str:
    """The desk form with these values and errors."""
    desk = state()
    return render_template(
        "desk.html.j2",
        form=fields,
        errors=errors,
        papers=PAPERS,
        policies=desk.project.all_policies(),
        clinic=desk.project.clinic,
        csrf=csrf_token(),
        signed_in=desk.token is not None,
        max_kib=MAX_BODY // 1024,
    )


def _remembered_provider() -> str:
    return state().memory.get(session.get("sid"), "provider", "")


@blueprint.get("/assets/desk.css")
def desk_css():
    """The desk's stylesheet."""
    return Response((STYLES / "desk.css").read_bytes(), mimetype="text/css")


@blueprint.get("/assets/logo")
def logo():
    """The clinic's logo."""
    path = state().project.clinic.logo
    mimetype = "image/svg+xml" if path.suffix.lower() == ".svg" else "image/png"
    return Response(path.read_bytes(), mimetype=mimetype)
