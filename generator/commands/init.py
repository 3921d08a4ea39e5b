"""`aftercare init [DIR]`: a clinic's starter folder, and what `check` says is left to change.

The starter is content/clinic.toml (every setting, commented; the values a clinic must change
marked CHANGE), one example policy marked `draft: true` (the shipped demo policy: aftercare
writes no clinical text), content/README.md on writing policies, a placeholder logo and a
.gitignore for what is generated or secret. Nothing is overwritten: if any of these files
exists, nothing is written and the error names each one.
"""

from __future__ import annotations

import re
from pathlib import Path

from generator.content.clinic import Clinic
from generator.errors import AftercareError, Problem, display_path
from generator.files import write_atomic
from generator.paths import DEMO_CONTENT

EXAMPLE_POLICY = "microneedling.md"  # the demo's policy, copied as the example
LOGO = "your-logo.svg"
# Marks the example policy until the clinic has made it its own (check looks for it).
EXAMPLE_MARK = "# aftercare init: EXAMPLE POLICY."

# key: (placeholder value in the starter, what to write instead)
PLACEHOLDERS = {
    "name": ("Your Clinic Name", "your clinic's name, as patients know it"),
    "phone": ("(000) 000-0000", "the number patients call with questions"),
    "after_hours_phone": ("(000) 000-0001", "the after-hours number, or delete the line"),
    "address": ("1 Example Street, Example Town", "your address, or delete the line"),
    "website": ("clinic.example", "your website, or delete the line"),
    "base_url": (
        "https://clinic.example/aftercare",
        "where you will host the online pages (`aftercare site`); the QR code opens it",
    ),
}

CLINIC_TOML = """\
# The clinic profile: branding and contact details printed on every sheet.
# Written by `aftercare init`. Lines marked CHANGE hold placeholders: `aftercare check` lists
# each one until it is changed. A line starting with # is a comment; remove the # to use it.

name = "{name}"  # CHANGE: your clinic's name
phone = "{phone}"  # CHANGE: the number patients call with questions
after_hours_phone = "{after_hours_phone}"  # CHANGE (or delete): after-hours number
address = "{address}"  # CHANGE (or delete)
website = "{website}"  # CHANGE (or delete): printed as written

# CHANGE: your logo, an .svg or .png in this folder (the placeholder is a grey square).
logo = "{logo}"

# CHANGE: where the online version (`aftercare site`) will be hosted; the QR code on each
# sheet opens {{base_url}}/{{policy}}/ on the patient's phone.
base_url = "{base_url}"

# letter or a4
paper = "letter"

# Date formats and the first day of the week, e.g. en_US (Sunday) or en_GB (Monday).
locale = "en_US"

# A policy past its review_due date: "warn" (the default: `aftercare check` and the desk say
# so) or "refuse" (no personalised sheets of it until it is reviewed; blank handouts go on).
# overdue_review = "refuse"

# `aftercare check` reports each policy's reading level (Flesch-Kincaid grade) against this.
# reading_grade_target = 8

# A block on the last page for the patient to sign and date, for the copy the clinic keeps.
# acknowledgement = true

# The last page offers free language assistance, in each language aftercare ships.
# language_assistance = true

# Keep a register of every sheet issued (the default); false keeps none.
# register = false

# Procedures often done at one visit: `aftercare handouts` also makes their blank combined
# handout (<a>+<b>.pdf), as `aftercare handouts --combine a+b` does once.
# handout_combinations = ["microneedling+peel"]

# Print sheets straight to a CUPS queue (`--print` on the command line, the desk's Print).
# [printing]
# queue = "Front_Desk"

# Brand colours; each must read well on white paper (`aftercare check` measures the contrast).
[colors]
primary = "#1f5f5b"  # headings, header band
accent = "#b5562f"   # highlights
"""

README = """\
# Writing policies

Each policy is one markdown file in this folder: `content/<slug>.md`, printed for a patient
with `aftercare sheet <slug> --name "..."`. `clinic.toml` holds your clinic's name, phones,
logo and colours. `aftercare check` reads everything here and says what is wrong, with the
file and line; run it after every edit.

## A policy file

It starts with front matter between two `---` lines, then the text:

    ---
    title: Name of the procedure
    version: "1.0"
    lang: en
    phases:
      - label: Day of procedure
        start: 0
        end: 0
        section: day-of-procedure
      - label: Days 1-7
        start: 1
        end: 7
        section: days-1-7
    ---

    What to do straight after the procedure.

    ## Day of procedure {#day-of-procedure}

    ...

    ## Days 1-7 {#days-1-7}

    ...

- `phases` are the steps of the plan: `start` and `end` count days from the procedure
  (day 0); leave `end` out for a last phase with no end. Each phase's `section` names the
  `## ` heading of the text that belongs to it (the id in `{#...}`).
- `version`: raise it whenever the text changes; each sheet prints it.
- `draft: true` keeps a policy from patients (the desk does not offer it;
  `aftercare sheet --draft` prints it for review, marked DRAFT). Delete the line when the
  policy is approved. Add `reviewed_by`, `reviewed_on` and `review_due` to track reviews.
- Write the clinic's own words: aftercare prints your text as it is, every sentence of it.
- A translation is `<slug>.<lang>.md` (for example `microneedling.es.md`); files whose name
  starts with `_` or `.`, and this README, are not policies.

## The example

`microneedling.md` is aftercare's demo policy, marked as a draft so that it is never given
to a patient. Replace its text with your clinic's own policy (or delete the file and write
your own), then delete the `aftercare init` lines and `draft: true` from its front matter.
"""

GITIGNORE = """\
# Written by `aftercare init`: what is generated, or secret, stays out of version control.
# Sheets with patients' names:
/output/
# The register, its key and the desk's session key:
/var/
# The desk's access token:
desk-token
"""

PLACEHOLDER_LOGO = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64" '
    'role="img" aria-label="Logo placeholder">\n'
    '  <rect x="2" y="2" width="60" height="60" rx="8" fill="#d0d0d0"/>\n'
    "</svg>\n"
)


def starter_files() -> dict[str, str]:
    """The starter folder's files, by path relative to it."""
    values = {key: value for key, (value, _hint) in PLACEHOLDERS.items()}
    return {
        "content/clinic.toml": CLINIC_TOML.format(**values, logo=LOGO),
        f"content/{EXAMPLE_POLICY}": example_policy(),
        "content/README.md": README,
        f"content/{LOGO}": PLACEHOLDER_LOGO,
        ".gitignore": GITIGNORE,
    }


def example_policy() -> str:
    """The shipped demo policy, marked as a draft and as the starter's example."""
    text = (DEMO_CONTENT / EXAMPLE_POLICY).read_text(encoding="utf-8")
    opening, rest = text.split("\n", 1)  # the opening `---`
    mark = (
        f"{EXAMPLE_MARK} Replace the text below with your clinic's own policy, then delete\n"
        "# these two lines and `draft: true` (a draft is never printed for a patient).\n"
        "draft: true\n"
    )
    return f"{opening}\n{mark}{rest}"


def init(folder: Path) -> list[Path]:
    """Write the starter folder into `folder`; the files written. Refuses, writing nothing,
    if any of them exists."""
    files = {Path(folder) / name: text for name, text in starter_files().items()}
    existing = [path for path in files if path.exists() or path.is_symlink()]
    if existing:
        raise AftercareError(
            *(Problem("exists already; aftercare init overwrites nothing", p) for p in existing),
            Problem("nothing was written: move those files away, or init another folder"),
        )
    for path, text in files.items():
        write_atomic(path, text.encode("utf-8"))
    return list(files)


def unfinished(clinic: Clinic | None, content_dir: Path) -> list[Problem]:
    """What is still as `aftercare init` wrote it: each placeholder setting, the placeholder
    logo, the example policy; each with what to do instead."""
    found: list[Problem] = []
    if clinic is not None:
        source = clinic.source.decode("utf-8-sig", "replace")
        for key, (placeholder, hint) in PLACEHOLDERS.items():
            if getattr(clinic, key) == placeholder:
                found.append(_placeholder(clinic.path, source, key, f"write {hint}"))
        if clinic.logo_bytes == PLACEHOLDER_LOGO.encode():
            hint = f"put your logo (.svg or .png) in {display_path(content_dir)}/, name it here"
            found.append(_placeholder(clinic.path, source, "logo", hint))
        found.sort(key=lambda problem: problem.line or 0)  # as they come in the file
    for path in sorted(Path(content_dir).glob("*.md")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # check reports unreadable files itself
        if EXAMPLE_MARK in text:
            line = text[: text.index(EXAMPLE_MARK)].count("\n") + 1
            found.append(
                Problem(
                    "is the example policy from `aftercare init` (a draft): replace its text "
                    "with your clinic's own policy, then delete the `aftercare init` lines and "
                    "`draft: true`",
                    path,
                    line,
                )
            )
    return found


def _placeholder(path: Path, source: str, key: str, hint: str) -> Problem:
    """A setting still holding the starter's placeholder, at its line."""
    match = re.search(rf"^[ \t]*{key}[ \t]*=", source, re.MULTILINE)
    line = source[: match.start()].count("\n") + 1 if match else None
    return Problem(f"still the placeholder from `aftercare init`: {hint}", path, line, key)
