"""The Flask app: `create_app` wires the blueprints, the desk's state and its rules."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from flask import Flask

from generator.content.live import LiveContent
from generator.paths import TEMPLATES
from generator.record.register import Register
from generator.web import access, api, assets, checkout, desk, reprint, responses
from generator.web.deskstore import DeskStore
from generator.web.forwarded import secure_cookies
from generator.web.logs import ACCESS_LOG
from generator.web.state import MAX_BODY, SESSION_HOURS, TOO_LARGE, DeskState

__all__ = ["ACCESS_LOG", "MAX_BODY", "TOO_LARGE", "create_app"]


def create_app(
    content: LiveContent,
    pool,
    token: str | None = None,
    trusted_proxies: tuple[str, ...] = (),
    secret_key: bytes | None = None,
    register: Register | None = None,
    print_queue: str | None = None,
) -> Flask:
    """The desk and API. With a token, every request but health and assets must present it.

    `secret_key` signs session cookies; keep it across restarts (serve does) so that open
    forms and sign-ins survive one. Without it, a random key is made. With a `register`,
    every sheet gets a sheet ID and an entry, and reprints can be asked for; and the desk's
    state (the signing key, sign-outs, guesses, results, remembered values) lives in its
    database, shared by every desk using it (`secret_key` is only the first desk's proposal).
    `print_queue` (serve --print-queue) is the CUPS queue this server's desks print on, over
    clinic.toml's.
    """
    app = Flask(__name__, template_folder=str(TEMPLATES), static_folder=None)
    shared = DeskState(content, pool, token, trusted_proxies, register)
    if register is not None:  # what other desks and restarts must see: in its database
        store = DeskStore(register)
        shared.keep_in(store)
        secret_key = store.signing_key(secret_key)
    app.config.update(
        SECRET_KEY=_signing_key(secret_key or DeskState.new_secret(), token),
        MAX_CONTENT_LENGTH=MAX_BODY,
        MAX_FORM_MEMORY_SIZE=MAX_BODY,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_NAME="aftercare_session",
        PROVIDE_AUTOMATIC_OPTIONS=False,
    )
    app.jinja_env.autoescape = True
    app.context_processor(access.words_context)  # `_`, `ngettext`, the page's lang and dir
    app.extensions["aftercare"] = shared
    app.register_blueprint(access.blueprint)
    app.register_blueprint(desk.blueprint)
    app.register_blueprint(reprint.blueprint)
    app.register_blueprint(assets.blueprint)
    app.register_blueprint(api.blueprint)
    checkout.install(app, print_queue)
    responses.register(app)
    app.wsgi_app = secure_cookies(app.wsgi_app)  # type: ignore[method-assign]
    return app


def _signing_key(kept: bytes, token: str | None) -> bytes:
    """The cookie-signing key: bound to the token, so a new token ends every session."""
    return hmac.new(kept, (token or "").encode(), hashlib.sha256).digest()
