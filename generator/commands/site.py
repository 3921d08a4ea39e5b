"""`aftercare site`: the online version, a static site with one mobile-first page per policy,
and a visit page for sheets that combine several procedures (which ones, and the date, come in
its URL fragment: each procedure's visit code and the date, #qkvbwmzh20261123, see
sheet/visit_code.py; #p=a+b&d=YYYYMMDD and YYYY-MM-DD, printed before, are read too)."""

from __future__ import annotations

import base64
import functools
import gettext
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import babel

from generator import i18n
from generator.commands.incremental import BuildReport, Manifest
from generator.content.clinic import Clinic
from generator.content.policy import Phase, Policy
from generator.content.translations import language_name
from generator.errors import AftercareError
from generator.files import write_atomic
from generator.paths import SITE, STYLES, TEMPLATES
from generator.project import Project
from generator.sheet import schedule, visit_code
from generator.sheet.model import build as build_sheet


def script_and_hash(name: str = "plan.js") -> tuple[str, str]:
    """An inline script of the site (templates/`name`) and its CSP hash, so that no other
    script can run. plan.js serves every page that dates a plan; visit.js adds the visit's."""
    script = (TEMPLATES / name).read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    return script, f"'sha256-{digest}'"


def build_site(project: Project, out: Path | None = None) -> BuildReport:
    """Write the index, a page per policy and per ready translation, and the visit pages;
    unchanged files are left as they are."""
    folder = Path(out or SITE)
    # Everything is read and validated before writing; drafts are not for patients.
    policies = project.policies()
    clinic, env = project.clinic, project.templates.env
    logo = f"assets/logo{clinic.logo.suffix.lower()}"
    script, script_hash = script_and_hash()
    common = {"clinic": clinic, "logo": logo, "script": script, "script_hashes": [script_hash]}

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
    ready = {  # each policy's translations that may be issued, by language
        source.slug: {
            lang: t.policy
            for lang, t in sorted(project.translations(source.slug).items())
            if t.issuable
        }
        for source in policies
    }
    for source in policies:
        # The policy and each translation that may be issued, each at its own address.
        versions = [source, *ready[source.slug].values()]
        for policy in versions:
            target = folder / source.slug / (f"{policy.lang}/" if policy.is_translation else "")
            outputs.append(
                (
                    target / "index.html",
                    project.fingerprint(versions, "page", policy.lang),
                    functools.partial(lambda p, v: page(p, v).encode(), policy, versions),
                )
            )
    clashes = visit_code.clashes(policy.slug for policy in policies)
    if clashes:
        raise AftercareError(*clashes)
    outputs += _visit_pages(project, policies, ready, folder, logo)
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
        "between": _("between %(early)s and %(late)s"),
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


def _visit_pages(
    project: Project,
    policies: list[Policy],
    ready: dict[str, dict[str, Policy]],
    folder: Path,
    logo: str,
) -> list[tuple[Path, str, Callable[[], bytes]]]:
    """The visit page in the policies' own language, and in each language one of them is
    translated into: there a policy not (yet) translated stands in its own language."""
    source_lang = _source_language(policies, project.clinic)
    langs = sorted({lang for found in ready.values() for lang in found} - {source_lang})
    pages: list[tuple[Path, str, Callable[[], bytes]]] = []
    for lang in [source_lang, *langs]:
        chosen = [ready[source.slug].get(lang, source) for source in policies]
        sub = "" if lang == source_lang else f"{lang}/"
        root = "../../" if sub else "../"
        make = functools.partial(_visit_page, project, logo, lang, chosen, root)
        fingerprint = project.fingerprint(chosen, "visit", lang)
        pages.append((folder / "visit" / sub / "index.html", fingerprint, make))
    return pages


def _visit_page(project: Project, logo: str, lang: str, chosen: list[Policy], root: str) -> bytes:
    """The visit page in `lang`, of these versions of the policies: their data for the
    scripts, and the list of them for a browser without JavaScript."""
    clinic = project.clinic
    words = i18n.translations(lang)
    locale = i18n.date_locale(lang, clinic.locale)
    data = {
        "locale": locale.replace("_", "-"),
        "phone": clinic.phone,
        "words": visit_words(words, locale),
        "policies": [_visit_policy(clinic, policy, lang, words, root) for policy in chosen],
    }
    (plan, plan_hash), (visit, visit_hash) = script_and_hash(), script_and_hash("visit.js")
    return (
        project.templates.env.get_template("visit.html.j2")
        .render(
            data=data,
            root=root,
            lang=lang,
            rtl=i18n.is_rtl(lang),
            _=i18n.formatter(words),
            clinic=clinic,
            logo=logo,
            scripts=[plan, visit],
            script_hashes=[plan_hash, visit_hash],
        )
        .encode()
    )


def visit_words(words: gettext.NullTranslations, locale: str) -> dict[str, object]:
    """What the visit page's scripts say: plan.js's words, and visit.js's own."""
    _ = words.gettext
    return script_words(words, locale) | {
        # TRANSLATORS: the visit page, for a procedure named in its address that the site lacks.
        "unknown": _("“%(name)s” is not on this site. Please call the clinic."),
    }


def _visit_policy(
    clinic: Clinic, policy: Policy, lang: str, words: gettext.NullTranslations, root: str
) -> dict[str, object]:
    """What the visit page knows of a policy: its page, its phases by day numbers, and a note
    when it is not in the page's language. No patient data: there is none here."""
    translated = policy.lang if policy.is_translation else None
    note = None
    if policy.lang != lang:
        note = words.gettext("These instructions are in %(language)s.") % {
            "language": language_name(policy.lang, lang)
        }
    return {
        "slug": policy.slug,
        "code": visit_code.code(policy.slug),  # how a combined sheet's QR code names it
        "title": policy.title,
        "version": policy.version,
        "lang": policy.lang,
        "href": f"{root}{policy.slug}/" + (f"{translated}/" if translated else ""),
        "url": clinic.page_url(policy.slug, translated),
        "note": note,
        "phases": [_visit_phase(phase, words) for phase in policy.phases],
    }


def _visit_phase(phase: Phase, words: gettext.NullTranslations) -> dict[str, object]:
    """A phase as visit.js dates it; a bound written as a range (7-10d) adds its earlier day."""
    found: dict[str, object] = {
        "label": phase.label,
        "start": phase.start,
        "end": phase.end,
        "section": phase.section,
        "days": schedule.day_wording(phase, words),
    }
    for key, bound in (("startEarly", phase.start_bound), ("endEarly", phase.end_bound)):
        if bound is not None and bound.early is not None:
            found[key] = bound.early
    return found


def _source_language(policies: list[Policy], clinic: Clinic) -> str:
    """The language the policies are written in; the clinic's if they differ (or there are
    none)."""
    langs = {policy.lang for policy in policies}
    return langs.pop() if len(langs) == 1 else babel.Locale.parse(clinic.locale).language


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
