"""Every key a clinic profile, a policy, a translation or a phase may hold, with what it means.

The validators take their lists of known keys from here (`clinic.KEYS`, `policy.KEYS`, ...),
and the documentation's reference pages are generated from here: one list, so a key cannot be
accepted without being documented, or documented without being accepted."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Key:
    """One key: its name, whether it must be given, an example value and what it means."""

    name: str
    required: bool
    example: str
    doc: str


CLINIC = (
    Key(
        "name",
        True,
        '"Harbor Skin Clinic"',
        "The clinic's name, printed at the top of every sheet.",
    ),
    Key("phone", True, '"(555) 010-2000"', "The phone number patients call with questions."),
    Key(
        "after_hours_phone",
        False,
        '"(555) 010-2999"',
        "A number for urgent questions out of hours.",
    ),
    Key(
        "address",
        False,
        '"12 Harbor St, Portland"',
        "The clinic's address, on the sheet and the online page.",
    ),
    Key("website", False, '"harborskin.example"', "The clinic's website, printed as written."),
    Key("logo", True, '"logo.svg"', "An .svg or .png file in the content folder."),
    Key(
        "base_url",
        True,
        '"https://care.harborskin.example"',
        "Where the online version is published; each policy's page is `{base_url}/{slug}/` "
        "and the QR code opens it.",
    ),
    Key("paper", True, '"letter"', "`letter` or `a4`; `--paper` overrides it for one sheet."),
    Key(
        "locale",
        True,
        '"en_US"',
        "Dates and the first day of the week: `en_US` starts weeks on Sunday, `en_GB` on "
        'Monday and writes "Mon 23 Nov".',
    ),
    Key(
        "colors",
        False,
        '{ primary = "#1f4e79", accent = "#c0504d" }',
        "Brand colours as `#rrggbb`: `primary` (name, title, headings; contrast at least "
        "4.5:1 on white) and `accent` (highlights, the desk's focus ring; at least 3:1).",
    ),
    Key(
        "overdue_review",
        False,
        '"warn"',
        "What happens past a policy's `review_due`: `warn` (the default) prints and warns; "
        "`refuse` makes no personalised sheet of it until it is reviewed.",
    ),
    Key(
        "reading_grade_target",
        False,
        "8",
        "The school grade `aftercare check` holds each section's reading level to (default 8).",
    ),
    Key(
        "acknowledgement",
        False,
        "false",
        "`true` adds a signature block to the last page, for the clinic's copy.",
    ),
    Key("register", False, "true", "`false` keeps no register and prints no sheet IDs."),
    Key(
        "language_assistance",
        False,
        "false",
        "`true` adds a last-page line offering free language help, in each language.",
    ),
    Key(
        "handout_combinations",
        False,
        '["microneedling+example-procedure"]',
        "Procedures often done together: `aftercare handouts` always makes their blank handout.",
    ),
    Key(
        "printing",
        False,
        '{ queue = "FrontDesk" }',
        "A table: `queue`, the CUPS print queue the desk prints on (its main action becomes "
        'Create and print), and `[printing.desks]`, a queue per named desk (`upstairs = "Up"`, '
        "chosen in a browser with `/?desk=upstairs`).",
    ),
)

POLICY = (
    Key(
        "title", True, '"Micro-Needling Post Procedure"', "The policy's title, printed as written."
    ),
    Key(
        "version",
        True,
        '"1.0"',
        "The clinic's version of the text, in quotes; printed in every footer and kept in "
        "the register.",
    ),
    Key(
        "lang",
        False,
        "en",
        "The language the policy is written in (default `en`): a code like en, es, zh-Hans.",
    ),
    Key("phases", True, "(a list: see the phase keys)", "The plan: one entry per phase."),
    Key(
        "draft",
        False,
        "true",
        "Not offered to patients while true; `--draft` prints it with DRAFT on every page.",
    ),
    Key("reviewed_by", False, '"Dr. A. Rivera"', "Who last reviewed the clinical text."),
    Key("reviewed_on", False, "2026-11-02", "When it was last reviewed (YYYY-MM-DD)."),
    Key(
        "review_due",
        False,
        "2027-11-02",
        "When it is due for review again; `check` warns 30 days before and after.",
    ),
)

TRANSLATION = (
    Key("title", True, '"Cuidados posteriores"', "The title in the translation's language."),
    Key("lang", False, "es", "The language; it must match the file name (`<slug>.<lang>.md`)."),
    Key("translation_of", True, "microneedling", "The slug of the policy it translates."),
    Key("source_version", True, '"1.0"', "The source's `version` it was made from."),
    Key(
        "source_hash",
        True,
        '"9e068a6d"',
        "The source's content hash it was made from (as `aftercare check` prints it); a "
        "translation whose source changed is not offered until it is updated, and, once "
        "offered before, reviewed again (a later `reviewed_on`).",
    ),
    Key("translated_by", False, '"Lorem Translations"', "Who translated it."),
    Key(
        "reviewed_by",
        False,
        '"Dr. B. Lorem"',
        "The qualified reviewer who checked the translation; without a review it is not "
        "offered to patients.",
    ),
    Key(
        "reviewed_on",
        False,
        "2026-11-20",
        "When the translation was reviewed; after its source's text changes, a date later "
        "than the review it was offered with before.",
    ),
    Key(
        "phases",
        False,
        "(a list of labels)",
        "The phase labels in the translation's language, in the source's order.",
    ),
    Key("draft", False, "true", "Not offered to patients while true."),
)

PHASE = (
    Key("label", True, '"Day 1"', "The phase's name, printed as written in the plan."),
    Key(
        "start",
        True,
        "1",
        "The first day, counted from the procedure (day 0): days (`7`), hours (`48h`), weeks "
        "(`2w`), a range (`7-10d`, coloured to its later day) or days before the procedure "
        "(`-7`).",
    ),
    Key(
        "end",
        False,
        "1",
        "The last day, written as `start` is; leave it out for an open-ended last phase "
        '("Days 7+").',
    ),
    Key("section", True, "day-1", "The `## Heading {#id}` section of the body it points at."),
    Key(
        "overlaps",
        False,
        "true",
        "`true` when the phase overlaps the ones before it on purpose (the first 48 hours "
        "inside days 0-7): `check` then does not warn about it.",
    ),
)


def names(keys: tuple[Key, ...]) -> set[str]:
    """The names of a list of keys, for a validator's set of known keys."""
    return {key.name for key in keys}
