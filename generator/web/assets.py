"""The desk's own assets: its stylesheet and script, the clinic's colours as CSS, and the
logo."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
)

from generator.paths import STYLES, TEMPLATES
from generator.web.state import state

blueprint = Blueprint("assets", __name__)


@blueprint.get("/assets/desk.css")
def desk_css():
    """The desk's stylesheet."""
    return Response((STYLES / "desk.css").read_bytes(), mimetype="text/css")


@blueprint.get("/assets/desk.js")
def desk_js():
    """The desk's one script: the Language menu follows the procedures chosen (the desk works
    without it)."""
    return Response((TEMPLATES / "desk.js").read_bytes(), mimetype="text/javascript")


@blueprint.get("/assets/brand.css")
def brand_css():
    """The clinic's colours for the desk (checked for contrast when clinic.toml is read)."""
    colors = state().content.current().clinic.colors
    css = f":root {{ --primary: {colors['primary']}; --accent: {colors['accent']}; }}\n"
    return Response(css, mimetype="text/css")


@blueprint.get("/assets/logo")
def logo():
    """The clinic's logo."""
    path = state().content.current().clinic.logo
    mimetype = "image/svg+xml" if path.suffix.lower() == ".svg" else "image/png"
    try:
        return Response(path.read_bytes(), mimetype=mimetype)
    except OSError:  # removed since clinic.toml was read; the banner will say so
        abort(404)
