"""The desk's words for problems: a field's label with its message, and the English
messages of code shared with the API put in the desk's language (`shared_text`)."""

from __future__ import annotations

import functools
import re
from dataclasses import replace

from generator import i18n
from generator.content import translations as languages
from generator.content.live import REFUSED
from generator.content.translations import language_name
from generator.errors import Problem
from generator.i18n import N_
from generator.record import issuing
from generator.web.access import (
    _,
    desk_language,
    pgettext,
)

# The procedure selects, in order: the first, then the optional second and third.
PROCEDURE_FIELDS = ("policy", "policy-2", "policy-3")
AFTER_COLON = {*PROCEDURE_FIELDS, "lang", "paper"}  # "Procedure: choose a procedure"

# What code shared with the API says in English and the desk shows: marked here for the
# catalogs (their own modules speak English only). A message with values is recognised by its
# pattern and translated whole; the more specific of two alike comes first.
SHARED = (
    # web/sheet_requests.py
    N_("choose a procedure"),
    N_("must be one of: %(choices)s"),
    N_("must be one of %(choices)s"),
    N_(
        "%(title)s can be issued in: %(languages)s; the %(language)s translation is not "
        "offered: %(reason)s"
    ),
    N_("%(title)s can be issued in: %(languages)s"),
    # content/translations.py: why a translation is not offered (the reason above)
    N_(
        "made from version %(version)s (%(hash)s); the %(language)s policy is now %(now)s "
        "(%(now_hash)s)"
    ),
    N_("not reviewed"),
    N_("is a draft (draft: true)"),
    N_("every renderer is busy"),
    N_("the sheet took longer than the time limit"),
    N_("the register cannot be reached"),
    # content/patient.py (its constant messages are marked there)
    N_("is %(length)s characters long; at most %(most)s"),
    N_("contains an invisible formatting character (%(char)s); retype it without that character"),
    N_("contains a control or unassigned character (%(char)s)"),
    # content/clinic.py: overdue_review = "refuse"
    N_(
        "review was due on %(date)s; the clinic refuses sheets of a policy overdue for review "
        "(clinic.toml overdue_review)"
    ),
    # record/register.py and record/issuing.py: reprints
    N_("a sheet ID is 8 letters and digits, as printed in the footer: XXXX-XXXX"),
    N_("no sheet %(id)s in the register"),
    N_("the name does not match sheet %(id)s"),
    N_("sheet %(id)s named no provider: leave it out"),
    N_("sheet %(id)s named a provider: give it too"),
    N_("the provider does not match sheet %(id)s"),
    N_(
        "sheet %(id)s was made by aftercare %(version)s with other templates or styles: the "
        "words and dates are the original's, the layout may differ"
    ),
    N_(
        "the name is typed otherwise than on sheet %(id)s (capitals or spaces): the reprint "
        "prints it as typed; type it as on the original for the same sheet"
    ),
    issuing.PROVIDER_NOTE,
)


def effect_label(effect: str) -> str:
    """What becomes of what a banner warning is about, as the banner says it beside it."""
    labels = {
        REFUSED: _("not printed until it is reviewed"),
        languages.STALE: _("not offered until it is updated"),
        languages.UNREVIEWED: _("not offered until it is reviewed"),
        languages.DRAFT: _("not offered while it is a draft"),
    }
    return labels.get(effect) or _("warning: printed as it is")


def field_labels() -> dict[str, str]:
    """The form's fields as its problems name them, in the desk's language."""
    return {
        "policy": pgettext("which procedure", "Procedure"),
        "policy-2": _("Second procedure"),
        "policy-3": _("Third procedure"),
        "lang": _("Language"),
        "name": _("Patient name"),
        "date": _("Procedure date"),
        "provider": _("Provider"),
        "paper": _("Paper"),
    }


def problem_text(problem: Problem) -> str:
    """A problem as one sentence for the desk, in its language: "Patient name is required",
    "Procedure: choose a procedure". The desk's own problems are made in its language; the
    shared code's English ones are translated here."""
    message = shared_text(problem.message)
    label = field_labels().get(problem.field or "")
    if not label:
        return str(replace(problem, message=message))
    return labelled(label, message, colon=problem.field in AFTER_COLON)


def labelled(label: str, message: str, colon: bool = False) -> str:
    """A field's label and a message about it, both in the desk's language, as one
    sentence."""
    if colon:
        # TRANSLATORS: a problem beside a form field: "Procedure: choose a procedure".
        return _("%(label)s: %(problem)s", label=label, problem=message)
    # TRANSLATORS: a problem beside a form field, with the label as its subject:
    # "Patient name is required". "%(label)s: %(problem)s" is fine where that reads better.
    return _("%(label)s %(problem)s", label=label, problem=message)


def shared_text(message: str) -> str:
    """A message from code shared with the API (English there) in the desk's language: the
    catalog's translation, or the translation of the SHARED pattern it matches with its
    values put back; else unchanged (also a message already in the desk's language)."""
    translated = _(message)
    if translated != message:
        return translated
    for pattern, template in _shared_patterns():
        found = pattern.fullmatch(message)
        if found:
            values = found.groupdict()
            for key in ("languages", "language"):  # "Spanish (es), Arabic (ar)", "English":
                if key in values:  # named in the desk's language
                    values[key] = _language_list(values[key])
            if "reason" in values:  # a shared message itself
                values["reason"] = shared_text(values["reason"])
            return _(template, **values)
    return message


@functools.cache
def _shared_patterns() -> list[tuple[re.Pattern, str]]:
    patterns = []
    for template in SHARED:
        if "%(" in template:
            regex = re.sub(r"%\\\((\w+)\\\)s", r"(?P<\1>.+?)", re.escape(template))
            patterns.append((re.compile(regex, re.DOTALL), template))
    return patterns


def _language_list(text: str) -> str:
    """Languages named in English, with their codes ("Spanish (es), Arabic (ar)") or a shipped
    one without ("English"), named in the desk's language; else the text as it is."""
    codes = re.findall(r"\(([A-Za-z0-9-]+)\)(?:, |$)", text)
    if not codes:
        code = next((code for code in i18n.LANGUAGES if language_name(code) == text), None)
        return language_name(code, desk_language()) if code else text
    return ", ".join(f"{language_name(code, desk_language())} ({code})" for code in codes)
