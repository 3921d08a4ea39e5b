"""The FHIR bundle of a sheet: valid R4, the exact PDF, the real phase dates, no patient name.

fhir.resources 8 ships R5 (its default), R4B and STU3 but no R4 package. R4B is R4 with a
few resources added or reworked (none of those used here): Bundle, DocumentReference,
CarePlan, Attachment and Reference are the same in both, so the R4B models check the R4
bundle. Where the models accept more than R4 does (formats of instants, base64), the tests
check the text themselves.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import uuid
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.documentreference import DocumentReference

from generator.content import patient as patient_module
from generator.content.policy import load
from generator.errors import AftercareError
from generator.record import fhir
from generator.sheet.model import Options, build

from .conftest import TODAY

NAME, PROVIDER = "Jane Doe", "Dr. Rivera"
SHEET_ID = "K7QM-3XWP"
ISSUED = datetime(2026, 11, 23, 15, 4, 5, 123456, tzinfo=UTC)
REFERENCE = "Patient/123"
# R4's patterns for instant and dateTime (datatypes.html), anchored.
INSTANT_RE = re.compile(
    r"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])"
    r"T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))"
)
DATE_RE = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])")
FAKE_PDF = b"%PDF-1.7\n% not a real sheet\n%%EOF\n"


def jane(procedure_date: str = "2026-11-23"):
    return patient_module.make(name=NAME, procedure_date=procedure_date, provider=PROVIDER)


@pytest.fixture(scope="module")
def issued(project):
    """The microneedling sheet for Jane with a sheet ID: its Sheet and its rendered PDF."""
    options = Options(sheet_id=SHEET_ID)
    policy = project.policy("microneedling")
    sheet = build(project.clinic, policy, jane(), TODAY, options)
    return sheet, project.render("microneedling", jane(), TODAY, options).pdf


@pytest.fixture(scope="module")
def full(issued):
    sheet, pdf = issued
    return fhir.bundle(sheet, pdf, issued=ISSUED, patient_reference=REFERENCE)


def resources(bundle: dict) -> dict[str, dict]:
    return {entry["resource"]["resourceType"]: entry["resource"] for entry in bundle["entry"]}


def test_bundle_validates_as_fhir_r4(full):
    assert json.loads(json.dumps(full)) == full  # plain JSON, nothing lost
    model = Bundle.model_validate(full)
    assert model.type == "collection"
    assert [type(e.resource) for e in model.entry] == [DocumentReference, CarePlan]
    found = resources(full)
    DocumentReference.model_validate(found["DocumentReference"])
    CarePlan.model_validate(found["CarePlan"])
    urls = [entry["fullUrl"] for entry in full["entry"]]
    assert len(set(urls)) == len(urls)
    for url in urls:
        assert url.startswith("urn:uuid:")
        assert uuid.UUID(url.removeprefix("urn:uuid:")).version == 4
    assert INSTANT_RE.fullmatch(full["timestamp"])


def test_document_reference_carries_the_exact_pdf(full, issued):
    _, pdf = issued
    document = resources(full)["DocumentReference"]
    assert document["status"] == "current"
    assert document["type"]["coding"] == [
        {"system": "http://loinc.org", "code": "69730-0", "display": "Instructions"}
    ]
    assert document["description"] == "Micro-Needling Post Procedure"
    assert document["date"] == "2026-11-23T15:04:05Z"
    assert INSTANT_RE.fullmatch(document["date"])
    [content] = document["content"]
    attachment = content["attachment"]
    assert attachment["contentType"] == "application/pdf"
    assert attachment["language"] == "en"
    assert attachment["title"] == "Micro-Needling Post Procedure"
    assert attachment["creation"] == "2026-11-23T15:04:05Z"
    data = base64.b64decode(attachment["data"], validate=True)
    assert data == pdf
    assert attachment["size"] == len(pdf)
    assert base64.b64decode(attachment["hash"], validate=True) == hashlib.sha1(pdf).digest()


def test_identifier_is_the_sheet_id(full):
    assert resources(full)["DocumentReference"]["identifier"] == [
        {"system": "urn:aftercare:sheet-id", "value": SHEET_ID}
    ]


def test_no_identifier_without_a_sheet_id(project):
    sheet = build(project.clinic, project.policy("microneedling"), jane(), TODAY)
    document = resources(fhir.bundle(sheet, FAKE_PDF, issued=ISSUED))["DocumentReference"]
    assert "identifier" not in document


def test_care_plan_dates_the_phases_of_microneedling(full):
    plan = resources(full)["CarePlan"]
    assert (plan["status"], plan["intent"]) == ("active", "plan")
    assert plan["title"] == plan["description"] == "Micro-Needling Post Procedure"
    assert plan["instantiatesUri"] == ["https://harborskin.example/aftercare/microneedling/"]
    assert plan["period"] == {"start": "2026-11-23"}  # the last phase is open-ended
    assert INSTANT_RE.fullmatch(plan["created"])
    assert [a["detail"] for a in plan["activity"]] == [
        {
            "status": "scheduled",
            "description": "Day of procedure",
            "scheduledPeriod": {"start": "2026-11-23", "end": "2026-11-23"},
        },
        {
            "status": "scheduled",
            "description": "Day 1",
            "scheduledPeriod": {"start": "2026-11-24", "end": "2026-11-24"},
        },
        {
            "status": "scheduled",
            "description": "Days 2-7",
            "scheduledPeriod": {"start": "2026-11-25", "end": "2026-11-30"},
        },
        {
            "status": "scheduled",
            "description": "Days 7+",
            "scheduledPeriod": {"start": "2026-11-30"},
        },
    ]


def test_synthetic_policy_across_the_year_end(project, synthetic_content):
    """A policy that is not the shipped one, rendered by the warm renderer, dated from
    December 30: Days 1-3 run into the new year."""
    policy = load(synthetic_content / "example-procedure.md")
    patient = jane("2026-12-30")
    options = Options(sheet_id="TEST-0001")
    pdf = project.maker.render(project.clinic, policy, patient, TODAY, options).pdf
    sheet = build(project.clinic, policy, patient, TODAY, options)
    bundle = fhir.bundle(sheet, pdf, issued=ISSUED, patient_reference="Patient/example.1")
    Bundle.model_validate(bundle)
    found = resources(bundle)
    attachment = found["DocumentReference"]["content"][0]["attachment"]
    assert attachment["title"] == "Example Procedure"
    assert attachment["language"] == "en"  # the default when a policy names none
    assert base64.b64decode(attachment["data"]) == pdf
    plan = found["CarePlan"]
    assert plan["title"] == "Example Procedure"
    assert [
        (a["detail"]["description"], a["detail"]["scheduledPeriod"]) for a in plan["activity"]
    ] == [
        ("Day 0", {"start": "2026-12-30", "end": "2026-12-30"}),
        ("Days 1-3", {"start": "2026-12-31", "end": "2027-01-02"}),
        ("Days 3+", {"start": "2027-01-02"}),
    ]
    for activity in plan["activity"]:
        for day in activity["detail"]["scheduledPeriod"].values():
            assert DATE_RE.fullmatch(day)
    blob = json.dumps(bundle, ensure_ascii=False)
    assert NAME not in blob and PROVIDER not in blob


def test_bounded_plan_has_a_period_end(project):
    """When every phase ends, the CarePlan's period ends on the last day of any phase."""
    policy = project.policy("microneedling")
    phases = policy.phases[:-1]  # Day of procedure .. Days 2-7
    sheet = build(project.clinic, _with_phases(policy, phases), jane(), TODAY)
    plan = resources(fhir.bundle(sheet, FAKE_PDF, issued=ISSUED, patient_reference=REFERENCE))[
        "CarePlan"
    ]
    assert plan["period"] == {"start": "2026-11-23", "end": "2026-11-30"}


def _with_phases(policy, phases):
    import dataclasses

    return dataclasses.replace(policy, phases=phases)


@pytest.mark.parametrize(
    "reference",
    [
        "Patient/123",
        "Patient/a-B.9",
        "Patient/" + "x" * 64,
        "https://fhir.example/Patient/123",
        "https://fhir.example:8443/r4/Patient/123",
    ],
)
def test_patient_reference_is_the_subject_of_both(project, reference):
    sheet = build(project.clinic, project.policy("microneedling"), jane(), TODAY)
    bundle = fhir.bundle(sheet, FAKE_PDF, issued=ISSUED, patient_reference=reference)
    Bundle.model_validate(bundle)
    found = resources(bundle)
    assert found["DocumentReference"]["subject"] == {"reference": reference}
    assert found["CarePlan"]["subject"] == {"reference": reference}


@pytest.mark.parametrize(
    "reference",
    [
        "",
        "123",
        "Patient",
        "Patient/",
        "Patient/1 2",
        "Patient/1\n",
        " Patient/1",
        "Patient/" + "x" * 65,
        "Patient/1/_history/2",
        "Observation/1",
        "patient/1",
        "Group/1",
        "Patient/ünï",
        "http://fhir.example/Patient/1",
        "https://fhir.example/Observation/1",
        "https://user:secret@fhir.example/Patient/1",
        "https://fhir.example/Patient/1?name=Jane",
        "https://fhir.example/Patient/1#x",
        "https:///Patient/1",
        "javascript:alert(1)//Patient/1",
        "urn:uuid:0f4c3c7e-8f3a-4c59-9a4e-1b2c3d4e5f60",
        "Jane Doe",
        "https://fhir.example/" + "a" * 1020 + "/Patient/1",
        123,
        ["Patient/1"],
    ],
)
def test_bad_patient_reference_is_refused(project, reference):
    sheet = build(project.clinic, project.policy("microneedling"), jane(), TODAY)
    with pytest.raises(ValueError, match=r"^patient_reference: ") as caught:
        fhir.bundle(sheet, FAKE_PDF, issued=ISSUED, patient_reference=reference)
    assert isinstance(caught.value, AftercareError)
    assert caught.value.field == "patient_reference"
    if isinstance(reference, str):  # one message for every bad text: it never repeats it
        assert str(caught.value) == str(_refusal("Jane Doe"))


def _refusal(reference) -> ValueError:
    with pytest.raises(ValueError) as caught:
        fhir.check_patient_reference(reference)
    return caught.value


def test_without_patient_reference_there_is_no_care_plan(issued):
    """R4 requires CarePlan.subject; without a real reference the CarePlan is left out."""
    sheet, pdf = issued
    bundle = fhir.bundle(sheet, pdf, issued=ISSUED)
    Bundle.model_validate(bundle)
    [entry] = bundle["entry"]
    assert entry["resource"]["resourceType"] == "DocumentReference"
    assert "subject" not in entry["resource"]
    assert fhir.check_patient_reference(None) is None


def test_name_and_provider_appear_nowhere(full, issued):
    sheet, pdf = issued
    for bundle in (full, fhir.bundle(sheet, pdf, issued=ISSUED)):
        for blob in (json.dumps(bundle), json.dumps(bundle, ensure_ascii=False)):
            for secret in (NAME, PROVIDER, "Jane", "Rivera"):
                assert secret not in blob


def test_issue_time_is_written_in_utc(project):
    sheet = build(project.clinic, project.policy("microneedling"), jane(), TODAY)
    local = datetime(2026, 11, 24, 1, 30, tzinfo=timezone(timedelta(hours=2)))
    bundle = fhir.bundle(sheet, FAKE_PDF, issued=local, patient_reference=REFERENCE)
    document, plan = (entry["resource"] for entry in bundle["entry"])
    assert bundle["timestamp"] == document["date"] == "2026-11-23T23:30:00Z"
    assert document["content"][0]["attachment"]["creation"] == "2026-11-23T23:30:00Z"
    assert plan["created"] == "2026-11-23T23:30:00Z"


def test_refuses_what_cannot_be_a_sheet_bundle(project):
    policy = project.policy("microneedling")
    blank = build(project.clinic, policy, None, TODAY)
    with pytest.raises(ValueError, match=r"^sheet: "):
        fhir.bundle(blank, FAKE_PDF, issued=ISSUED)
    sheet = build(project.clinic, policy, jane(), TODAY)
    with pytest.raises(ValueError, match=r"^issued: "):
        fhir.bundle(sheet, FAKE_PDF, issued=datetime(2026, 11, 23, 12, 0))
    for not_pdf in (b"", b"<html>", "%PDF-1.7"):
        with pytest.raises(ValueError, match=r"^pdf: "):
            fhir.bundle(sheet, not_pdf, issued=ISSUED)  # type: ignore[arg-type]


def test_entries_get_new_uuids_each_time(project):
    sheet = build(project.clinic, project.policy("microneedling"), jane(), TODAY)
    first = fhir.bundle(sheet, FAKE_PDF, issued=ISSUED, patient_reference=REFERENCE)
    second = fhir.bundle(sheet, FAKE_PDF, issued=ISSUED, patient_reference=REFERENCE)
    assert {e["fullUrl"] for e in first["entry"]}.isdisjoint(e["fullUrl"] for e in second["entry"])
    for a, b in zip(first["entry"], second["entry"], strict=True):
        assert a["resource"] == b["resource"]  # otherwise the same: pure but for the uuids


def test_procedure_date_drives_the_dates_not_today(project):
    """The issue day (TODAY) plays no part: a procedure on a leap day's eve dates from it."""
    sheet = build(project.clinic, project.policy("microneedling"), jane("2028-02-28"), TODAY)
    plan = resources(fhir.bundle(sheet, FAKE_PDF, issued=ISSUED, patient_reference=REFERENCE))[
        "CarePlan"
    ]
    starts = [a["detail"]["scheduledPeriod"]["start"] for a in plan["activity"]]
    assert starts == ["2028-02-28", "2028-02-29", "2028-03-01", "2028-03-06"]
    assert date.fromisoformat(starts[0]) != TODAY


def test_a_combined_sheet_names_every_procedure(project, synthetic_content):
    """A sheet of two synthetic procedures done on one day: the document and the plan name
    both, and each activity says whose phase it is, with its own dates."""
    lorem = (synthetic_content / "example-procedure.md").read_text()
    lorem = lorem.replace("Example Procedure", "Lorem Care").replace(
        "  - label: Days 3+\n    start: 3\n", "  - label: Days 3-14\n    start: 3\n    end: 14\n"
    )
    (synthetic_content / "lorem-care.md").write_text(lorem.replace("## Days 3+", "## Days 3-14"))
    policies = [
        load(synthetic_content / f"{slug}.md") for slug in ("example-procedure", "lorem-care")
    ]
    options = Options(sheet_id=SHEET_ID)
    pdf = project.maker.render(project.clinic, policies, jane(), TODAY, options).pdf
    sheet = build(project.clinic, policies, jane(), TODAY, options)
    bundle = fhir.bundle(sheet, pdf, issued=ISSUED, patient_reference=REFERENCE)
    Bundle.model_validate(bundle)
    found = resources(bundle)
    CarePlan.model_validate(found["CarePlan"])
    document = found["DocumentReference"]
    assert document["description"] == "Example Procedure + Lorem Care"
    assert document["content"][0]["attachment"]["title"] == "Example Procedure + Lorem Care"
    assert base64.b64decode(document["content"][0]["attachment"]["data"]) == pdf
    plan = found["CarePlan"]
    assert plan["title"] == plan["description"] == "Example Procedure + Lorem Care"
    pages = [
        f"https://harborskin.example/aftercare/{slug}/"
        for slug in ("example-procedure", "lorem-care")
    ]
    assert plan["instantiatesUri"] == pages
    assert plan["period"] == {"start": "2026-11-23"}  # Example Procedure's last phase is open
    assert [
        (a["detail"]["description"], a["detail"]["instantiatesUri"], a["detail"]["scheduledPeriod"])
        for a in plan["activity"]
    ] == [
        ("Example Procedure: Day 0", pages[:1], {"start": "2026-11-23", "end": "2026-11-23"}),
        ("Example Procedure: Days 1-3", pages[:1], {"start": "2026-11-24", "end": "2026-11-26"}),
        ("Example Procedure: Days 3+", pages[:1], {"start": "2026-11-26"}),
        ("Lorem Care: Day 0", pages[1:], {"start": "2026-11-23", "end": "2026-11-23"}),
        ("Lorem Care: Days 1-3", pages[1:], {"start": "2026-11-24", "end": "2026-11-26"}),
        ("Lorem Care: Days 3-14", pages[1:], {"start": "2026-11-26", "end": "2026-12-07"}),
    ]
    blob = json.dumps(bundle, ensure_ascii=False)
    assert NAME not in blob and PROVIDER not in blob
