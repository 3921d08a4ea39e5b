"""Cookies marked `Secure` when the request came over HTTPS.

Behind a reverse proxy, waitress believes the trusted proxy's X-Forwarded-Proto (serve.py,
`Listening`) and sets the request's scheme from it; from anyone else the header is dropped.
So a cookie is `Secure` exactly when the browser's connection is HTTPS. This wraps the WSGI
app rather than the session interface, so every cookie the app sets is covered.
"""

from __future__ import annotations


def secure_cookies(wsgi_app):
    """`wsgi_app`, adding `Secure` to each Set-Cookie of an HTTPS request that lacks it."""

    def app(environ, start_response):
        if environ.get("wsgi.url_scheme") != "https":
            return wsgi_app(environ, start_response)

        def start(status, headers, exc_info=None):
            return start_response(
                status, [_secure(name, value) for name, value in headers], exc_info
            )

        return wsgi_app(environ, start)

    return app


def _secure(name: str, value: str) -> tuple[str, str]:
    """A Set-Cookie header with the Secure attribute; any other header as it is."""
    if name.lower() != "set-cookie":
        return name, value
    attributes = {part.strip().lower() for part in value.split(";")[1:]}
    return name, value if "secure" in attributes else f"{value}; Secure"
