"""`aftercare site`: the online version, a static site with one mobile-first page per policy."""

from __future__ import annotations

import base64
import functools
import hashlib
from datetime import date
from pathlib import Path

from .files import write_atomic
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

    def page(policy):
        sheet = build_sheet(clinic, policy, None, date.today())
        return env.get_template("page.html.j2").render(sheet=sheet, root="../", **common)

    def index():
        return env.get_template("index.html.j2").render(policies=policies, root="", **common)

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
    for policy in policies:
        outputs.append(
            (
                folder / policy.slug / "index.html",
                project.fingerprint([policy], "page"),
                functools.partial(lambda p: page(p).encode(), policy),
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


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
