"""`aftercare site`: the online version, a static site with one mobile-first page per policy."""

from __future__ import annotations

import base64
import functools
import gettext
import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import babel

from . import i18n
from .files import write_atomic
from .languages import language_name
from .manifest import BuildReport, Manifest
from .paths import SITE, STYLES, TEMPLATES
from .project import Project
from .sheet import build as build_sheet

SCRIPT = TEMPLATES / "plan.js"


def script_and_hash() -> tuple[str, str]:
    """The page's inline script and its CSP hash, so that no other script can run."""
    script = SCRIPT.read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    return script, f"'sha256-{digest}'"


def build_site(project: Project, out: Path | None = None) -> BuildReport:
    """Write the index and one page per policy; unchanged files are left as they are."""
    folder = Path(out or SITE)
    # Everything is read and validated before writing; drafts are not for patients.
    policies = project.issuable_policies()
    clinic, env = project.clinic, project.templates.env
    logo = f"assets/logo{clinic.logo.suffix.lower()}"
    script, script_hash = script_and_hash()
    common = {"clinic": clinic, "logo": logo, "script": script, "script_hash": script_hash}

    def page(policy, versions):
        words = i18n.translations(policy.lang)
        sheet = build_sheet(clinic, policy, None, date.today())
        return env.get_template("page.html.j2").render(
            sheet=sheet,
            root="../../" if policy.is_translation else "../",
            _=i18n.formatter(words),
            words=script_words(words, sheet.locale),
            rtl=i18n.is_rtl(policy.lang),
            alternates=_alternates(clinic, policy, versions),
            **common,
        )

    def index():  # the list of policies, in the clinic's own language
        lang = babel.Locale.parse(clinic.locale).language
        return env.get_template("index.html.j2").render(
            policies=policies,
            root="",
            lang=lang,
            _=i18n.formatter(i18n.translations(lang)),
            **common,
        )

    css = (STYLES / "phases.css").read_bytes() + (STYLES / "web.css").read_bytes()
    logo_bytes = clinic.logo.read_bytes()
    colors = clinic.colors
    brand = f":root {{ --primary: {colors['primary']}; --accent: {colors['accent']}; }}\n".encode()
    outputs = [  # (file, fingerprint of its inputs, how to make it)
        (folder / "assets/site.css", _digest(css), lambda: css),
        (folder / "assets/brand.css", _digest(brand), lambda: brand),
        (folder / logo, _digest(logo_bytes), lambda: logo_bytes),
        (folder / "index.html", project.fingerprint(policies, "index"), lambda: index().encode()),
    ]
    for source in policies:
        # The policy and each translation that may be issued, each at its own address.
        ready = sorted(
            (t.policy for t in project.translations(source.slug).values() if t.issuable),
            key=lambda p: p.lang,
        )
        versions = [source, *ready]
        for policy in versions:
            target = folder / source.slug / (f"{policy.lang}/" if policy.is_translation else "")
            outputs.append(
                (
                    target / "index.html",
                    project.fingerprint(versions, "page", policy.lang),
                    functools.partial(lambda p, v: page(p, v).encode(), policy, versions),
                )
            )
    manifest = Manifest(folder)
    report = BuildReport([], [], [])
    for target, fingerprint, make in outputs:
        if manifest.is_current(target, fingerprint):
            report.unchanged.append(target)
        else:
            write_atomic(target, make())
            manifest.record(target, fingerprint)
            report.written.append(target)
    report.removed = manifest.remove_stale()
    manifest.save()
    return report


def script_words(words: gettext.NullTranslations, locale: str) -> dict[str, object]:
    """What plan.js says, in the page's language: messages whose %(name)s placeholders the
    script fills in, and the day count by plural category (the browser's Intl.PluralRules)."""
    _ = words.gettext
    return {
        "from": _("from %(date)s"),
        "range": _("%(start)s – %(end)s"),
        "procedureDate": _("Procedure date: %(date)s."),
        "startsIn": i18n.by_plural_category(
            locale,
            lambda n: words.ngettext(
                "Your plan starts in %(count)s day.", "Your plan starts in %(count)s days.", n
            ),
        ),
        "today": _("Today: Day %(day)s"),
        "todayIn": _("Today: Day %(day)s – %(phases)s"),
        # TRANSLATORS: between the names of phases that share a day: "Days 2-7, Days 7+".
        "separator": _(", "),
        # Calendar file (.ics): each phase is an event.
        "summary": _("%(phase)s: %(title)s"),
        "summaryOpen": _("%(phase)s (from this day on): %(title)s"),
        "openEnded": _("From this day on, with no end date."),
        "instructions": _("Instructions: %(url)s"),
        "questions": _("Questions: call %(phone)s"),
    }


@dataclass(frozen=True)
class Alternate:
    """A language version of a page: its code, its name in itself, where it is."""

    lang: str
    name: str
    url: str  # absolute, for <link rel="alternate" hreflang>
    href: str  # relative, for the visible link


def _alternates(clinic, policy, versions) -> list[Alternate]:
    here_depth = 2 if policy.is_translation else 1
    found = []
    for version in versions:
        sub = f"{version.lang}/" if version.is_translation else ""
        href = "../" * (here_depth - 1) + sub if (here_depth - 1 or sub) else "./"
        found.append(
            Alternate(
                version.lang,
                language_name(version.lang, version.lang),
                clinic.page_url(version.slug, version.lang if version.is_translation else None),
                href or "./",
            )
        )
    return found


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
