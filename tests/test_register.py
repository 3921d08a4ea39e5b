"""The register: sheet IDs in footers, entries without names, reprints byte for byte, on SQLite
and on a real PostgreSQL server."""

from __future__ import annotations

import html
import re
import shutil
import threading
from datetime import date

import pytest
import sqlalchemy as sa

from generator.content import patient as patient_module
from generator.content import policy as policy_module
from generator.errors import AftercareError
from generator.paths import CONTENT
from generator.project import Project
from generator.record import issuing
from generator.record.register import CROCKFORD, Register, new_sheet_id, normalise, parse_sheet_id
from generator.sheet.model import Options

from . import pg
from .conftest import TODAY, pdf_pages

KEY = b"k" * 32
NAME, PROVIDER = "Jane Doe", "Dr. Rivera"


@pytest.fixture
def content(tmp_path):
    folder = tmp_path / "content"
    shutil.copytree(CONTENT, folder)
    return folder


def issue(register, project, name=NAME, provider=PROVIDER, options=None, slug="microneedling"):
    """What the `sheet` command does: take an ID, render with it, record the entry."""
    patient = patient_module.make(name, "2026-11-23", provider)
    options = Options(**{**(options or Options()).__dict__, "sheet_id": register.unused_id()})
    result = project.render(slug, patient, TODAY, options)
    return record(register, project, patient, options, "cli"), result


def record(register, project, patient, options, channel, session=None):
    """Record a sheet of the seed policy made with `options` (its sheet ID included)."""
    return issuing.record(
        register,
        clinic=project.clinic,
        policies=[project.policy("microneedling")],
        patient=patient,
        printed_on=TODAY,
        options=options,
        channel=channel,
        session=session,
    )


def test_sheet_ids_are_8_crockford_characters_and_read_forgivingly():
    ids = {new_sheet_id() for _ in range(2000)}
    assert len(ids) == 2000
    for sheet_id in list(ids)[:50]:
        assert len(sheet_id) == 9 and sheet_id[4] == "-"
        assert all(c in CROCKFORD for c in sheet_id.replace("-", ""))
    assert parse_sheet_id(" k7qm 2x9a ") == "K7QM-2X9A"
    assert parse_sheet_id("O1IL-0000") == "0111-0000"
    with pytest.raises(AftercareError, match="8 letters and digits"):
        parse_sheet_id("K7QM-2X9")


def test_every_page_footer_carries_the_sheet_id(register, content):
    entry, result = issue(register, Project(content))
    pages = pdf_pages(result.pdf)
    assert len(pages) == 2
    assert all(f"Sheet {entry.id}" in page for page in pages)


def test_a_blank_handout_has_no_sheet_id(content):
    result = Project(content).render("microneedling", None, TODAY, Options(sheet_id="ABCD-EFGH"))
    assert "Sheet ABCD-EFGH" not in " ".join(pdf_pages(result.pdf))


def test_the_entry_has_what_was_given_and_no_name(register, content):
    entry, _ = issue(register, Project(content), options=Options(paper="a4", large_print=True))
    shown = entry.public()
    assert shown["policies"] == [
        {"slug": "microneedling", "version": "1.0", "hash": entry.policies[0].hash, "lang": "en"}
    ]
    assert shown["procedure_date"] == "2026-11-23" and shown["printed_on"] == "2026-11-23"
    assert (shown["paper"], shown["large_print"], shown["pdf_a"]) == ("a4", True, False)
    assert shown["channel"] == "cli" and shown["has_provider"] is True
    assert shown["issued_at"].endswith("Z")
    assert "Jane" not in repr(shown) and "Rivera" not in repr(shown)


def test_names_match_however_they_are_typed_but_not_otherwise(register, content):
    entry, _ = issue(register, Project(content), name="  Zoë   O'Brien ")
    assert normalise("ZOË O'BRIEN") == normalise("zoe\u0308 o'brien")  # NFC and case
    register.check_person(entry, "ZOË O'BRIEN", PROVIDER)
    with pytest.raises(AftercareError, match=f"the name does not match sheet {entry.id}"):
        register.check_person(entry, "Zoe O'Brien", PROVIDER)
    with pytest.raises(AftercareError, match="give it too"):
        register.check_person(entry, "Zoë O'Brien", None)
    with pytest.raises(AftercareError, match="the provider does not match"):
        register.check_person(entry, "Zoë O'Brien", "Dr. Lee")


def test_find_by_name_and_date(register, content):
    project = Project(content)
    first, _ = issue(register, project)
    second, _ = issue(register, project, provider=None)
    issue(register, project, name="John Roe")
    assert [e.id for e in register.find("jane doe")] == [first.id, second.id]
    assert [e.id for e in register.find("Jane Doe", date(2026, 11, 23))] == [first.id, second.id]
    assert register.find("Jane Doe", date(2026, 11, 24)) == []


def test_a_reprint_is_the_same_pdf_byte_for_byte_even_after_the_content_changed(register, content):
    project = Project(content)
    entry, original = issue(register, project)
    policy = content / "microneedling.md"
    policy.write_text(
        policy.read_text().replace('version: "1.0"', 'version: "1.1"') + "\nLorem care.\n"
    )
    clinic = content / "clinic.toml"
    clinic.write_text(clinic.read_text().replace("Harbor Skin Clinic", "Lorem Clinic"))
    (content / "harbor-logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    again = issuing.reprint(register, entry.id.lower(), "jane doe", "DR. RIVERA")
    assert again.entry.id == entry.id and again.note is None
    assert again.result.pdf != original.pdf  # typed in other case: the name prints as typed
    assert again.name_note and "typed otherwise than on sheet" in again.name_note
    exact = issuing.reprint(register, entry.id, NAME, PROVIDER)
    assert exact.result.pdf == original.pdf and exact.name_note is None


def test_a_provider_typed_otherwise_is_reprinted_as_typed_with_a_note(register, content):
    entry, original = issue(register, Project(content))
    again = issuing.reprint(register, entry.id, NAME, "DR.  RIVERA")
    assert again.result.pdf != original.pdf  # the provider prints as typed
    assert "DR. RIVERA" in pdf_pages(again.result.pdf)[0]
    assert again.name_note is None
    assert again.provider_note == (
        f"the provider is typed otherwise than on sheet {entry.id} (capitals or spaces): the "
        "reprint prints it as typed; type it as on the original for the same sheet"
    )
    exact = issuing.reprint(register, entry.id, NAME, PROVIDER)
    assert exact.result.pdf == original.pdf and exact.provider_note is None
    without, _ = issue(register, Project(content), provider=None)
    assert issuing.reprint(register, without.id, NAME, None).provider_note is None


def test_a_reprint_refuses_a_name_or_provider_that_does_not_match(register, content):
    entry, _ = issue(register, Project(content))
    with pytest.raises(AftercareError, match=f"the name does not match sheet {entry.id}"):
        issuing.reprint(register, entry.id, "Jane Roe", PROVIDER)
    with pytest.raises(AftercareError, match="named a provider"):
        issuing.reprint(register, entry.id, NAME, None)
    with pytest.raises(AftercareError, match="no sheet ZZZZ-ZZZZ in the register"):
        issuing.reprint(register, "ZZZZ-ZZZZ", NAME, PROVIDER)


def test_a_reprint_after_a_layout_change_says_so(register, content):
    entry, _ = issue(register, Project(content))
    with register.engine.begin() as db:
        db.execute(sa.text("UPDATE sheets SET layout_digest = 'older', generator_version = '0.9'"))
    again = issuing.reprint(register, entry.id, NAME, PROVIDER)
    assert again.note and "aftercare 0.9" in again.note and "layout may differ" in again.note
    assert f"Sheet {entry.id}" in pdf_pages(again.result.pdf)[0]


def test_prune_removes_old_entries_and_the_files_only_they_needed(register, content):
    entry, _ = issue(register, Project(content))
    assert register.prune(date(2026, 11, 23)) == 0
    assert register.prune(date(2026, 11, 24)) == 1
    with pytest.raises(AftercareError, match="no sheet"):
        register.get(entry.id)
    with register.engine.connect() as db:
        assert db.execute(sa.text("SELECT count(*) FROM archive")).scalar() == 0


def test_the_database_file_holds_no_name(tmp_path, content):
    path = tmp_path / "raw.sqlite3"
    reg = Register(f"sqlite:///{path}", KEY)
    issue(reg, Project(content), name="Xanthippe Quillfeather", provider="Dr. Zebulon")
    reg.dispose()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("raw.sqlite3*"))
    assert b"microneedling" in raw  # the entry is there
    for secret in ("Xanthippe", "Quillfeather", "Zebulon", "xanthippe"):
        assert secret.encode() not in raw and secret.encode("utf-16-le") not in raw
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_a_newer_schema_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'r.sqlite3'}"
    Register(url, KEY).dispose()
    engine = sa.create_engine(url)
    with engine.begin() as db:
        db.execute(sa.text("UPDATE aftercare_schema SET version = 99"))
    engine.dispose()
    with pytest.raises(AftercareError, match="schema version 99, newer than"):
        Register(url, KEY)


# ---------- PostgreSQL ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def postgres_url():
    """A real PostgreSQL server for this module (its tests are marked `load`: a server)."""
    if pg.binaries() is None:
        pytest.fail("PostgreSQL is not installed: run `make setup-test`")
    with pg.temporary_server() as url:
        yield url


@pytest.mark.load
def test_two_desks_on_one_postgresql_register_issue_500_sheets_with_unique_ids(
    postgres_url, content
):
    """Two registers (as two desks on two machines would have) record 500 entries at once."""
    project = Project(content)
    patient = patient_module.make(NAME, "2026-11-23", PROVIDER)
    desks = [Register(postgres_url, KEY), Register(postgres_url, KEY)]
    ids: list[str] = []
    lock = threading.Lock()

    def desk(register, count):
        for _ in range(count):
            options = Options(sheet_id=register.unused_id())
            record(register, project, patient, options, "desk", "session-a")
            with lock:
                ids.append(options.sheet_id)

    threads = [threading.Thread(target=desk, args=(r, 125)) for r in desks for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(ids) == 500 and len(set(ids)) == 500
    assert len(desks[0].find(NAME)) == 500
    for register in desks:
        register.dispose()


@pytest.mark.load
def test_two_running_desks_on_one_postgresql_register_issue_500_sheets(postgres_url, tmp_path):
    """Two `aftercare serve` processes, as on two machines, share one register."""
    from concurrent.futures import ThreadPoolExecutor

    from .test_load import Desk

    env = {"AFTERCARE_DATABASE_URL": postgres_url, "AFTERCARE_REGISTER_KEY": KEY.decode()}
    desks = [Desk("--workers", "1", state=tmp_path / f"state-{n}", env=env) for n in range(2)]
    try:

        def one(i):
            status, headers, body = desks[i % 2].post(
                {"policy": "microneedling", "name": f"Lorem Patient {i}", "date": "2026-11-23"}
            )
            return status, headers.get("X-Sheet-Id"), body

        with ThreadPoolExecutor(8) as executor:
            results = list(executor.map(one, range(500)))
    finally:
        for desk in desks:
            desk.stop()
    assert [status for status, _, _ in results] == [200] * 500
    ids = [sheet_id for _, sheet_id, _ in results]
    assert len(set(ids)) == 500
    for _status, sheet_id, body in results[::100]:
        assert f"Sheet {sheet_id}" in pdf_pages(body)[0]
    register = Register(postgres_url, KEY)  # the key every desk of this register has
    try:
        entries = [register.get(sheet_id) for sheet_id in ids]
        assert {entry.channel for entry in entries} == {"api"}
        assert [e.id for e in register.find("Lorem Patient 7")] == [ids[7]]
    finally:
        register.dispose()


@pytest.mark.load
def test_a_reprint_from_postgresql_is_byte_for_byte(postgres_url, content):
    register = Register(postgres_url, KEY)
    try:
        entry, original = issue(register, Project(content))
        assert issuing.reprint(register, entry.id, NAME, PROVIDER).result.pdf == original.pdf
        assert register.prune(date(2026, 11, 23)) == 0  # takes its lock, keeps the entry
        assert issuing.reprint(register, entry.id, NAME, PROVIDER).result.pdf == original.pdf
    finally:
        register.dispose()


@pytest.mark.load
def test_on_postgresql_entries_match_names_reprint_and_prune_as_on_sqlite(postgres_url, content):
    """The register's everyday work, as the SQLite tests above check it, on PostgreSQL; then
    every file of the server (tables, WAL, log) is read and holds no name or provider."""
    register = Register(postgres_url, KEY)
    try:
        project = Project(content)
        name, provider = "Xanthippe Quillfeather", "Dr. Zebulon"
        entry, original = issue(register, project, name=name, provider=provider)
        other, _ = issue(register, project, name="John Roe", provider=None)
        shown = entry.public()
        assert shown["channel"] == "cli" and shown["has_provider"] is True
        assert name not in repr(shown) and provider not in repr(shown)
        assert [e.id for e in register.find("xanthippe  QUILLFEATHER")] == [entry.id]
        assert [e.id for e in register.find(name, date(2026, 11, 24))] == []
        with pytest.raises(AftercareError, match=f"the name does not match sheet {entry.id}"):
            register.check_person(entry, "Xanthippe Quill", provider)
        policy = content / "microneedling.md"
        policy.write_text(policy.read_text().replace('version: "1.0"', 'version: "1.1"'))
        assert issuing.reprint(register, entry.id, name, provider).result.pdf == original.pdf
        with register.engine.begin() as db:
            db.execute(sa.text("CHECKPOINT"))  # the tables' pages written to their files
        folder = pg.FOLDERS[postgres_url]
        raw = [path.read_bytes() for path in folder.rglob("*") if path.is_file()]
        assert any(
            entry.id.replace("-", "").encode() in data or entry.id.encode() in data for data in raw
        )  # the entry is there to be found
        for secret in ("Xanthippe", "Quillfeather", "xanthippe", "Zebulon", "John Roe"):
            assert not any(secret.encode() in data for data in raw), secret
        assert register.prune(date(2026, 11, 24)) >= 2
        with pytest.raises(AftercareError, match="no sheet"):
            register.get(other.id)
    finally:
        register.dispose()


# ---------- Through the API and the desk -------------------------------------------------------


@pytest.fixture
def registered(live_content, pool, register):
    """The desk and API with a register."""
    from generator.web.app import create_app

    return create_app(live_content, pool, register=register).test_client()


SHEET = {"policy": "microneedling", "name": NAME, "date": "2026-11-23", "provider": PROVIDER}


def test_api_sheets_carry_their_id_and_the_entry_can_be_read(registered, register):
    response = registered.post("/api/sheets", json=SHEET)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    sheet_id = response.headers["X-Sheet-Id"]
    assert all(f"Sheet {sheet_id}" in page for page in pdf_pages(response.data))
    entry = registered.get(f"/api/sheets/{sheet_id.lower()}")
    assert entry.status_code == 200
    assert entry.json["id"] == sheet_id and entry.json["channel"] == "api"
    assert NAME not in entry.get_data(as_text=True)
    assert registered.get("/api/sheets/ZZZZ-ZZZZ").status_code == 404
    bad = registered.get("/api/sheets/nope")
    assert bad.status_code == 400 and bad.json["field"] == "id"


def test_api_reprint_is_byte_for_byte_and_names_a_mismatch(registered):
    original = registered.post("/api/sheets", json=SHEET)
    sheet_id = original.headers["X-Sheet-Id"]
    again = registered.post(
        "/api/reprints", json={"id": sheet_id, "name": NAME, "provider": PROVIDER}
    )
    assert again.status_code == 200 and again.data == original.data
    assert again.headers["X-Sheet-Id"] == sheet_id and "X-Name-Note" not in again.headers
    lower = registered.post(
        "/api/reprints", json={"id": sheet_id, "name": "JANE DOE", "provider": PROVIDER}
    )
    assert lower.status_code == 200 and lower.data != original.data
    assert lower.headers["X-Name-Note"] == "the name is typed otherwise than on the original"
    assert "X-Provider-Note" not in lower.headers and "X-Provider-Note" not in again.headers
    upper = registered.post(
        "/api/reprints", json={"id": sheet_id, "name": NAME, "provider": "DR. RIVERA"}
    )
    assert upper.status_code == 200 and upper.data != original.data
    assert "X-Name-Note" not in upper.headers
    assert upper.headers["X-Provider-Note"] == (
        "the provider is typed otherwise than on the original"
    )
    wrong = registered.post(
        "/api/reprints", json={"id": sheet_id, "name": "Jane Roe", "provider": PROVIDER}
    )
    assert wrong.status_code == 422
    assert wrong.json == {"error": f"the name does not match sheet {sheet_id}", "field": "name"}
    missing = registered.post("/api/reprints", json={"id": sheet_id, "name": NAME})
    assert missing.status_code == 422 and missing.json["field"] == "provider"
    unknown = registered.post("/api/reprints", json={"id": "ZZZZ-ZZZZ", "name": NAME})
    assert unknown.status_code == 404


def test_without_a_register_there_are_no_ids(client):
    response = client.post("/api/sheets", json=SHEET)
    assert response.status_code == 200 and "X-Sheet-Id" not in response.headers
    assert "Sheet " not in " ".join(pdf_pages(response.data)).replace("Sheet ready", "")
    assert client.get("/api/sheets/ZZZZ-ZZZZ").status_code == 404


def test_a_fhir_client_gets_a_bundle_with_the_pdf_and_the_sheet_id(registered):
    import base64

    response = registered.post(
        "/api/sheets",
        json={**SHEET, "patient_reference": "Patient/123"},
        headers={"Accept": "application/fhir+json"},
    )
    assert response.status_code == 200 and response.mimetype == "application/fhir+json"
    bundle = response.json
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert bundle["resourceType"] == "Bundle" and kinds == ["DocumentReference", "CarePlan"]
    document = bundle["entry"][0]["resource"]
    assert document["identifier"][0]["value"] == response.headers["X-Sheet-Id"]
    pdf = base64.b64decode(document["content"][0]["attachment"]["data"])
    assert (
        pdf.startswith(b"%PDF") and f"Sheet {response.headers['X-Sheet-Id']}" in pdf_pages(pdf)[0]
    )
    assert all(e["resource"]["subject"] == {"reference": "Patient/123"} for e in bundle["entry"])
    assert NAME not in response.get_data(as_text=True)
    bad = registered.post("/api/sheets", json={**SHEET, "patient_reference": "Jane Doe"})
    assert bad.status_code == 422 and bad.json["field"] == "patient_reference"


def test_the_desk_result_page_shows_the_sheet_id(registered, register):
    from .test_web import desk_sheet

    page, pdf = desk_sheet(registered, policy="microneedling", name=NAME)
    [sheet_id] = re.findall(r"Sheet ID</dt><dd>([0-9A-Z]{4}-[0-9A-Z]{4})<", page)
    assert f"Sheet {sheet_id}" in pdf_pages(pdf)[0]
    assert register.get(sheet_id).channel == "desk" and register.get(sheet_id).session


# ---------- Through the command line ----------------------------------------------------------


def test_the_sheet_command_prints_the_id_and_reprint_writes_the_same_bytes(run, tmp_path):
    made = run("sheet", "microneedling", "--name", NAME, "--provider", PROVIDER,
               "--out", tmp_path / "a.pdf")  # fmt: skip
    assert made.code == 0, made.err
    [sheet_id] = re.findall(r"^Sheet ([0-9A-Z]{4}-[0-9A-Z]{4})$", made.err, re.MULTILINE)
    shown = run("register", "show", sheet_id)
    assert shown.code == 0 and "channel            cli" in shown.out and NAME not in shown.out
    found = run("register", "find", "--name", "JANE DOE")
    assert found.code == 0 and sheet_id in found.out
    again = run("reprint", sheet_id, "--name", NAME, "--provider", PROVIDER,
                "--out", tmp_path / "b.pdf")  # fmt: skip
    assert again.code == 0, again.err
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()
    assert "note" not in again.err
    upper = run("reprint", sheet_id, "--name", NAME, "--provider", "DR. RIVERA",
                "--out", tmp_path / "d.pdf")  # fmt: skip
    assert upper.code == 0, upper.err
    assert (
        f"aftercare: note: the provider is typed otherwise than on sheet {sheet_id} (capitals "
        "or spaces): the reprint prints it as typed; type it as on the original for the same "
        "sheet"
    ) in upper.err.splitlines()
    assert "the name is typed otherwise" not in upper.err
    assert "DR. RIVERA" in pdf_pages((tmp_path / "d.pdf").read_bytes())[0]
    wrong = run("reprint", sheet_id, "--name", "Jane Roe", "--out", tmp_path / "c.pdf")
    assert wrong.code == 1 and f"the name does not match sheet {sheet_id}" in wrong.err
    assert not (tmp_path / "c.pdf").exists()


def test_register_export_has_no_names_and_prune_deletes(run, tmp_path):
    made = run("sheet", "microneedling", "--name", "Xanthippe Lorem", "--out", tmp_path / "a.pdf")
    [sheet_id] = re.findall(r"Sheet ([0-9A-Z]{4}-[0-9A-Z]{4})", made.err)
    today = date.today()
    exported = run("register", "export", "--from", str(today), "--to", str(today))
    assert exported.code == 0
    lines = exported.out.splitlines()
    assert lines[0].startswith("id,issued_at,channel,session,policies")
    assert any(line.startswith(f"{sheet_id},") for line in lines)
    assert "Xanthippe" not in exported.out
    later = date.fromordinal(today.toordinal() + 1)
    pruned = run("register", "prune", "--before", str(later))
    assert pruned.code == 0 and "Pruned" in pruned.out
    assert run("register", "show", sheet_id).code == 1


def test_a_batch_records_every_sheet_and_lists_the_ids(run, tmp_path):
    rows = tmp_path / "patients.csv"
    rows.write_text(
        "name,policy,date,provider\n"
        "Jane Doe,microneedling,2026-11-23,Dr. Rivera\n"
        "John Roe,microneedling,2026-11-24,\n"
        "Bad Row,nope,2026-11-24,\n"
    )
    result = run("batch", rows, "--out", tmp_path / "out", "--jobs", "1")
    assert result.code == 1  # the bad row
    listed = (tmp_path / "out" / "sheet-ids.csv").read_text().splitlines()
    assert listed[0] == "row,file,id" and len(listed) == 3
    for line in listed[1:]:
        _row, name, sheet_id = line.split(",")
        assert f"Sheet {sheet_id}" in pdf_pages((tmp_path / "out" / name).read_bytes())[0]
        assert run("register", "show", sheet_id).out.count("batch") == 1
    assert [line.split(",")[0] for line in listed[1:]] == ["2", "3"]


def test_register_false_prints_no_id_and_records_nothing(run, tmp_path, content):
    clinic = content / "clinic.toml"
    clinic.write_text("register = false\n" + clinic.read_text())  # before any [table]
    database = tmp_path / "register.sqlite3"
    made = run("--content", content, "sheet", "microneedling", "--name", NAME,
               "--database", f"sqlite:///{database}", "--out", tmp_path / "a.pdf")  # fmt: skip
    assert made.code == 0, made.err
    assert "Sheet " not in made.err
    assert "Sheet " not in " ".join(pdf_pages((tmp_path / "a.pdf").read_bytes()))
    assert not database.exists()  # the register was not even opened
    found = run("register", "find", "--name", NAME, "--database", f"sqlite:///{database}")
    assert found.code == 1 and found.err == "aftercare: no sheets for that name\n"


def test_the_desk_reprints_by_id_and_name_and_looks_up_by_name(registered):
    from .test_web import csrf_of, desk_sheet

    page, original = desk_sheet(registered, policy="microneedling", name=NAME)
    [sheet_id] = re.findall(r"Sheet ID</dt><dd>([0-9A-Z]{4}-[0-9A-Z]{4})<", page)
    form = registered.get("/reprint")
    assert form.status_code == 200 and "Reprint or look up a sheet" in form.get_data(as_text=True)
    found = registered.post("/lookup", data={"csrf": csrf_of(registered), "name": "jane doe"})
    assert found.status_code == 200 and sheet_id in found.get_data(as_text=True)
    assert f'name="id" value="{sheet_id}"' in found.get_data(as_text=True)  # its Reprint button
    wrong = registered.post(
        "/reprint", data={"csrf": csrf_of(registered), "id": sheet_id, "name": "Jane Roe"}
    )
    assert wrong.status_code == 422
    assert f"The name does not match sheet {sheet_id}" in wrong.get_data(as_text=True)
    again = registered.post(
        "/reprint", data={"csrf": csrf_of(registered), "id": sheet_id.lower(), "name": NAME}
    )
    assert again.status_code == 303
    location = again.headers["Location"]
    assert NAME not in location and sheet_id not in location
    pdf = registered.get(f"{location}/sheet.pdf")
    assert pdf.data == original and pdf.headers["X-Sheet-Id"] == sheet_id


def form_of(page: str, action: str) -> tuple[str, dict[str, str]]:
    """The first form on `page` that posts to `action`, as a browser sends it: its action and
    the name and value of each of its inputs."""
    start = page.index(f'<form method="post" action="{action}"')
    form = page[start : page.index("</form>", start)]
    inputs = re.findall(r'<input\b[^>]*\bname="([^"]+)"[^>]*\bvalue="([^"]*)"', form)
    return action, {name: html.unescape(value) for name, value in inputs}


def look_up_row(page: str, sheet_id: str) -> tuple[str, dict[str, str]]:
    """The Reprint button of a look-up result row: where it posts, and what."""
    row = page[page.index(f"<tr><td>{sheet_id}</td>") :]
    row = row[: row.index("</tr>")]
    action = re.search(r'<form method="post" action="([^"]+)"', row)[1]
    return form_of(row, action)


@pytest.mark.parametrize("provider", [None, PROVIDER], ids=["no provider", "a provider"])
def test_a_look_up_rows_reprint_asks_for_the_provider_if_the_sheet_named_one(registered, provider):
    from .test_web import csrf_of, desk_sheet

    given = {"provider": provider} if provider else {}
    page, original = desk_sheet(registered, policy="microneedling", name=NAME, **given)
    [sheet_id] = re.findall(r"Sheet ID</dt><dd>([0-9A-Z]{4}-[0-9A-Z]{4})<", page)
    found = registered.post("/lookup", data={"csrf": csrf_of(registered), "name": "jane doe"})
    action, fields = look_up_row(found.get_data(as_text=True), sheet_id)
    asked = registered.post(action, data=fields).get_data(as_text=True)
    # the name is asked for as on the sheet: an empty field, the search shown beside it (24)
    action, fields = form_of(asked, "/reprint")
    assert (fields["id"], fields["name"]) == (sheet_id, "")
    assert "You searched for: jane doe</p>" in asked
    assert re.search(r'<input id="name" [^>]*aria-describedby="name-hint"[^>]*autofocus', asked)
    answer = registered.post(action, data={**fields, "name": NAME})
    if provider:  # the register knows there was one, not which: staff are asked for it
        form = answer.get_data(as_text=True)
        assert answer.status_code == 200 and 'class="error' not in form
        action, fields = form_of(form, "/reprint")
        assert (fields["id"], fields["name"], fields["provider"]) == (sheet_id, NAME, "")
        assert re.search(
            r'<input id="provider" [^>]*aria-describedby="provider-hint"[^>]*autofocus', form
        )
        assert (
            f'<p class="hint" id="provider-hint">Sheet {sheet_id} named a provider: type it as '
            "on the sheet, then press Reprint.</p>"
        ) in form
        answer = registered.post(action, data={**fields, "provider": provider})
    assert answer.status_code == 303
    pdf = registered.get(f"{answer.headers['Location']}/sheet.pdf")
    assert pdf.data == original and pdf.headers["X-Sheet-Id"] == sheet_id


# ---------- Review findings -------------------------------------------------------------------


def test_the_clinic_profile_is_archived_as_the_sheet_was_made_with_it(register, content):
    project = Project(content)
    clinic = content / "clinic.toml"
    project.clinic  # noqa: B018 - read now; the file changes before the sheet is recorded
    clinic.write_text(clinic.read_text().replace("Harbor Skin Clinic", "Lorem Clinic"))
    patient = patient_module.make(NAME, "2026-11-23", PROVIDER)
    options = Options(sheet_id=register.unused_id())
    later = project.render("microneedling", patient, TODAY, options)
    second = record(register, project, patient, options, "desk")
    again = issuing.reprint(register, second.id, NAME, PROVIDER)
    assert again.result.pdf == later.pdf  # the profile the sheet was made with, not the file's
    assert "Harbor Skin Clinic" in pdf_pages(again.result.pdf)[0]


def test_the_key_file_is_made_on_first_use_with_mode_600_and_the_variable_wins(
    run, tmp_path, monkeypatch
):
    from generator.record import register as register_module

    monkeypatch.delenv("AFTERCARE_REGISTER_KEY")
    monkeypatch.setattr(register_module, "VAR", tmp_path / "var")
    key_file = tmp_path / "var" / "register.key"
    database = f"sqlite:///{tmp_path / 'register.sqlite3'}"
    made = run("sheet", "microneedling", "--name", NAME, "--database", database,
               "--out", tmp_path / "a.pdf")  # fmt: skip
    assert made.code == 0, made.err
    [sheet_id] = re.findall(r"Sheet ([0-9A-Z]{4}-[0-9A-Z]{4})", made.err)
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    key = key_file.read_bytes()
    assert len(key) == 32
    assert run("register", "show", sheet_id, "--database", database).code == 0
    assert key_file.read_bytes() == key  # used again, never replaced
    monkeypatch.setenv("AFTERCARE_REGISTER_KEY", "another-register-key-0123456789abcdef")
    refused = run("register", "show", sheet_id, "--database", database)
    assert refused.code == 1 and "was made with another key" in refused.err  # not the file's
    key_file.unlink()
    other = f"sqlite:///{tmp_path / 'other.sqlite3'}"
    assert run("register", "find", "--name", NAME, "--database", other).code == 1
    assert not key_file.exists()  # with the variable set, no key file is made


def test_register_export_refuses_a_range_that_ends_before_it_starts(run, tmp_path):
    out = tmp_path / "audit.csv"
    result = run("register", "export", "--from", "2026-12-31", "--to", "2026-01-01",
                 "--database", f"sqlite:///{tmp_path / 'r.sqlite3'}", "--out", out)  # fmt: skip
    assert result.code == 2  # as for a date that is not a date: a usage error
    assert result.err.splitlines()[-1] == (
        "aftercare register export: error: --from 2026-12-31 is after --to 2026-01-01: give "
        "the first day of the range first"
    )
    assert not out.exists() and result.out == ""
    bad = run("register", "export", "--from", "2026-13-01", "--to", "2026-01-01")
    assert bad.code == 2


def test_a_key_file_that_is_not_a_key_is_refused_never_replaced(tmp_path, monkeypatch):
    from generator.record import register as register_module

    monkeypatch.delenv("AFTERCARE_REGISTER_KEY")
    monkeypatch.setattr(register_module, "VAR", tmp_path)
    (tmp_path / "register.key").write_bytes(b"k" * 32 + b"\n")  # copied with a newline
    with pytest.raises(AftercareError, match="is 33 bytes, not a 32-byte register key"):
        Register(f"sqlite:///{tmp_path / 'r.sqlite3'}")
    assert (tmp_path / "register.key").read_bytes() == b"k" * 32 + b"\n"


def test_a_desk_with_another_key_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'r.sqlite3'}"
    Register(url, KEY).dispose()
    with pytest.raises(AftercareError, match="was made with another key"):
        Register(url, b"x" * 32)


def _open_register(url: str) -> str:
    try:
        Register(url, KEY).dispose()
        return "ok"
    except AftercareError as exc:
        return str(exc.problems[0])


def test_several_processes_may_create_a_new_register_at_once(tmp_path):
    from concurrent.futures import ProcessPoolExecutor

    url = f"sqlite:///{tmp_path / 'new.sqlite3'}"
    with ProcessPoolExecutor(6) as pool:
        assert list(pool.map(_open_register, [url] * 6)) == ["ok"] * 6
    engine = sa.create_engine(url)
    with engine.connect() as db:
        assert db.execute(sa.text("SELECT count(*) FROM aftercare_schema")).scalar() >= 1
    engine.dispose()


def test_a_desk_sheet_is_recorded_when_printed_not_when_previewed(registered, register):
    from generator.record.register import UnknownSheet

    from .test_web import csrf_of

    response = registered.post(
        "/",
        data={"csrf": csrf_of(registered), "policy": "microneedling", "name": NAME,
              "when": "today"},
    )  # fmt: skip
    location = response.headers["Location"]
    page = registered.get(location).get_data(as_text=True)
    [sheet_id] = re.findall(r"Sheet ID</dt><dd>([0-9A-Z]{4}-[0-9A-Z]{4})<", page)
    assert registered.get(f"{location}/page-1.png").status_code == 200
    with pytest.raises(UnknownSheet):  # only looked at: a typo fixed now leaves no entry
        register.get(sheet_id)
    assert registered.get(f"{location}/sheet.pdf").headers["X-Sheet-Id"] == sheet_id
    assert register.get(sheet_id).channel == "desk"
    assert registered.get(f"{location}/download").status_code == 200  # printed twice: one entry
    assert [e.id for e in register.find(NAME)].count(sheet_id) == 1


# What each schema version added, newest first: undone to make an older register.
ADDED_IN = {
    3: ["ALTER TABLE sheets DROP COLUMN provider_exact"],
    2: [
        "ALTER TABLE sheets DROP COLUMN name_exact",
        "ALTER TABLE aftercare_schema DROP COLUMN key_check",
    ],
}


def sheet_in_an_older_register(tmp_path, content, version: int):
    """A sheet issued into a new register, then the register taken back to the shape of
    `version`: (its URL, the entry, the sheet as issued)."""
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    reg = Register(url, KEY)
    entry, original = issue(reg, Project(content))
    reg.dispose()
    engine = sa.create_engine(url)
    with engine.begin() as db:
        for newer in sorted(ADDED_IN, reverse=True):
            if newer > version:
                for statement in ADDED_IN[newer]:
                    db.execute(sa.text(statement))
        db.execute(sa.text(f"UPDATE aftercare_schema SET version = {version}"))
    engine.dispose()
    return url, entry, original


def test_a_register_made_by_the_first_version_is_upgraded_in_place(tmp_path, content):
    """Version 1 had no key check and no digest of the name as printed."""
    url, entry, original = sheet_in_an_older_register(tmp_path, content, 1)
    upgraded = Register(url, KEY)
    try:
        again = issuing.reprint(upgraded, entry.id, NAME, PROVIDER)
        assert again.result.pdf == original.pdf and again.name_note is None
        with upgraded.engine.connect() as db:
            assert db.execute(sa.text("SELECT version FROM aftercare_schema")).scalar() == 3
    finally:
        upgraded.dispose()


def test_a_register_of_version_2_is_upgraded_and_its_sheets_reprint_without_a_provider_note(
    tmp_path, content
):
    """Version 2 kept no digest of the provider as printed: its sheets cannot say whether a
    provider is typed otherwise, so they say nothing, and reprint as before."""
    url, entry, original = sheet_in_an_older_register(tmp_path, content, 2)
    upgraded = Register(url, KEY)
    try:
        with upgraded.engine.connect() as db:
            assert db.execute(sa.text("SELECT version FROM aftercare_schema")).scalar() == 3
        again = issuing.reprint(upgraded, entry.id, NAME, PROVIDER)
        assert again.result.pdf == original.pdf and again.provider_note is None
        upper = issuing.reprint(upgraded, entry.id, NAME, "DR. RIVERA")
        assert upper.provider_note is None and upper.name_note is None
        later, _ = issue(upgraded, Project(content))  # recorded after: checked again
        assert issuing.reprint(upgraded, later.id, NAME, "DR. RIVERA").provider_note
    finally:
        upgraded.dispose()


def test_a_sheet_issued_before_a_review_rule_was_added_still_reprints(register, content):
    """A policy with a reviewer and no review date was accepted before that became a problem:
    the sheets issued from it reprint, byte for byte."""
    policy = content / "microneedling.md"
    policy.write_text(
        policy.read_text().replace('version: "1.0"\n', 'version: "1.0"\nreviewed_by: Dr. Lorem\n')
    )
    with pytest.raises(AftercareError, match="reviewed_on: is required with reviewed_by"):
        Project(content).policy("microneedling")
    old = Project(content)
    old.policy = lambda slug: policy_module.load(
        policy, archived=True
    )  # as the older rules read it
    entry, original = issue(register, old)
    assert issuing.reprint(register, entry.id, NAME, PROVIDER).result.pdf == original.pdf


def test_the_desk_reprint_says_a_provider_is_typed_otherwise(registered):
    from .test_web import csrf_of, desk_sheet

    page, original = desk_sheet(registered, policy="microneedling", name=NAME, provider=PROVIDER)
    [sheet_id] = re.findall(r"Sheet ID</dt><dd>([0-9A-Z]{4}-[0-9A-Z]{4})<", page)
    fields = {"csrf": csrf_of(registered), "id": sheet_id, "name": NAME}
    upper = registered.post("/reprint", data={**fields, "provider": "DR. RIVERA"})
    assert upper.status_code == 303
    shown = registered.get(upper.headers["Location"]).get_data(as_text=True)
    assert (
        f"Note: the provider is typed otherwise than on sheet {sheet_id} (capitals or spaces): "
        "the reprint prints it as typed; type it as on the original for the same sheet."
    ) in shown
    exact = registered.post("/reprint", data={**fields, "provider": PROVIDER})
    again = registered.get(exact.headers["Location"])
    assert "Note:" not in again.get_data(as_text=True)
    assert registered.get(f"{exact.headers['Location']}/sheet.pdf").data == original


def test_a_reprint_renders_in_the_pool_and_obeys_its_time_limit(registered, pool, monkeypatch):
    """Desk and API reprints go through the render pool, as new sheets do: a reprint slower
    than `--timeout` is a 503 with Retry-After (its worker replaced), never a render in the
    server process without a limit; and the desk's page-1 picture comes from the worker."""
    from .test_web import csrf_of

    original = registered.post("/api/sheets", json=SHEET)
    sheet_id = original.headers["X-Sheet-Id"]
    again = registered.post("/reprint", data={"csrf": csrf_of(registered), "id": sheet_id,
                                              "name": NAME, "provider": PROVIDER})  # fmt: skip
    assert again.status_code == 303
    picture = registered.get(f"{again.headers['Location']}/page-1.png")
    assert picture.status_code == 200 and picture.data.startswith(b"\x89PNG")
    replaced = pool.replacements
    monkeypatch.setattr(pool, "timeout", 0.001)
    api = registered.post(
        "/api/reprints", json={"id": sheet_id, "name": NAME, "provider": PROVIDER}
    )
    assert api.status_code == 503 and api.headers["Retry-After"]
    assert "time limit" in api.json["error"]
    desk = registered.post("/reprint", data={"csrf": csrf_of(registered), "id": sheet_id,
                                             "name": NAME, "provider": PROVIDER})  # fmt: skip
    assert desk.status_code == 503 and desk.headers["Retry-After"]
    assert "time limit" in desk.get_data(as_text=True)
    assert pool.replacements >= replaced + 2
