"""Jinja2 templates -> HTML. Autoescaping is always on: patient input is text, never markup."""

from __future__ import annotations

import re

import jinja2
import markupsafe

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
    env.filters["print_links"] = print_links
    env.globals["hint"] = scripts.hint
    return env


def tel_uri(phone: str) -> str:
    """A phone number as a tel: URI path: digits and a leading '+' only."""
    return ("+" if phone.strip().startswith("+") else "") + re.sub(r"\D", "", phone)


LINK = re.compile(r'<a href="([^"]*)"[^>]*>(.*?)</a>', re.DOTALL)
SCHEME = re.compile(r"^(?:https?://|mailto:|tel:)", re.IGNORECASE)


def print_links(html: str) -> markupsafe.Markup:
    """Policy HTML for paper: each link's address printed after its text, unless the text
    already is the address. `html` is the policy's sanitised HTML (see policy.to_safe_html)."""

    def add_address(match: re.Match) -> str:
        address = SCHEME.sub("", match[1]).rstrip("/")
        text = re.sub(r"<[^>]+>", "", match[2]).strip()
        if SCHEME.sub("", text).rstrip("/") == address:
            return match[0]
        return f'{match[0]} <span class="link-address">({address})</span>'

    return markupsafe.Markup(LINK.sub(add_address, html))


class Templates:
    """Loaded templates, kept for reuse across renders."""

    def __init__(self):
        self.env = environment()
        self.sheet = self.env.get_template("sheet.html.j2")

    def sheet_html(self, sheet: Sheet) -> str:
        """The HTML of one sheet."""
        return self.sheet.render(sheet=sheet)
