"""The JSON API: policies, sheets and the OpenAPI description that states its exact rules."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Blueprint, Response, jsonify, request

from generator import __version__
from generator.content.patient import clean_text
from generator.content.printing import entry_name
from generator.errors import AftercareError, Problem
from generator.parallel.desk_pool import RenderFailed
from generator.record import fhir, issuing
from generator.record.register import UnknownSheet, parse_sheet_id
from generator.record.register_care import PUBLIC, RegisterTrouble, classify, probe
from generator.sheet.model import build as build_sheet
from generator.web import checkout
from generator.web.openapi import MAX_DEPTH, spec
from generator.web.sheet_requests import (
    RETRY_AFTER,
    Unavailable,
    issue,
    parse_sheet_request,
    pool_render,
)
from generator.web.state import state

blueprint = Blueprint("api", __name__)


class BadBody(Exception):
    """The body is not a JSON object we can read (HTTP 400)."""


def api_error(message: str, field: str | None, status: int, problems=()) -> Response:
    """`{"error", "field"}` (and every problem, when there are several) with a status."""
    body: dict = {"error": message, "field": field}
    if len(problems) > 1:
        body["problems"] = [{"error": p.message, "field": p.field} for p in problems]
    response = jsonify(body)
    response.status_code = status
    return response


@blueprint.get("/healthz")
def healthz():
    """Up, the version, renderers running, content files with problems, and whether sheets
    can be recorded now (`register`): "ok" only when a sheet can be made and recorded."""
    problems = len(state().content.current().problems)
    register = state().register
    recordable = "none" if register is None else probe(register)
    renderers = state().pool.ready_count()
    ok = recordable in ("ok", "none") and renderers > 0 and not pool_failing(state().pool)
    response = jsonify(
        status="ok" if ok else "unavailable",
        version=__version__,
        renderers=renderers,
        content_problems=problems,
        register=recordable,
    )
    if not ok:
        response.status_code = 503
        response.headers["Retry-After"] = str(RETRY_AFTER)
    return response


def pool_failing(pool) -> bool:
    """Whether the render pool keeps losing its workers (it is backing off)."""
    failing = getattr(pool, "failing", None)
    return bool(failing()) if callable(failing) else False


@blueprint.get("/api/openapi.json")
def openapi():
    """The OpenAPI 3.1 description of this server, with the current policies."""
    content = state().content.current()
    slugs = [p.slug for p in content.offered()]
    languages = {slug: content.languages(slug) for slug in slugs}
    return jsonify(spec(slugs, languages, print_queue=checkout.server_queue() is not None))


@blueprint.get("/api/policies")
def policies():
    """Every policy a sheet can be made for."""
    content = state().content.current()
    return jsonify(
        [
            {
                "slug": p.slug,
                "title": p.title,
                "version": p.version,
                "languages": content.languages(p.slug),
            }
            for p in content.offered()
        ]
    )


PDF, FHIR_JSON = "application/pdf", "application/fhir+json"


@blueprint.post("/api/sheets")
def sheets():
    """One personalised sheet of one procedure (`policy`) or of several done on one visit
    (`policies`), as PDF (or as a FHIR Bundle holding it, for `Accept:
    application/fhir+json`); bad input is a JSON error naming the field."""
    try:
        body = read_json_object()
    except BadBody as exc:
        return api_error(str(exc), None, 400)
    content = state().content.current()
    reference = body.pop(fhir.REFERENCE_FIELD, None)
    asked = body.pop("print", None)
    try:
        sheet = parse_sheet_request(content, body)
        reference = fhir.check_patient_reference(reference)
        queue = checkout.api_queue(asked)
    except AftercareError as exc:
        first = exc.problems[0]
        return api_error(first.message, first.field, 422, exc.problems)
    try:
        issued = issue(sheet, content.clinic, "api")
    except Unavailable as exc:
        return unavailable(exc)
    except (AftercareError, RenderFailed) as exc:
        return api_error(f"the sheet could not be made: {exc}", None, 500)
    if request.accept_mimetypes.best_match([PDF, FHIR_JSON]) == FHIR_JSON:
        built = build_sheet(
            content.clinic, sheet.policies, sheet.patient, issued.printed_on, issued.options
        )
        payload = fhir.bundle(
            built, issued.rendered.pdf, issued=datetime.now(UTC), patient_reference=reference
        )
        response = Response(json.dumps(payload), mimetype=FHIR_JSON)
    else:
        response = pdf_response(issued.rendered.pdf, sheet.filename(issued.sheet_id))
    if issued.sheet_id:
        response.headers["X-Sheet-Id"] = issued.sheet_id
    if queue:  # recorded above: the sheet may leave
        response.headers.update(
            checkout.api_print(issued.rendered.pdf, sheet.filename(issued.sheet_id), queue)
        )
    return response


@blueprint.get("/api/sheets/<path:sheet_id>")
def sheet_entry(sheet_id: str):
    """What the register holds of one sheet: never a name."""
    register = state().register
    if register is None:
        return api_error(NO_REGISTER, None, 404)
    try:
        entry = run_register(lambda: register.get(sheet_id))
    except UnknownSheet as exc:
        return api_error(exc.problems[0].message, "id", 404)
    except AftercareError as exc:
        return api_error(exc.problems[0].message, "id", 400)
    except Unavailable as exc:
        return unavailable(exc)
    return jsonify(entry.public())


@blueprint.post("/api/reprints")
def reprints():
    """A registered sheet made again, byte for byte, for the name (and provider) it had."""
    try:
        body = read_json_object()
    except BadBody as exc:
        return api_error(str(exc), None, 400)
    problems = [
        Problem("unknown field; fields: id, name, provider", field=key)
        for key in sorted(set(body) - {"id", "name", "provider"})
    ]
    for key in ("id", "name", "provider"):
        if body.get(key) is not None and not isinstance(body[key], str):
            problems.append(Problem("must be a string", field=key))
        elif key != "provider" and not (body.get(key) or "").strip():
            problems.append(Problem("is required", field=key))
        else:  # as the description says: a sheet ID, and names as a sheet takes them
            problems += reprint_field_problems(key, body.get(key))
    if problems:
        return api_error(problems[0].message, problems[0].field, 422, problems)
    register = state().register
    if register is None:
        return api_error(NO_REGISTER, None, 404)
    try:
        again = run_register(
            lambda: issuing.reprint(
                register, body["id"], body["name"], body.get("provider"), pool_render()
            )
        )
    except UnknownSheet as exc:
        return api_error(exc.problems[0].message, "id", 404)
    except AftercareError as exc:
        first = exc.problems[0]
        return api_error(first.message, first.field, 422, exc.problems)
    except Unavailable as exc:
        return unavailable(exc)
    except RenderFailed as exc:
        return api_error(f"the sheet could not be made: {exc}", None, 500)
    response = pdf_response(again.result.pdf, entry_name(again.entry))
    response.headers["X-Sheet-Id"] = again.entry.id
    if again.name_note:
        response.headers["X-Name-Note"] = "the name is typed otherwise than on the original"
    if again.provider_note:
        response.headers["X-Provider-Note"] = "the provider is typed otherwise than on the original"
    if again.note:
        response.headers["X-Layout-Note"] = "the layout may differ from the original"
    return response


def reprint_field_problems(key: str, value: str | None) -> list[Problem]:
    """What is wrong with one field of a reprint request, by the rules a new sheet has."""
    try:
        if key == "id":
            parse_sheet_id(value or "")
        else:
            clean_text(value, key, key == "name")
    except AftercareError as exc:
        return list(exc.problems)
    return []


NO_REGISTER = "this clinic keeps no register (clinic.toml: register = false)"


def run_register(action):
    """Run a register call; an unreachable database is Unavailable (503)."""
    try:
        return action()
    except RegisterTrouble as exc:
        raise Unavailable(exc.public) from None
    except sa.exc.SQLAlchemyError as exc:
        raise Unavailable(PUBLIC[classify(exc)]) from None


def unavailable(exc: Exception) -> Response:
    response = api_error(f"{exc}; try again", None, 503)
    response.headers["Retry-After"] = str(RETRY_AFTER)
    return response


def pdf_response(pdf: bytes, filename: str) -> Response:
    return Response(
        pdf, mimetype=PDF, headers={"Content-Disposition": f'inline; filename="{filename}"'}
    )


def read_json_object() -> dict:
    """The request body as a JSON object, at most MAX_DEPTH levels deep."""
    if not request.is_json:
        raise BadBody("the body must be JSON (Content-Type: application/json)")
    try:
        body = json.loads(request.get_data(cache=False))
    except (ValueError, RecursionError):
        raise BadBody('the body must be JSON: {"policy", "name", "date", "provider"}') from None
    if _too_deep(body):
        raise BadBody(f"the JSON is nested deeper than {MAX_DEPTH} levels")
    if not isinstance(body, dict):
        raise BadBody("the body must be a JSON object")
    return body


def _too_deep(value) -> bool:
    """Whether arrays and objects nest more than MAX_DEPTH levels."""
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        if isinstance(item, (dict, list)):
            if level > MAX_DEPTH:
                return True
            stack.extend((child, level + 1) for child in children)
    return False
