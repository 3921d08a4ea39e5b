"""The access log: one line per request with client address, method, path, status and
milliseconds.

The path is written as it arrived on the wire, never decoded, with every byte outside
printable ASCII percent-escaped, so no request can add a line or a terminal escape.
"""

from __future__ import annotations

import logging

from flask import Request

ACCESS_LOG = logging.getLogger("aftercare.access")
ERROR_LOG = logging.getLogger("aftercare.errors")


def escape(text: str) -> str:
    """Printable ASCII as is; every other byte as %XX (the text's bytes, latin-1 or UTF-8)."""
    try:
        raw = text.encode("latin-1")  # WSGI strings carry the bytes as latin-1
    except UnicodeEncodeError:
        raw = text.encode("utf-8", "surrogatepass")
    return "".join(chr(b) if 0x21 <= b <= 0x7E else f"%{b:02X}" for b in raw)


def raw_path(request: Request) -> str:
    """The request's path as received, without the query string."""
    target = request.environ.get("REQUEST_URI") or request.environ.get("RAW_URI")
    if target is None:
        target = request.environ.get("SCRIPT_NAME", "") + request.environ.get("PATH_INFO", "")
    return target.split("?", 1)[0]


def access_line(request: Request, status: int, milliseconds: float) -> str:
    """`CLIENT METHOD /path STATUS 12ms`, safe to write to a log or a terminal. The client is
    the forwarded one when the request came through the trusted proxy."""
    client, method = escape(request.remote_addr or "-"), escape(request.method)
    return f"{client} {method} {escape(raw_path(request))} {status} {milliseconds:.0f}ms"
