"""What every response gets: security headers, one access-log line, and clean error pages
(JSON under /api/, HTML for the desk) that never show a traceback."""

from __future__ import annotations

import time

from flask import Flask, Response, abort, g, make_response, render_template, request
from werkzeug.exceptions import HTTPException

from .api import api_error
from .logs import ACCESS_LOG, ERROR_LOG, access_line, escape, raw_path
from .state import MAX_BODY, TOO_LARGE, state

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


def register(app: Flask) -> None:
    """Install the hooks and error handlers on `app`."""
    app.before_request(refuse_large_bodies)
    app.after_request(headers_and_log)
    app.register_error_handler(HTTPException, http_error)
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
    if code == 413:
        message = f"the request body is larger than {MAX_BODY // 1024} KiB"
        if not _is_api() and request.method == "POST" and request.path == "/":
            from .desk import desk_page

            page = desk_page({}, {"form": f"The form was larger than {MAX_BODY // 1024} KiB."})
            return _with_headers(make_response(page, 413), exc)
    else:
        message = exc.description or exc.name
    if _is_api():
        return _with_headers(api_error(message, None, code), exc)
    page = render_template(
        "error.html.j2", code=code, title=exc.name, message=message, clinic=_clinic()
    )
    return _with_headers(make_response(page, code), exc)


def unexpected_error(exc: Exception):
    """A bug: one log line naming the kind of error, never the data; a clean 500."""
    if isinstance(exc, HTTPException):
        return http_error(exc)
    ERROR_LOG.error(
        "500 %s %s %s", escape(request.method), escape(raw_path(request)), type(exc).__name__
    )
    message = "internal error; the details are in the desk's log"
    if _is_api():
        return api_error(message, None, 500)
    page = render_template(
        "error.html.j2", code=500, title="Something went wrong", message=message, clinic=_clinic()
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
