"""Jinja2 templates -> HTML. Autoescaping is always on: patient input is text, never markup."""

from __future__ import annotations

import re

import jinja2
import markupsafe

from generator import i18n
from generator.content import markup
from generator.paths import TEMPLATES
from generator.sheet import calendar_view, footer
from generator.sheet import name_scripts as scripts
from generator.sheet.model import Sheet


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
    env.filters["isolate"] = isolate
    env.filters["css_counters"] = css_counters
    env.globals["hint"] = scripts.hint
    env.globals["calendar_view"] = calendar_view
    env.filters["keep_whole"] = markup.keep_whole
    env.filters["emoji_gaps"] = markup.emoji_gaps
    env.filters["whole_dates"] = markup.whole_dates
    env.globals["footer_rest_mm"] = footer.rest_mm
    return env


def tel_uri(phone: str) -> str:
    """A phone number as a tel: URI path: digits and a leading '+' only."""
    return ("+" if phone.strip().startswith("+") else "") + re.sub(r"\D", "", phone)


def isolate(text: str, rtl: bool) -> str:
    """On a right-to-left sheet, left-to-right values (a content hash, a sheet ID) set apart
    with Unicode isolates, so the words around them cannot reorder their characters."""
    return f"\u2066{text}\u2069" if rtl else text


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


PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def css_counters(text: str) -> markupsafe.Markup:
    """A message such as "Page %(page)s of %(pages)s" as a CSS `content` value: its words
    as CSS strings, each placeholder as the counter of that name. Safe inside <style>."""
    values = []
    for index, part in enumerate(PLACEHOLDER.split(text)):  # words, counter, words...
        if index % 2:
            values.append(f"counter({part})")
        elif part:
            values.append(_css_string(part))
    return markupsafe.Markup(" ".join(values) or '""')


def _css_string(text: str) -> str:
    """Text as a quoted CSS string: quotes, backslashes, markup and control characters as
    CSS escapes, so no text can close the string or the <style> element."""

    def escape(char: str) -> str:
        if char in "\\\"'<>&" or not char.isprintable():
            return f"\\{ord(char):x} "
        return char

    return '"' + "".join(escape(char) for char in text) + '"'


class Templates:
    """Loaded templates, kept for reuse across renders."""

    def __init__(self):
        self.env = environment()
        self.sheet = self.env.get_template("sheet.html.j2")

    def sheet_html(self, sheet: Sheet) -> str:
        """The HTML of one sheet, its words in the policy's language."""
        clinic = sheet.clinic
        return self.sheet.render(
            sheet=sheet,
            _=i18n.formatter(i18n.translations(sheet.policy.lang)),
            rtl=i18n.is_rtl(sheet.policy.lang),
            assistance=i18n.assistance_lines(clinic.phone) if clinic.language_assistance else (),
        )
