"""A printed sheet as FHIR R4: a `collection` Bundle of a DocumentReference and a CarePlan.

For clients of `POST /api/sheets` that ask for `application/fhir+json`. `bundle()` is pure
apart from the random `urn:uuid:` of each entry: it takes the built `Sheet` (what the PDF
shows), the rendered PDF bytes, the issue time and, optionally, a reference to the patient
in the caller's own FHIR server. It returns plain JSON-ready dicts.

- DocumentReference (R4): status `current`; `identifier` the sheet ID printed in the
  footer, when the sheet has one; `type` LOINC 69730-0 "Instructions"; `description` the
  sheet's title (the policy title, or every procedure's joined by " + " on a sheet of
  several done on one visit); `date` the issue time (instant, UTC); one `content` whose
  attachment is the PDF itself (`data`), with `hash` the base64 SHA-1 of the PDF bytes (as
  R4 defines it), `size`, `language` the policies', `title` the sheet's title and `creation`.
- CarePlan (R4): status `active`, intent `plan`, `title`/`description` the sheet's title,
  `instantiatesUri` the online page of each policy, `period` and `created`; one `activity`
  per phase (every procedure's, grouped by procedure) whose `detail` has status `scheduled`
  (the one element R4 requires there), the phase label as `description` and
  `scheduledPeriod` with the real dates (procedure date + start and end days; an open-ended
  phase has a `start` only). On a sheet of several procedures each phase's `description` is
  its policy's title and its label ("Lorem Care: Day 1") and its `instantiatesUri` names
  its policy's page, so every activity says which procedure it belongs to.

Patient data. The patient's name and provider never enter the bundle: the caller already
has them, and the bundle is often stored or forwarded. Only the procedure date is used, to
date the phases. (The PDF in the attachment is the personalised sheet, so it prints the
name; that is the document being filed.) Wording is never made up here: every text comes
from the policy (title, phase labels) or is a standard code.

CarePlan.subject. R4 makes `CarePlan.subject` required (1..1, a Patient or Group) while
`DocumentReference.subject` is optional. With `patient_reference` (as "Patient/123" or
"https://fhir.example/r4/Patient/123") both resources get it as `subject`. Without one the
bundle holds the DocumentReference alone: a CarePlan with a made-up subject (a
display-only or contained Patient) would either describe the patient, which must not
happen, or point at nobody, which a receiving server would file wrongly. A caller who
wants the CarePlan passes the reference of the patient in its own server.
"""

from __future__ import annotations

import base64
import hashlib
import re
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from generator.content.policy import Policy
from generator.errors import AftercareError, Problem
from generator.sheet.model import Sheet

SHEET_ID_SYSTEM = "urn:aftercare:sheet-id"
LOINC = "http://loinc.org"
INSTRUCTIONS = {"system": LOINC, "code": "69730-0", "display": "Instructions"}
REFERENCE_FIELD = "patient_reference"
MAX_REFERENCE = 1024

# A FHIR id: [A-Za-z0-9\-\.]{1,64}. References name a Patient: the subject of a CarePlan may
# only be a Patient or a Group, and a sheet is for one patient.
_ID = r"[A-Za-z0-9\-.]{1,64}"
RELATIVE_REFERENCE_RE = re.compile(rf"Patient/{_ID}", re.ASCII)
# An absolute reference: an https server base (host, optional port and path, as FHIR's own
# reference pattern allows) then Patient/id. No user name or password, query or fragment.
ABSOLUTE_REFERENCE_RE = re.compile(
    rf"https://[A-Za-z0-9\-.]+(?::[0-9]{{1,5}})?(?:/[A-Za-z0-9\-._~%$:]+)*/Patient/{_ID}",
    re.ASCII,
)


class BadInput(AftercareError, ValueError):
    """An argument that cannot go into a FHIR bundle. A ValueError, and an AftercareError
    naming the field, so the API can answer 422 as for any other bad field."""

    def __init__(self, field: str, message: str):
        super().__init__(Problem(message, field=field))


def check_patient_reference(value: object) -> str | None:
    """`value` as a FHIR reference to a Patient ("Patient/123", or an https URL ending in
    Patient/123), None when absent. Raises BadInput (a ValueError) naming the field; the
    message never repeats the value. Call it before rendering to refuse bad input early."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadInput(REFERENCE_FIELD, "must be text")
    if len(value) > MAX_REFERENCE or not (
        RELATIVE_REFERENCE_RE.fullmatch(value) or ABSOLUTE_REFERENCE_RE.fullmatch(value)
    ):
        raise BadInput(
            REFERENCE_FIELD,
            "must be a FHIR reference to a Patient, as Patient/123 or "
            "https://fhir.example/r4/Patient/123 (an id is 1-64 letters, digits, '-' or '.')",
        )
    return value


def bundle(
    sheet: Sheet,
    pdf: bytes,
    *,
    issued: datetime,
    patient_reference: str | None = None,
) -> dict[str, Any]:
    """A FHIR R4 Bundle (type `collection`) describing the personalised `sheet` and its `pdf`.

    `issued` is when the sheet was made (time zone aware; written in UTC). `sheet.sheet_id`,
    when set, becomes the DocumentReference's identifier. Without `patient_reference` the
    bundle has no CarePlan (see the module docstring). Raises BadInput (a ValueError) for
    a blank handout, a naive `issued`, bytes that are not a PDF or a bad reference.
    """
    if sheet.patient is None:
        raise BadInput("sheet", "is a blank handout: a FHIR bundle needs a procedure date")
    if not isinstance(pdf, bytes | bytearray) or not bytes(pdf).startswith(b"%PDF-"):
        raise BadInput("pdf", "must be the bytes of a PDF")
    if issued.tzinfo is None or issued.utcoffset() is None:
        raise BadInput("issued", "must have a time zone")
    reference = check_patient_reference(patient_reference)
    subject = {"reference": reference} if reference else None
    resources = [_document_reference(sheet, bytes(pdf), issued, subject)]
    if subject is not None:
        resources.append(_care_plan(sheet, sheet.patient.procedure_date, issued, subject))
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": instant(issued),
        "entry": [{"fullUrl": uuid.uuid4().urn, "resource": r} for r in resources],
    }


def instant(moment: datetime) -> str:
    """A FHIR instant in UTC to the second: 2026-11-23T15:04:05Z."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _document_reference(
    sheet: Sheet, pdf: bytes, issued: datetime, subject: dict | None
) -> dict[str, Any]:
    resource: dict[str, Any] = {"resourceType": "DocumentReference"}
    if sheet.sheet_id:
        resource["identifier"] = [{"system": SHEET_ID_SYSTEM, "value": sheet.sheet_id}]
    resource["status"] = "current"
    resource["type"] = {"coding": [dict(INSTRUCTIONS)]}
    if subject is not None:
        resource["subject"] = dict(subject)
    resource["date"] = instant(issued)
    resource["description"] = sheet.title
    resource["content"] = [
        {
            "attachment": {
                "contentType": "application/pdf",
                "language": sheet.lang,
                "data": base64.b64encode(pdf).decode("ascii"),
                "size": len(pdf),
                "hash": base64.b64encode(hashlib.sha1(pdf).digest()).decode("ascii"),
                "title": sheet.title,
                "creation": instant(issued),
            }
        }
    ]
    return resource


def _care_plan(sheet: Sheet, procedure: date, issued: datetime, subject: dict) -> dict[str, Any]:
    def day(offset: int) -> str:
        return (procedure + timedelta(days=offset)).isoformat()

    activities = []
    for part in sheet.procedures:
        for item in part.plan:
            period = {"start": day(item.start)}
            if item.end is not None:
                period["end"] = day(item.end)
            detail: dict[str, Any] = {"status": "scheduled", "description": item.label}
            if sheet.combined:  # which procedure the phase is of
                detail["description"] = f"{part.policy.title}: {item.label}"
                detail["instantiatesUri"] = [_page(sheet, part.policy)]
            detail["scheduledPeriod"] = period
            activities.append({"detail": detail})
    plan_period = {"start": day(min(item.start for item in sheet.plan))}
    ends = [item.end for item in sheet.plan]
    if all(end is not None for end in ends):
        plan_period["end"] = day(max(end for end in ends if end is not None))
    return {
        "resourceType": "CarePlan",
        "instantiatesUri": [_page(sheet, policy) for policy in sheet.policies],
        "status": "active",
        "intent": "plan",
        "title": sheet.title,
        "description": sheet.title,
        "subject": dict(subject),
        "period": plan_period,
        "created": instant(issued),
        "activity": activities,
    }


def _page(sheet: Sheet, policy: Policy) -> str:
    """The online page of one policy of the sheet, in the sheet's language."""
    return sheet.clinic.page_url(policy.slug, policy.lang if policy.is_translation else None)
