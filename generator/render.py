"""Jinja2 templates -> HTML. Autoescaping is always on: patient input is text, never markup."""

from __future__ import annotations

import re

import jinja2

from . import scripts
from .paths import TEMPLATES
from .sheet import Sheet


def environment() -> jinja2.Environment:
    """The one template environment: autoescape on for every template, undefined is an error."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["tel"] = tel_uri
    env.globals["hint"] = scripts.hint
    return env


def tel_uri(phone: str) -> str:
    """A phone number as a tel: URI path: digits and a leading '+' only."""
    return ("+" if phone.strip().startswith("+") else "") + re.sub(r"\D", "", phone)


class Templates:
    """Loaded templates, kept for reuse across renders."""

    def __init__(self):
        self.env = environment()
        self.sheet = self.env.get_template("sheet.html.j2")

    def sheet_html(self, sheet: Sheet) -> str:
        """The HTML of one sheet."""
        return self.sheet.render(sheet=sheet)
