"""Checkout in fewer steps: printing straight to the desk's CUPS queue, a result page that
forgives, and what staff can act on.

- The desk's queue: a desk named in clinic.toml's `[printing.desks]` (chosen once per browser
  with `/?desk=NAME`, kept in the session), else `serve --print-queue`, else `[printing]
  queue`. With a queue the main action is "Create and print": the sheet goes to CUPS as soon
  as it is made, and the result page carries the next patient's form, focused on the name.
- Each form carries a draft id: the same form sent again (a double Enter, a retry, Back then
  Enter) gives the same sheet, printed once; Back (desk.js puts `?draft=` in the address) and
  "Correct and print again" return the form as it was sent.
- A form sent after a sign-out in another tab is kept on the server (never in the cookie, only
  its random key), and comes back after signing in again, with a line saying why.
- The manager page (`/manage`) lists the content's problems; the desk shows one plain line.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
)
from werkzeug.datastructures import MultiDict

from generator.content import translations as languages
from generator.content.live import REFUSED
from generator.i18n import N_
from generator.web import printing
from generator.web.access import _, csrf_ok, csrf_token, ngettext, signed_in
from generator.web.state import SESSION_HOURS, ExpiringStore, Result, state

blueprint = Blueprint("checkout", __name__)
KEPT_MINUTES = 30  # a form kept across a sign-out waits this long for the sign-in
NOTICE_KEPT = N_(
    "You were signed out (in another tab, or the session ended), so the sheet was not made. "
    "Here is the form as you typed it: check it and press the button again."
)


@dataclass(frozen=True)
class Extra:
    """What the result page shows beyond the sheet: the form as sent, provider, language."""

    form: dict
    provider: str
    language: str


@dataclass
class CheckoutState:
    """Per app: jobs printed, what results were made from, drafts and kept forms."""

    queue: str | None = None  # serve --print-queue
    prints: printing.PrintLog = field(default_factory=printing.PrintLog)
    extras: ExpiringStore = field(default_factory=lambda: ExpiringStore(SESSION_HOURS * 3600, 400))
    drafts: ExpiringStore = field(default_factory=lambda: ExpiringStore(SESSION_HOURS * 3600, 2000))
    kept: ExpiringStore = field(default_factory=lambda: ExpiringStore(KEPT_MINUTES * 60, 500))


def checkout() -> CheckoutState:
    """The current app's CheckoutState."""
    return current_app.extensions["aftercare-checkout"]


def install(app: Flask, queue: str | None) -> None:
    """Add the checkout views, and the hooks that keep a form across a sign-out (run before
    the sign-in guard)."""
    app.extensions["aftercare-checkout"] = CheckoutState(queue)
    app.register_blueprint(blueprint)
    app.before_request_funcs.setdefault(None, []).insert(0, _before)
    app.after_request(_after)


# ---------- The queue ---------------------------------------------------------------------------


def desk_queue() -> str | None:
    """The CUPS queue this desk prints on, or None (the browser prints)."""
    clinic = state().content.current().clinic
    named = dict(clinic.printing.desks).get(session.get("desk") or "")
    return named or checkout().queue or clinic.printing.queue


def print_result(key: str, found: Result, again: bool = False) -> printing.Job:
    """Print a result on the desk's queue: once per result, unless `again` (Print again).
    Its register entry is stored first: a sheet leaves the server only once recorded."""
    queue = desk_queue()
    if queue is None:
        raise printing.PrintFailed(_("this desk has no print queue"))
    if found.recording is not None:
        found.recording.ensure()
    title = found.filename.removesuffix(".pdf")
    send = lambda: printing.submit(found.pdf, queue, title)  # noqa: E731
    if again:
        job = send()
        checkout().prints.record(key, job)
        return job
    return checkout().prints.once(key, send)[0]


def job_words(job: printing.Job, now: printing.JobState) -> tuple[str, str]:
    """("Printing on FrontDesk (job 123)", "done") in the desk's language."""
    heading = _("Printing on %(queue)s (job %(job)s)", queue=job.queue, job=job.job_id)
    words = {
        "pending": _("waiting to print"),
        "printing": _("printing"),
        "done": _("printed"),
        "canceled": _("canceled"),
        "unknown": _("state unknown: the print server cannot be reached"),
    }
    if now.state == "stopped":
        told = _("stopped: %(reason)s", reason=now.reason) if now.reason else _("stopped")
        return heading, told
    return heading, words.get(now.state, now.state)


# ---------- Results: remembered forms, repeats, Back -------------------------------------------


def new_draft() -> str:
    """A fresh id for one form."""
    return secrets.token_urlsafe(9)


def _draft_key(draft: str) -> str:
    return f"{session.get('sid', '')}:{draft}"


def repeat_of(draft: str, fields: dict) -> str | None:
    """The result already made from this very form (same draft, same values), if any."""
    if not draft:
        return None
    found = checkout().drafts.get(_draft_key(draft))
    if found and found[1] == fields and state().results.get(found[0], session.get("sid")):
        return found[0]
    return None


def remember(key: str, draft: str, fields: dict, provider: str, language: str) -> None:
    """Remember what the result `key` was made from (for Correct, Back and a repeat)."""
    checkout().extras.put(key, Extra(fields, provider, language))
    if draft:
        checkout().drafts.put(_draft_key(draft), (key, fields))


def extra(key: str) -> Extra | None:
    """What result `key` was made from."""
    return checkout().extras.get(key)


def drafted(draft: str) -> dict | None:
    """The form last sent with this draft id by this browser (Back), if any."""
    found = checkout().drafts.get(_draft_key(draft)) if draft else None
    return found[1] if found and state().results.get(found[0], session.get("sid")) else None


# ---------- A form kept across a sign-out -------------------------------------------------------


def _before():
    """Before the sign-in guard: keep a desk form sent while signed out; carry its key across
    the sign-in (which starts a new session); choose the desk (`?desk=`)."""
    if state().token is None:
        return None
    if request.path == "/signin" and request.method == "POST":
        g.kept_form = session.get("kept_form")
        return None
    if request.path == "/" and request.method == "POST" and not signed_in():
        key = secrets.token_urlsafe(18)
        checkout().kept.put(key, list(request.form.items(multi=True)))
        session["kept_form"] = key
        return redirect("/signin", 303)
    return None


def _after(response):
    """After a sign-in that succeeded, the kept form's key goes into the new session."""
    kept = g.pop("kept_form", None)
    if kept and request.path == "/signin" and response.status_code in (302, 303):
        session["kept_form"] = kept
    return response


def kept_form() -> MultiDict | None:
    """The form kept across a sign-out, once (then forgotten)."""
    key = session.pop("kept_form", None)
    items = checkout().kept.get(key) if key else None
    if items is None:
        return None
    checkout().kept.drop(key)
    return MultiDict([(k, v) for k, v in items if k not in ("csrf", "draft")])


@blueprint.app_context_processor
def kept_context() -> dict:
    """The sign-in page says why when a typed form waits for it."""
    waiting = bool(session.get("kept_form")) and request.path == "/signin"
    notice = _("Your form is kept: it comes back after you sign in.") if waiting else None
    return {"kept_notice": notice}


# ---------- What staff can act on ---------------------------------------------------------------


def staff_notice(content) -> str | None:
    """Content problems as one plain line for the desk; None when nothing is unavailable."""
    procedures = sum(1 for p in content.problems if p.serving.startswith("not offered"))
    translations = 0
    for warning in content.warnings:
        if warning.effect == REFUSED:
            procedures += 1
        elif warning.effect in (languages.STALE, languages.UNREVIEWED, languages.DRAFT):
            translations += 1
    parts = []
    if procedures:
        parts.append(
            ngettext(
                "%(count)s procedure is not available today",
                "%(count)s procedures are not available today",
                procedures,
            )
        )
    if translations:
        parts.append(
            ngettext(
                "%(count)s translation is not offered today",
                "%(count)s translations are not offered today",
                translations,
            )
        )
    if not parts and (content.problems or content.warnings):
        return _("The clinic's manager has content to look at; the desk prints as usual.")
    if not parts:
        return None
    return _("%(what)s; the clinic's manager has been told what to fix.", what="; ".join(parts))


def refusal_label(policy, clinic, today) -> str | None:
    """Why a procedure is shown but cannot be chosen: "review overdue"."""
    return _("review overdue") if clinic.review_refusal(policy, today) else None


def unavailable_languages(content, slugs) -> list[tuple[str, str, str]]:
    """(code, name, why) for each translation of these procedures not offered now."""
    from generator.web.language_menu import _choice_name

    reasons = {
        languages.STALE: _("translation being updated"),
        languages.UNREVIEWED: _("translation awaiting review"),
        languages.DRAFT: _("translation being written"),
    }
    found: dict[str, str] = {}
    for slug in slugs:
        for code, translation in content.translations.get(slug, {}).items():
            if translation.kind is not None and code not in found:
                found[code] = reasons.get(translation.kind, "")
    return [(code, _choice_name(code), why) for code, why in sorted(found.items())]


@blueprint.get("/manage")
def manage():
    """The manager's page: every content problem and warning, with its file and line."""
    content = state().content.current()
    from generator.web.messages import effect_label  # the desk's words for what becomes of it

    return render_template(
        "manage.html.j2",
        problems=content.problems,
        warnings=[(w.problem, effect_label(w.effect)) for w in content.warnings],
        csrf=csrf_token(),
        signed_in=state().token is not None,
    )


# ---------- Print again, the job's state -------------------------------------------------------


@blueprint.post("/sheets/<key>/print")
def print_again(key: str):
    """Print the sheet again (asked for on purpose, so not a repeat)."""
    from generator.web.desk import result_or_404

    found = result_or_404(key)
    if not csrf_ok():
        abort(400, _("The form had expired; reload the page and try again."))
    try:
        print_result(key, found, again=True)
    except printing.PrintFailed as exc:
        session["print_error"] = exc.problems[0].message
    return redirect(f"/sheets/{key}", 303)


@blueprint.get("/sheets/<key>/job")
def job_state(key: str):
    """The print job's state now, as the result page shows it (its script asks)."""
    from generator.web.desk import result_or_404

    result_or_404(key)
    job = checkout().prints.get(key)
    if job is None:
        abort(404)
    now = printing.state(job)
    heading, words = job_words(job, now)
    return jsonify(heading=heading, state=words, final=now.state in ("done", "canceled"))


# ---------- The API's `print` field -------------------------------------------------------------


def server_queue() -> str | None:
    """The queue this server prints on when asked to print: serve --print-queue, else
    clinic.toml's [printing] queue; None without either."""
    return checkout().queue or state().content.current().clinic.printing.queue


def api_queue(value) -> str | None:
    """The queue an API request's `print` asks for (None: not printed); AftercareError when
    it is not true/false/null or a queue name, or asks for a queue the server lacks."""
    from generator.content.printing import check_queue_name
    from generator.errors import AftercareError, Problem

    if value is None or value is False:
        return None
    if value is True:
        queue = server_queue()
        if queue is None:
            message = "this server names no print queue (serve --print-queue, or clinic.toml "
            raise AftercareError(Problem(message + "[printing] queue): name one", field="print"))
        return queue
    if isinstance(value, str):
        return check_queue_name(value, "print")
    raise AftercareError(
        Problem("must be true, false, null or a print queue's name", field="print")
    )


def api_print(pdf: bytes, filename: str, queue: str) -> dict[str, str]:
    """Print an API sheet (once per Idempotency-Key, when one is sent); the headers that say
    what became of it."""
    title = filename.removesuffix(".pdf")
    send = lambda: printing.submit(pdf, queue, title)  # noqa: E731
    retry_key = request.headers.get("Idempotency-Key", "").strip()[:200]
    try:
        key = f"api:{queue}:{retry_key}"
        job = checkout().prints.once(key, send)[0] if retry_key else send()
    except printing.PrintFailed as exc:
        return {"X-Print-Error": exc.problems[0].message}
    return {"X-Print-Job": f"{job.queue}-{job.job_id}"}
