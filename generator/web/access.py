"""Who may use the desk: loopback without a token; with one, a Bearer header for the API and
a signed-in session for the desk. Wrong tokens are throttled per address."""

from __future__ import annotations

import hmac
import secrets
import time
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
)

from ..net import is_loopback, valid_address
from .state import SESSION_HOURS, state

blueprint = Blueprint("access", __name__)
OPEN_ENDPOINTS = {
    "api.healthz",
    "access.signin",
    "desk.desk_css",
    "desk.brand_css",
    "desk.logo",
}


def same_secret(sent: str, expected: str) -> bool:
    """Constant-time comparison of two strings of any characters."""
    return hmac.compare_digest(
        sent.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")
    )


def client_address() -> str:
    """The client's address; behind a trusted proxy, the one the proxy forwarded."""
    remote = request.remote_addr or ""
    if remote in state().trusted_proxies:
        forwarded = request.headers.get("X-Forwarded-For", "").split(",")[-1]
        return valid_address(forwarded) or remote
    return remote


def csrf_token() -> str:
    """This session's CSRF token, made on first use."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def csrf_ok() -> bool:
    """Whether the posted form carries this session's CSRF token."""
    sent = request.form.get("csrf", "")
    return bool(sent) and same_secret(sent, session.get("csrf", ""))


def session_id() -> str:
    """A random id for this browser session (the key to what the server remembers)."""
    if "sid" not in session:
        session["sid"] = secrets.token_urlsafe(16)
    return session["sid"]


def signed_in() -> bool:
    """Whether this browser signed in within the last SESSION_HOURS hours, and has not
    signed out since."""
    since = session.get("since")
    if not isinstance(since, (int, float)) or not 0 <= time.time() - since < SESSION_HOURS * 3600:
        return False
    return not state().signed_out.get(session.get("sid"), "signed_out", False)


def may_see_desk() -> bool:
    """Whether this request may see desk pages' details (no token, or signed in)."""
    return state().token is None or signed_in()


def throttled_response(api: bool, wait: int):
    """The 429 answer while this address has used up its wrong tries."""
    message = f"too many wrong access tokens from this address; try again in {wait} s"
    body: Response | str
    if api:
        body = jsonify(error=message, field=None)
    else:
        body = render_template("signin.html.j2", error=message, csrf=csrf_token(), **_page())
    response = make_response(body, 429)
    response.headers["Retry-After"] = str(wait)
    return response


@blueprint.before_app_request
def guard():
    """Loopback-only without a token (also stops DNS rebinding); with one, demand it."""
    g.started = time.perf_counter()
    desk = state()
    if desk.token is None:
        if not is_loopback(urlsplit(f"//{request.host}").hostname):
            abort(403)
        return None
    if request.endpoint in OPEN_ENDPOINTS or request.routing_exception is not None:
        return None  # open, or a 404/405 that says nothing about the desk
    if request.path.startswith("/api/"):
        return _check_bearer(desk.token)
    if not signed_in():
        return redirect("/signin")
    return None


def _check_bearer(token: str):
    sent = request.headers.get("Authorization", "")
    if not sent:  # no token offered: nothing to count, but a throttled address still waits
        wait = state().throttle.retry_after(client_address())
        ok = False
    else:
        ok, wait = state().throttle.attempt(
            client_address(), lambda: sent.startswith("Bearer ") and same_secret(sent[7:], token)
        )
    if wait:
        return throttled_response(api=True, wait=wait)
    if ok:
        return None
    response = jsonify(
        error="a valid 'Authorization: Bearer <token>' header is required", field=None
    )
    response.status_code = 401
    response.headers["WWW-Authenticate"] = 'Bearer realm="aftercare"'
    return response


@blueprint.route("/signin", methods=["GET", "POST"])
def signin():
    """The sign-in form; a right token starts a 12-hour session."""
    error = None
    if request.method == "POST":
        sent = request.form.get("token", "")
        ok, wait = state().throttle.attempt(
            client_address(), lambda: same_secret(sent, state().token or "")
        )
        if wait:
            return throttled_response(api=False, wait=wait)
        if not csrf_ok():
            error = "The form had expired. Enter the access token again."
        elif ok:
            session.clear()
            session.permanent = True
            session["since"] = time.time()
            session["sid"] = secrets.token_urlsafe(16)  # a new id for the new session
            return redirect("/")
        else:
            error = "That access token is not right."
    page = render_template("signin.html.j2", error=error, csrf=csrf_token(), **_page())
    return page, 401 if error else 200


@blueprint.post("/signout")
def signout():
    """End this browser's session (POST with the CSRF token)."""
    if not csrf_ok():
        abort(400, "The form had expired; reload the page and try again.")
    sid = session.get("sid")
    state().memory.forget(sid)
    state().results.forget(sid)
    if sid:  # a copy of this cookie must not sign anyone in again
        state().signed_out.set(sid, "signed_out", True)
    session.clear()
    return redirect("/signin" if state().token else "/")


def _page() -> dict:
    return {"clinic": state().content.current().clinic, "signed_in": False}
