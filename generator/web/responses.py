"""What every response gets: security headers, one access-log line, and clean error pages
(JSON under /api/, in English; HTML for the desk, in the clinic's language) that never show
a traceback."""

from __future__ import annotations

import time

import sqlalchemy as sa
from flask import Flask, Response, abort, g, make_response, render_template, request
from werkzeug.exceptions import HTTPException

from generator.i18n import N_
from generator.record.register_care import PUBLIC, RegisterTrouble, classify
from generator.web.access import _
from generator.web.api import api_error
from generator.web.logs import ACCESS_LOG, ERROR_LOG, access_line, escape, raw_path
from generator.web.state import MAX_BODY, TOO_LARGE, state

BODY_TOO_LARGE = N_("the request body is larger than %(size)s KiB")
INTERNAL = N_("internal error; the details are in the desk's log")
# The words of the error pages staff may see: werkzeug's own, marked for the catalogs.
PAGE_WORDS = (
    N_("Bad Request"),
    N_("The browser (or proxy) sent a request that this server could not understand."),
    N_("Forbidden"),
    N_(
        "You don't have the permission to access the requested resource. It is either "
        "read-protected or not readable by the server."
    ),
    N_("Not Found"),
    N_(
        "The requested URL was not found on the server. If you entered the URL manually "
        "please check your spelling and try again."
    ),
    N_("Method Not Allowed"),
    N_("The method is not allowed for the requested URL."),
    N_("Request Entity Too Large"),
    N_("Internal Server Error"),
    N_(
        "The server encountered an internal error and was unable to complete your request. "
        "Either the server is overloaded or there is an error in the application."
    ),
)

# Scripts only from the desk itself (/assets/desk.js): no inline script, no other origin.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def register(app: Flask) -> None:
    """Install the hooks and error handlers on `app`."""
    app.before_request(refuse_large_bodies)
    app.after_request(headers_and_log)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(RegisterTrouble, register_unavailable)
    app.register_error_handler(sa.exc.SQLAlchemyError, register_unavailable)
    app.register_error_handler(Exception, unexpected_error)


def refuse_large_bodies():
    """A body over the limit is answered 413 from its headers alone."""
    too_large = request.content_length is not None and request.content_length > MAX_BODY
    if request.environ.get(TOO_LARGE) or too_large:
        abort(413)


def headers_and_log(response: Response) -> Response:
    """Security headers, no caching, and the access-log line."""
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Content-Security-Policy"] = CSP
    elapsed = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
    ACCESS_LOG.info(access_line(request, response.status_code, elapsed))
    return response


def http_error(exc: HTTPException):
    """4xx and 5xx from routing and limits, in the form the caller reads."""
    code = exc.code or 500
    size = MAX_BODY // 1024
    if _is_api():  # in English, for programs
        message = BODY_TOO_LARGE % {"size": size} if code == 413 else exc.description
        return _with_headers(api_error(message or exc.name, None, code), exc)
    if code == 413:
        message = _(BODY_TOO_LARGE, size=size)
        if request.method == "POST" and request.path == "/":
            from generator.web.desk import desk_page

            page = desk_page({}, {"form": _("The form was larger than %(size)s KiB.", size=size)})
            return _with_headers(make_response(page, 413), exc)
    else:  # werkzeug's words, or the desk's own (already in the clinic's language)
        message = _(exc.description) if exc.description else _(exc.name)
    page = render_template(
        "error.html.j2", code=code, title=_(exc.name), message=message, clinic=_clinic()
    )
    return _with_headers(make_response(page, code), exc)


def register_unavailable(exc: Exception):
    """The register's database (sheets, and the desk's own state beside them: sessions,
    results, counted token guesses) cannot be used now: a 503 with Retry-After that says
    why in words and names no file or URL, wherever in a request it happened."""
    from generator.web.sheet_requests import RETRY_AFTER

    why = exc.state if isinstance(exc, RegisterTrouble) else classify(exc)
    ERROR_LOG.warning(
        "503 %s %s register %s", escape(request.method), escape(raw_path(request)), why
    )
    if _is_api():
        response = api_error(f"{PUBLIC[why]}; try again", None, 503)
    else:  # in the desk's words, as the desk's own form says it (web/desk.py)
        from generator.web.messages import shared_text

        message = _("%(reason)s. Try again.", reason=shared_text(PUBLIC[why]))
        page = render_template(
            "error.html.j2",
            code=503,
            title=_("Something went wrong"),
            message=message,
            clinic=_clinic(),
        )
        response = make_response(page, 503)
    response.headers["Retry-After"] = str(RETRY_AFTER)
    return response


def unexpected_error(exc: Exception):
    """A bug: one log line naming the kind of error, never the data; a clean 500."""
    if isinstance(exc, HTTPException):
        return http_error(exc)
    ERROR_LOG.error(
        "500 %s %s %s", escape(request.method), escape(raw_path(request)), type(exc).__name__
    )
    if _is_api():
        return api_error(INTERNAL, None, 500)
    page = render_template(
        "error.html.j2",
        code=500,
        title=_("Something went wrong"),
        message=_(INTERNAL),
        clinic=_clinic(),
    )
    return make_response(page, 500)


def _is_api() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def _clinic():
    try:
        return state().content.current().clinic
    except Exception:
        return None


def _with_headers(response: Response, exc: HTTPException) -> Response:
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response
