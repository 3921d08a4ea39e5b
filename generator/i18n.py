"""The product's own words in the sheet's language: gettext catalogs made with Babel.

Only our labels are translated ("Prepared for", "Page 1 of 2", "Day 1"); a policy's text is
the clinic's and arrives translated, or not, in its own file. A catalog lives in
`translations/<locale>/LC_MESSAGES/messages.po`; `make setup` compiles it to a `.mo`, and a
missing or older `.mo` is compiled from the `.po` in memory, so nothing depends on the build
step having run. See translations/README.md for adding a language.
"""

from __future__ import annotations

import functools
import gettext
import io
from collections.abc import Callable
from dataclasses import dataclass

import babel
from babel.core import get_global, parse_locale
from babel.localedata import exists
from babel.messages import mofile, pofile

from generator.paths import TRANSLATIONS

DOMAIN = "messages"
SOURCE = "en"  # the language the product's words are written in: no catalog


@dataclass(frozen=True)
class Language:
    """A language the product's words are shipped in."""

    code: str  # BCP 47, as a policy's `lang` says it
    catalog: str  # the catalog's folder under translations/: Babel's locale name
    name: str  # in English, for documentation and messages


LANGUAGES: dict[str, Language] = {
    language.code: language
    for language in (
        Language("en", "en", "English"),  # the source
        Language("es", "es", "Spanish"),
        Language("zh-Hans", "zh_Hans", "Chinese (Simplified)"),
        Language("vi", "vi", "Vietnamese"),
        Language("ko", "ko", "Korean"),
        Language("tl", "fil", "Tagalog (Filipino)"),  # Babel's data for Tagalog is Filipino's
        Language("ru", "ru", "Russian"),
        Language("ar", "ar", "Arabic"),
        Language("fr", "fr", "French"),
    )
}


def language(lang: str) -> Language | None:
    """The shipped language a BCP 47 tag falls under (es-MX: es, zh-CN: zh-Hans, fil: tl),
    or None."""
    wanted = _locale(lang)
    if wanted is None:
        return None
    script = wanted.script or _likely_script(wanted.language)
    for known in LANGUAGES.values():
        ref = babel.Locale.parse(known.catalog)
        if ref.language == wanted.language and ref.script in (None, script):
            return known
    return None


@functools.cache
def translations(lang: str) -> gettext.NullTranslations:
    """The catalog of `lang`; English, or a language without a catalog, gives the English
    source words (NullTranslations)."""
    known = language(lang)
    if known is None or known.code == SOURCE:
        return gettext.NullTranslations()
    folder = TRANSLATIONS / known.catalog / "LC_MESSAGES"
    po, mo = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if mo.is_file() and (not po.is_file() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as file:
            return gettext.GNUTranslations(file)
    if not po.is_file():
        return gettext.NullTranslations()
    return gettext.GNUTranslations(io.BytesIO(compile_po(po.read_bytes(), known.catalog)))


def compile_po(po: bytes, locale: str) -> bytes:
    """A `.po` catalog compiled to `.mo` bytes, as `pybabel compile` does (fuzzy entries left
    out: they fall back to English)."""
    catalog = pofile.read_po(io.BytesIO(po), locale=locale)
    out = io.BytesIO()
    mofile.write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def formatter(words: gettext.NullTranslations) -> Callable[..., str]:
    """`_` for templates: the translation of a message, %-formatted with keyword values. The
    result is plain text, autoescaped like any other value."""

    def translate(message: str, **values: object) -> str:
        text = words.gettext(message)
        return text % values if values else text

    return translate


def date_locale(lang: str, clinic_locale: str) -> str:
    """The Babel locale for dates on a sheet in `lang`: the language with the clinic's
    territory when Babel has that combination (es at an en_US clinic: es_US), else the
    language alone (ar at an en_US clinic: ar); the clinic's own locale for its own
    language (en at an en_GB clinic: en_GB)."""
    clinic = babel.Locale.parse(clinic_locale)
    try:
        parts = parse_locale(lang.replace("-", "_"))
    except ValueError:
        return str(clinic)
    territory, script = parts[1], parts[2]
    wanted = _locale(lang)
    if wanted is None:
        return str(clinic)
    if wanted.language == clinic.language and not territory and script in (None, clinic.script):
        return str(clinic)
    name = wanted.language + (f"_{script}" if script else "")
    candidates = [f"{name}_{territory}"] if territory else []
    if clinic.territory:
        candidates.append(f"{name}_{clinic.territory}")
    for candidate in [*candidates, name]:
        if exists(candidate):
            return candidate
    return str(wanted)


def is_rtl(lang: str) -> bool:
    """Whether `lang` is written right to left (ar, he, fa, ur...)."""
    locale = _locale(lang)
    return locale is not None and locale.character_order == "right-to-left"


def by_plural_category(locale: str, form: Callable[[int], str]) -> dict[str, str]:
    """The plural forms of a message by CLDR category ("one", "few", "other"...), which is
    what a browser's `Intl.PluralRules` picks; `form(n)` is the message's ngettext for n."""
    rules = babel.Locale.parse(locale)
    forms: dict[str, str] = {}
    for n in (*range(200), 1_000_000):
        forms.setdefault(rules.plural_form(n), form(n))
    forms.setdefault("other", forms[rules.plural_form(5)])  # ru has "other" for fractions only
    return forms


def _locale(lang: str) -> babel.Locale | None:
    try:
        return babel.Locale.parse(lang.replace("-", "_"))
    except (ValueError, TypeError, babel.UnknownLocaleError):
        return None


def _likely_script(language_code: str) -> str | None:
    likely = get_global("likely_subtags").get(language_code)
    return parse_locale(likely)[2] if likely else None


def N_(message: str) -> str:  # the name pybabel looks for
    """Mark a message for extraction; it is translated later, per language."""
    return message


ASSISTANCE = N_("Language assistance is available free of charge. Call %(phone)s.")


@dataclass(frozen=True)
class Line:
    """One line of text in a language of its own."""

    lang: str
    dir: str  # "ltr" or "rtl"
    text: str


def assistance_lines(phone: str) -> list[Line]:
    """The language assistance line ("...free of charge. Call ...") in every shipped
    language, each in its own script and direction (clinic.toml: language_assistance)."""
    lines = []
    for code in LANGUAGES:
        rtl = is_rtl(code)
        number = f"\u2066{phone}\u2069" if rtl else phone  # the number stays left to right
        text = translations(code).gettext(ASSISTANCE) % {"phone": number}
        lines.append(Line(code, "rtl" if rtl else "ltr", text))
    return lines
