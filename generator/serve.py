"""`aftercare serve`: the desk and API behind waitress, a production WSGI server."""

from __future__ import annotations

import ipaddress
import logging
import sys

from .build import Project
from .errors import AftercareError, Problem
from .pool import RenderPool
from .web import ACCESS_LOG, create_app
from .workers import default_jobs


def is_loopback(host: str) -> bool:
    """Whether `host` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve(
    project: Project, host: str, port: int, token: str | None, workers: int | None, timeout: float
) -> None:
    """Check access, warm the renderers, then serve until interrupted."""
    import waitress

    if not is_loopback(host) and token is None:
        raise AftercareError(
            Problem(
                f"refusing to listen on {host} without an access token: anyone on the network "
                "could make sheets. Set AFTERCARE_TOKEN or pass --token-file, or use "
                "--host 127.0.0.1"
            )
        )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    ACCESS_LOG.addHandler(handler)
    ACCESS_LOG.setLevel(logging.INFO)
    print("Starting renderers...", file=sys.stderr, flush=True)
    pool = RenderPool(project.content_dir, project.clinic.path, workers or default_jobs(), timeout)
    try:
        app = create_app(project, pool, token)
        shown = f"[{host}]" if ":" in host else host
        print(
            f"Checkout desk on http://{shown}:{port}/ "
            f"({'access token required' if token else 'this machine only'}); "
            "Ctrl+C stops it.",
            file=sys.stderr,
            flush=True,
        )
        waitress.serve(app, host=host, port=port, threads=8, ident="aftercare", _quiet=True)
    finally:
        pool.close()
