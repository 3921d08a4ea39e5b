"""The checkout desk (a form) and the JSON API, as one Flask app. Thin: it validates input,
asks the render pool for a PDF, and answers. Patient data never reaches a URL or a log."""

from __future__ import annotations

import hmac
import logging
import secrets
import time
from datetime import date
from urllib.parse import urlsplit

from flask import Flask, Response, abort, g, jsonify, redirect, render_template, request, session
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from . import __version__
from . import patient as patient_module
from .build import Project
from .clinic import PAPERS
from .errors import AftercareError, Problem
from .openapi import SPEC
from .paths import STYLES, TEMPLATES
from .pool import Busy, RenderTimeout
from .sheet import Options

ACCESS_LOG = logging.getLogger("aftercare.access")
MAX_BODY = 16 * 1024
TEXT_FIELDS = {"policy", "name", "date", "provider", "paper"}
FLAG_FIELDS = {"large_print", "pdf_a"}
API_FIELDS = TEXT_FIELDS | FLAG_FIELDS
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}
FIELD_LABELS = {
    "policy": "Procedure:",
    "name": "Patient name",
    "date": "Procedure date",
    "provider": "Provider",
    "paper": "Paper:",
}


def create_app(project: Project, pool, token: str | None = None) -> Flask:
    """The desk and API. With a token, every request must present it."""
    app = Flask(__name__, template_folder=str(TEMPLATES), static_folder=None)
    app.config.update(
        SECRET_KEY=secrets.token_bytes(32),
        MAX_CONTENT_LENGTH=MAX_BODY,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_NAME="aftercare_session",
    )
    app.jinja_env.autoescape = True
    app.extensions["aftercare"] = {"project": project, "pool": pool, "token": token}

    @app.before_request
    def guard():
        g.started = time.perf_counter()
        if token is None and urlsplit(f"//{request.host}").hostname not in LOOPBACK_HOSTS:
            abort(403)  # no token: loopback only, which also stops DNS rebinding
        if token is None or request.endpoint in ("healthz", "signin", "desk_css", "logo"):
            return None
        if request.path.startswith("/api/"):
            sent = request.headers.get("Authorization", "")
            if not (sent.startswith("Bearer ") and hmac.compare_digest(sent[7:], token)):
                return _api_error(
                    "a valid 'Authorization: Bearer <token>' header is required", None, 401
                )
        elif not session.get("signed_in"):
            return redirect("/signin")
        return None

    @app.after_request
    def headers_and_log(response: Response) -> Response:
        response.headers.setdefault("Cache-Control", "no-store")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
            "frame-ancestors 'none'; base-uri 'none'"
        )
        elapsed = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        ACCESS_LOG.info(
            "%s %s %s %.0fms", request.method, request.path, response.status_code, elapsed
        )
        return response

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if isinstance(exc, RequestEntityTooLarge):
            return _api_error(f"the request body is larger than {MAX_BODY // 1024} KiB", None, 400)
        if request.path.startswith("/api/"):
            return _api_error(exc.description or exc.name, None, exc.code or 500)
        return exc

    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok", version=__version__)

    @app.get("/api/openapi.json")
    def openapi():
        return jsonify(SPEC)

    @app.get("/api/policies")
    def policies():
        return jsonify(
            [
                {"slug": p.slug, "title": p.title, "version": p.version}
                for p in project.all_policies()
            ]
        )

    @app.post("/api/sheets")
    def api_sheet():
        body = request.get_json(silent=True)
        if body is None:
            return _api_error(
                'the body must be JSON: {"policy", "name", "date", "provider"}', None, 400
            )
        if not isinstance(body, dict):
            return _api_error("the body must be a JSON object", None, 400)
        unknown = sorted(set(body) - API_FIELDS)
        if unknown:
            return _api_error(
                f"unknown field; fields: {', '.join(sorted(API_FIELDS))}", unknown[0], 422
            )
        for key in TEXT_FIELDS:
            if body.get(key) is not None and not isinstance(body[key], str):
                return _api_error("must be a string", key, 422)
        for key in FLAG_FIELDS:
            if body.get(key) is not None and not isinstance(body[key], bool):
                return _api_error("must be true or false", key, 422)
        return _render(body, api=True)

    @app.get("/")
    def desk():
        return _desk_page(
            {
                "date": date.today().isoformat(),
                "provider": session.get("provider", ""),
                "paper": "",
            },
            {},
        )

    @app.post("/")
    def desk_submit():
        if not _csrf_ok():
            abort(400, "The form expired; reload the page and try again.")
        form = {key: request.form.get(key, "") for key in TEXT_FIELDS}
        form["large_print"] = request.form.get("large_print") == "on"
        session["provider"] = form["provider"].strip()[:200]
        result = _render(form, api=False)
        if isinstance(result, Response):
            return result
        errors, status = result
        return _desk_page(form, errors), status

    @app.route("/signin", methods=["GET", "POST"])
    def signin():
        error = None
        if request.method == "POST":
            if not _csrf_ok():
                abort(400, "The form expired; reload the page and try again.")
            if hmac.compare_digest(request.form.get("token", ""), token or ""):
                session.clear()
                session["signed_in"] = True
                return redirect("/")
            error = "That access token is not right."
        return render_template(
            "signin.html.j2", error=error, csrf=_csrf_token(), clinic=project.clinic
        ), 401 if error else 200

    @app.get("/assets/desk.css")
    def desk_css():
        return Response((STYLES / "desk.css").read_bytes(), mimetype="text/css")

    @app.get("/assets/logo")
    def logo():
        path = project.clinic.logo
        mimetype = "image/svg+xml" if path.suffix.lower() == ".svg" else "image/png"
        return Response(path.read_bytes(), mimetype=mimetype)

    def _desk_page(form: dict, errors: dict):
        return render_template(
            "desk.html.j2",
            form=form,
            errors=errors,
            papers=PAPERS,
            policies=project.all_policies(),
            clinic=project.clinic,
            csrf=_csrf_token(),
            signed_in=token is not None,
        )

    def _render(fields: dict, api: bool):
        """Validate, render in the pool; a PDF response, or (errors by field, status)."""
        slug = (fields.get("policy") or "").strip()
        paper = (fields.get("paper") or "").strip().lower() or None
        try:
            if paper is not None and paper not in PAPERS:
                raise AftercareError(Problem(f"must be one of {', '.join(PAPERS)}", field="paper"))
            project.policy(slug)
            patient = patient_module.make(
                fields.get("name"), (fields.get("date") or "").strip(), fields.get("provider")
            )
            options = Options(paper, bool(fields.get("large_print")), bool(fields.get("pdf_a")))
            rendered = pool.render(slug, patient, date.today(), options)
        except AftercareError as exc:
            problem = exc.problems[0]
            status = 422 if problem.field else 500
            if api:
                return _api_error(
                    problem.message if problem.field else str(problem), problem.field, status
                )
            label = FIELD_LABELS.get(problem.field)
            return {
                problem.field or "form": f"{label} {problem.message}" if label else str(problem)
            }, status
        except (Busy, RenderTimeout) as exc:
            if api:
                return _api_error(f"{exc}; try again", None, 503)
            return {"form": f"The sheet could not be made in time ({exc}). Try again."}, 503
        filename = f"{slug}-{patient.procedure_date.isoformat()}.pdf"
        return Response(
            rendered.pdf,
            mimetype="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{filename}"'},
        )

    return app


def _api_error(message: str, field: str | None, status: int):
    response = jsonify(error=message, field=field)
    response.status_code = status
    return response


def _csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def _csrf_ok() -> bool:
    sent = request.form.get("csrf", "")
    return bool(sent) and hmac.compare_digest(sent, session.get("csrf", ""))
