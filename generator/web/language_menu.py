"""The desk's Language menu: only the languages the chosen procedures can be issued in.

When the page is made, the procedures are known if staff chose them (a form back with
problems), if the desk remembers one for the next patient, or if there is only one: the menu
lists the languages they can all be issued in. With none chosen yet, it lists each procedure's
languages under its title. templates/desk.js makes the menu again the same way whenever staff
choose other procedures; without it, a procedure changed after the page was made is refused by
the server with that procedure's languages, and the form comes back listing them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import babel
from babel.lists import format_list

from generator.content.live import Content
from generator.content.translations import language_name
from generator.i18n import N_
from generator.web.access import _, desk_language

# TRANSLATORS: a hint under Language: "The languages Lorem Care can be issued in."
CHOSEN = N_("The languages %(procedures)s can be issued in.")
NONE_CHOSEN = N_("Each procedure lists the languages it can be issued in.")


@dataclass(frozen=True)
class LanguageMenu:
    """The menu as the page shows it, and what desk.js needs to make it again."""

    groups: list[tuple[str | None, list[tuple[str, str, bool]]]]  # title, (code, name, selected)
    hint: str  # whose languages these are
    hints: dict[str, str]  # the hint with "%(procedures)s" to fill in, and with none chosen
    names: dict[str, str]  # every language of every procedure, as the menu names it
    languages: dict[str, list[str]]  # each offered procedure's languages, by slug


def language_menu(
    content: Content, chosen: Sequence[str], wanted: str, asked: bool
) -> LanguageMenu | None:
    """The menu for the procedures `chosen` (slugs; others are left out), with `wanted`
    selected if it is listed. None when no procedure has a ready translation, unless a
    language was refused (`asked`): its problem is shown beside the menu."""
    policies = content.offered()
    languages = {policy.slug: content.languages(policy.slug) for policy in policies}
    every = sorted({code for codes in languages.values() for code in codes})
    if len(every) <= 1 and not asked:
        return None
    offered = {policy.slug: policy for policy in policies}
    picked = [offered[slug] for slug in dict.fromkeys(chosen) if slug in offered]
    groups: list[tuple[str | None, list[str]]]
    if picked:
        codes = languages[picked[0].slug]
        groups = [(None, [c for c in codes if all(c in languages[p.slug] for p in picked)])]
        hint = _(CHOSEN, procedures=_listed([policy.title for policy in picked]))
    else:
        groups = [(policy.title, languages[policy.slug]) for policy in policies]
        hint = _(NONE_CHOSEN)
    names = {code: _choice_name(code) for code in every}
    shown = []
    for title, codes in groups:
        shown.append((title, [(code, names[code], code == wanted) for code in codes]))
        wanted = "" if wanted in codes else wanted  # selected once, in its first group
    hints = {"chosen": _(CHOSEN), "none": _(NONE_CHOSEN)}
    return LanguageMenu(shown, hint, hints, names, languages)


def _listed(titles: list[str]) -> str:
    """Titles as a list in the desk's language: "Lorem Care and Example Procedure"."""
    try:
        return format_list(titles, locale=desk_language().replace("-", "_"))
    except (ValueError, babel.UnknownLocaleError):
        return " + ".join(titles)


def _choice_name(code: str) -> str:
    """A language as the menu names it: "español (Spanish)" at an English desk, "English
    (inglés)" at a Spanish one, "español" alone there."""
    native, here = language_name(code, code), language_name(code, desk_language())
    return native if native == here else f"{native} ({here})"
