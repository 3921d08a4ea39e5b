"""Who may use the desk: loopback without a token; with one, a Bearer header for the API and
a signed-in session for the desk. Wrong tokens are throttled per address.

Also the desk's words: every page a person reads (the desk, sign-in, error pages) speaks the
language of the clinic's locale (`es_US`: Spanish), from the same catalogs as the sheets; the
JSON API answers in English, for the programs that call it.
"""

from __future__ import annotations

import functools
import gettext
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

from generator import i18n
from generator.i18n import N_
from generator.web.net import is_loopback, valid_address
from generator.web.state import SESSION_HOURS, state

blueprint = Blueprint("access", __name__)
OPEN_ENDPOINTS = {
    "api.healthz",
    "access.signin",
    "desk.desk_css",
    "desk.brand_css",
    "desk.logo",
}


THROTTLED = N_("too many wrong access tokens from this address; try again in %(wait)s s")


# ---------- The desk's words -------------------------------------------------------------------


def desk_language() -> str:
    """The language the desk speaks: the shipped language of the clinic's locale (es_US: es,
    ar_EG: ar), else English, the source words (en_US, or a language with no catalog). One
    per request: a page never mixes two, even when clinic.toml changes meanwhile."""
    if "desk_language" not in g:
        try:
            g.desk_language = _shipped(state().content.current().clinic.locale)
        except Exception:  # an error page must still speak: in the source words
            g.desk_language = i18n.SOURCE
    return g.desk_language


@functools.cache
def _shipped(locale: str) -> str:
    known = i18n.language(locale)
    return known.code if known else i18n.SOURCE


def desk_words() -> gettext.NullTranslations:
    """The desk language's catalog (cached by `i18n.translations`)."""
    return i18n.translations(desk_language())


def _(message: str, **values: object) -> str:
    """`message` in the desk's language, %-formatted with `values` (as in the templates)."""
    return i18n.formatter(desk_words())(message, **values)


def pgettext(context: str, message: str, **values: object) -> str:
    """`_` for a message whose English means other things elsewhere: "Procedure" is the
    calendar's procedure day on a sheet, and which procedure at the desk."""
    text = desk_words().pgettext(context, message)
    return text % values if values else text


def ngettext(singular: str, plural: str, count: int, **values: object) -> str:
    """The plural form for `count` in the desk's language, formatted with `count` and
    `values`: ngettext("%(count)s sheet", "%(count)s sheets", 2) is "2 sheets"."""
    return desk_words().ngettext(singular, plural, count) % {"count": count, **values}


def words_context() -> dict:
    """What every desk template gets: `_`, `ngettext`, `pgettext`, and the page's language
    and direction (`<html lang dir>`)."""
    lang = desk_language()
    return {
        "_": _,
        "ngettext": ngettext,
        "pgettext": pgettext,
        "page_lang": lang,
        "page_dir": "rtl" if i18n.is_rtl(lang) else "ltr",
    }


# ---------- Access -----------------------------------------------------------------------------


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
    return not state().signouts.ended(session.get("sid"))


def may_see_desk() -> bool:
    """Whether this request may see desk pages' details (no token, or signed in)."""
    return state().token is None or signed_in()


def throttled_response(api: bool, wait: int):
    """The 429 answer while this address has used up its wrong tries."""
    body: Response | str
    if api:  # in English, for programs
        body = jsonify(error=THROTTLED % {"wait": wait}, field=None)
    else:
        error = _(THROTTLED, wait=wait)
        body = render_template("signin.html.j2", error=error, csrf=csrf_token(), **_page())
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
            error = _("The form had expired. Enter the access token again.")
        elif ok:
            session.clear()
            session.permanent = True
            session["since"] = time.time()
            session["sid"] = secrets.token_urlsafe(16)  # a new id for the new session
            return redirect("/")
        else:
            error = _("That access token is not right.")
    page = render_template("signin.html.j2", error=error, csrf=csrf_token(), **_page())
    return page, 401 if error else 200


@blueprint.post("/signout")
def signout():
    """End this browser's session (POST with the CSRF token)."""
    if not csrf_ok():
        abort(400, _("The form had expired; reload the page and try again."))
    sid = session.get("sid")
    state().memory.forget(sid)
    state().results.forget(sid)
    if sid:  # a copy of this cookie must not sign anyone in again, on any desk
        state().signouts.end(sid)
    session.clear()
    return redirect("/signin" if state().token else "/")


def _page() -> dict:
    return {"clinic": state().content.current().clinic, "signed_in": False}
