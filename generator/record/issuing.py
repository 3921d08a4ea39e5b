"""Issuing personalised sheets through the register, and making them again.

Every channel (the `sheet` command, batches, the desk and the API) does the same three steps:
take an unused sheet ID (`Register.unused_id`), render with it in the footer, then `record` the
entry. A sheet is handed out only once its entry is stored.

`reprint` rebuilds a sheet from the register's archive (the policy, clinic profile and logo as
they were), with the same ID, print date and options: the same PDF, byte for byte, as long as
the templates and styles are those of the original (otherwise it says the layout may differ).
"""

from __future__ import annotations

import hmac
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol

from generator import __version__
from generator.content import clinic as clinic_module
from generator.content import patient as patient_module
from generator.content import policy as policy_module
from generator.content import translations as languages
from generator.content.clinic import Clinic
from generator.content.policy import Policy
from generator.i18n import N_
from generator.record.register import Entry, Register, Source, now_utc, sha256
from generator.render.digest import layout_digest
from generator.render.maker import SheetMaker
from generator.sheet.model import Options


def record(
    register: Register,
    *,
    clinic: Clinic,
    policies: list[Policy],
    patient: patient_module.Patient,
    printed_on: date,
    options: Options,
    channel: str,
    session: str | None = None,
) -> Entry:
    """Store the entry of a sheet rendered with `options.sheet_id`, and archive its sources."""
    if options.sheet_id is None:
        raise ValueError("a recorded sheet has a sheet ID")
    files: dict[str, bytes] = {}
    sources = []
    for policy in policies:
        raw = policy.source  # the bytes the sheet was made from, whatever the file is now
        digest = sha256(raw)
        files[digest] = raw
        original = ""  # a translation's source policy: the sheet prints its clinical review
        if policy.source_policy is not None:
            original = sha256(policy.source_policy.source)
            files[original] = policy.source_policy.source
        sources.append(
            Source(
                policy.slug,
                policy.version,
                policy.content_hash,
                policy.lang,
                digest,
                policy.file_name,
                original,
            )
        )
    clinic_raw, logo_raw = clinic.source, clinic.logo_bytes  # as read for the sheet
    files[sha256(clinic_raw)] = clinic_raw
    files[sha256(logo_raw)] = logo_raw
    entry = Entry(
        id=options.sheet_id,
        issued_at=now_utc(),
        channel=channel,
        session=register.session_tag(session) if session else None,
        policies=tuple(sources),
        lang=policies[0].lang,
        procedure_date=patient.procedure_date,
        printed_on=printed_on,
        paper=options.paper or clinic.paper,
        large_print=options.large_print,
        archival=options.archival,
        name_hmac=register.digest(patient.name),
        name_exact=register.exact_digest(patient.name),
        provider_hmac=register.digest(patient.provider) if patient.provider else None,
        provider_exact=register.exact_digest(patient.provider) if patient.provider else None,
        clinic_source=sha256(clinic_raw),
        logo_source=sha256(logo_raw),
        logo_path=clinic.logo.resolve().relative_to(clinic.path.parent.resolve()).as_posix(),
        generator_version=__version__,
        layout_digest=layout_digest(),
    )
    register.record(entry, files)
    return entry


# Marked for the catalogs: the desk shows it in the clinic's language (web/desk.py SHARED).
PROVIDER_NOTE = N_(
    "the provider is typed otherwise than on sheet %(id)s (capitals or spaces): the reprint "
    "prints it as typed; type it as on the original for the same sheet"
)


class Made(Protocol):
    """What a render gives back: the PDF and its page count (a `Result` made here, or the
    desk pool's `Rendered`, which may also carry page 1 as a picture)."""

    pdf: bytes
    pages: int


# How a reprint is rendered: (clinic, policies, patient, printed on, options, assets folder)
# -> the PDF. The desk and the API pass their render pool's (time limit, isolation, the
# picture drawn in the worker); the CLI renders in its own process (`render_here`).
Render = Callable[[Clinic, list[Policy], patient_module.Patient, date, Options, Path], Made]


@dataclass(frozen=True)
class Reprint:
    """A sheet made again: its entry, the PDF, and whether the layout code has changed since."""

    entry: Entry
    result: Made
    layout_changed: bool
    spelled_otherwise: bool = False  # the name matches, but is typed otherwise than printed
    provider_otherwise: bool = False  # the provider matches, but is typed otherwise

    @property
    def note(self) -> str | None:
        """What to tell the user when this may not be the original's exact layout."""
        if not self.layout_changed:
            return None
        return (
            f"sheet {self.entry.id} was made by aftercare {self.entry.generator_version} with "
            "other templates or styles: the words and dates are the original's, the layout "
            "may differ"
        )

    @property
    def name_note(self) -> str | None:
        """What to tell the user when the name prints otherwise than on the original."""
        if not self.spelled_otherwise:
            return None
        return (
            f"the name is typed otherwise than on sheet {self.entry.id} (capitals or spaces): "
            "the reprint prints it as typed; type it as on the original for the same sheet"
        )

    @property
    def provider_note(self) -> str | None:
        """What to tell the user when the provider prints otherwise than on the original.
        Sheets recorded before the register kept the provider as printed say nothing."""
        if not self.provider_otherwise:
            return None
        return PROVIDER_NOTE % {"id": self.entry.id}


def _archived_policy(register: Register, content: Path, source: Source) -> Policy:
    """A policy of a sheet as the register archived it; a translation paired with its source
    policy, when the entry has it (an earlier aftercare archived only the translation: such
    sheets reprint without the clinical review line)."""
    path = content / (source.file or f"{source.slug}.md")
    path.write_bytes(register.archived(source.source))
    policy = policy_module.load(path, archived=True)
    if not (source.original and policy.is_translation):
        return policy
    original = content / f"{source.slug}.md"
    original.write_bytes(register.archived(source.original))
    return languages.paired(policy_module.load(original, archived=True), policy)


_REPRINTING = threading.Lock()  # one local render at a time: rendering is not thread-safe


def render_here(clinic, policies, patient, printed_on, options, assets) -> Made:
    """Render a reprint in this process, with a sheet maker of its own (for the CLI)."""
    with _REPRINTING:
        return SheetMaker(assets).render(clinic, policies, patient, printed_on, options)


def reprint(
    register: Register,
    sheet_id: str,
    name: str,
    provider: str | None,
    render: Render = render_here,
) -> Reprint:
    """The sheet `sheet_id` made again for the patient it was made for (checked by name):
    its clinic profile, logo and policies come from the register's archive, and `render`
    makes the PDF from them."""
    entry = register.get(sheet_id)
    register.check_person(entry, name, provider)
    patient = patient_module.make(name, entry.procedure_date.isoformat(), provider or None)
    with tempfile.TemporaryDirectory(prefix="aftercare-reprint-") as folder:
        content = Path(folder)
        (content / "clinic.toml").write_bytes(register.archived(entry.clinic_source))
        logo = content / entry.logo_path
        logo.parent.mkdir(parents=True, exist_ok=True)
        logo.write_bytes(register.archived(entry.logo_source))
        clinic = clinic_module.load(content / "clinic.toml")
        policies = [_archived_policy(register, content, source) for source in entry.policies]
        options = Options(
            paper=entry.paper,
            large_print=entry.large_print,
            archival=entry.archival,
            draft=False,
            sheet_id=entry.id,
        )
        result = render(clinic, policies, patient, entry.printed_on, options, content)
    return Reprint(
        entry,
        result,
        entry.layout_digest != layout_digest(),
        spelled_otherwise=_otherwise(register, entry.name_exact, patient.name),
        provider_otherwise=_otherwise(register, entry.provider_exact, patient.provider),
    )


def _otherwise(register: Register, exact: str | None, typed: str | None) -> bool:
    """Whether a name or provider that matched is typed otherwise than it was printed; False
    when the entry has no digest of it as printed (recorded by an earlier aftercare)."""
    if exact is None or typed is None:
        return False
    return not hmac.compare_digest(exact, register.exact_digest(typed))
