"""The JSON API: policies, sheets and the OpenAPI description that states its exact rules."""

from __future__ import annotations

import json

from flask import Blueprint, Response, jsonify, request

from .. import __version__
from ..errors import AftercareError
from ..pool import RenderFailed
from .openapi import MAX_DEPTH, spec
from .sheets import RETRY_AFTER, Unavailable, parse_sheet_request, render
from .state import state

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
    """Liveness: up, the version, renderers running, and content files with problems."""
    problems = len(state().content.current().problems)
    return jsonify(
        status="ok",
        version=__version__,
        renderers=state().pool.ready_count(),
        content_problems=problems,
    )


@blueprint.get("/api/openapi.json")
def openapi():
    """The OpenAPI 3.1 description of this server, with the current policies."""
    return jsonify(spec([p.slug for p in state().content.current().offered()]))


@blueprint.get("/api/policies")
def policies():
    """Every policy a sheet can be made for."""
    return jsonify(
        [
            {"slug": p.slug, "title": p.title, "version": p.version}
            for p in state().content.current().offered()
        ]
    )


@blueprint.post("/api/sheets")
def sheets():
    """One personalised sheet as PDF; bad input is a JSON error naming the field."""
    try:
        body = read_json_object()
    except BadBody as exc:
        return api_error(str(exc), None, 400)
    content = state().content.current()
    try:
        sheet = parse_sheet_request(content, body)
    except AftercareError as exc:
        first = exc.problems[0]
        return api_error(first.message, first.field, 422, exc.problems)
    try:
        rendered = render(sheet, content.clinic)
    except Unavailable as exc:
        response = api_error(f"{exc}; try again", None, 503)
        response.headers["Retry-After"] = str(RETRY_AFTER)
        return response
    except (AftercareError, RenderFailed) as exc:
        return api_error(f"the sheet could not be made: {exc}", None, 500)
    return Response(
        rendered.pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{sheet.filename()}"'},
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
