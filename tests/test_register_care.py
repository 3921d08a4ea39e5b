"""Issue 25, register and its key (5, 6, 7): a lost key is never replaced while the register
holds entries; `register check` and `register backup`; register trouble is a 503 with
Retry-After that names no file; /healthz says whether sheets can be recorded; audit exports a
spreadsheet cannot run."""

from __future__ import annotations

import csv
import io
import sqlite3
from datetime import date

import pytest

from generator.errors import AftercareError
from generator.record import register as register_module
from generator.record.register import Entry, Register, Source, export_csv

KEY = b"k" * 32
SHEET = {"policy": "microneedling", "name": "Jane Doe", "date": "2026-11-23"}


def entry(sheet_id: str, version: str = "1.0") -> Entry:
    """A minimal entry, as `record` stores it (no rendering needed)."""
    return Entry(
        id=sheet_id, issued_at="2026-11-23T10:00:00Z", channel="cli", session=None,
        policies=(Source("example", version, "abcd1234", "en", "0" * 64),), lang="en",
        procedure_date=date(2026, 11, 23), printed_on=date(2026, 11, 23), paper="letter",
        large_print=False, archival=False, name_hmac="1" * 64, provider_hmac=None,
        clinic_source="2" * 64, logo_source="3" * 64, logo_path="logo.svg",
        generator_version="0", layout_digest="4" * 64,
    )  # fmt: skip


@pytest.fixture
def state_dir(tmp_path, monkeypatch):
    """Keys in AFTERCARE_STATE_DIR (not var/), no key in the environment."""
    folder = tmp_path / "state"
    monkeypatch.delenv("AFTERCARE_REGISTER_KEY")
    monkeypatch.setenv("AFTERCARE_STATE_DIR", str(folder))
    return folder


def test_a_lost_key_is_never_replaced_while_the_register_holds_entries(run, tmp_path, state_dir):
    url = f"sqlite:///{tmp_path / 'register.sqlite3'}"
    register = Register(url)
    register.record(entry("AAAA-BBBB"), {})
    register.dispose()
    key_file = state_dir / "register.key"
    assert key_file.exists()
    key_file.unlink()
    with pytest.raises(AftercareError) as refused:
        Register(url)
    message = str(refused.value)
    assert f"expected at {key_file}" in message and "var/register.key" not in message
    assert "Restore the file from the key's copy" in message and "1 sheet entry made" in message
    assert not key_file.exists()  # no new key behind a normal-looking file
    found = run("register", "find", "--name", "Jane Doe", "--database", url)
    assert found.code == 1 and f"expected at {key_file}" in found.err
    assert not key_file.exists()


def test_another_key_names_the_key_file_where_it_really_is(tmp_path, state_dir):
    url = f"sqlite:///{tmp_path / 'register.sqlite3'}"
    Register(url, b"x" * 32).dispose()
    with pytest.raises(AftercareError, match="was made with another key") as refused:
        Register(url)
    assert str(state_dir / "register.key") in str(refused.value)


def test_register_check_finds_a_sound_register_a_damaged_one_and_another_key(run, tmp_path):
    database = tmp_path / "register.sqlite3"
    url = f"sqlite:///{database}"
    register = Register(url)
    register.record(entry("AAAA-BBBB"), {})
    register.dispose()
    sound = run("register", "check", "--database", url)
    assert sound.code == 0 and "Register: ok" in sound.out
    with sqlite3.connect(database) as db:
        db.execute("ALTER TABLE sheets DROP COLUMN provider_exact")
    damaged = run("register", "check", "--database", url)
    assert damaged.code == 1 and "schema: sheets.provider_exact is missing" in damaged.err
    other = f"sqlite:///{tmp_path / 'other.sqlite3'}"
    Register(other, b"x" * 32).dispose()
    refused = run("register", "check", "--database", other)
    assert refused.code == 1 and "was made with another key" in refused.err


def test_a_corrupt_register_file_is_named_as_corrupt_in_the_cli(run, tmp_path):
    database = tmp_path / "register.sqlite3"
    database.write_bytes(b"this is no database " * 300)
    for args in (("check",), ("find", "--name", "Jane Doe"), ("show", "AAAA-BBBB")):
        result = run("register", *args, "--database", f"sqlite:///{database}")
        assert result.code == 75, result.err
        assert f"the register at {database} is not a readable aftercare register" in result.err
        assert "internal error" not in result.err


def test_register_backup_is_a_consistent_copy_and_a_server_is_told_to_use_pg_dump(run, tmp_path):
    url = f"sqlite:///{tmp_path / 'register.sqlite3'}"
    register = Register(url)
    for sheet_id in ("AAAA-BBBB", "CCCC-DDDD"):
        register.record(entry(sheet_id), {})
    copy = tmp_path / "backups" / "register-copy.sqlite3"
    result = run("register", "backup", copy, "--database", url)
    assert result.code == 0, result.err
    assert "Backed up 2 entries. Back up the register key, " in result.err
    assert oct(copy.stat().st_mode & 0o777) == "0o600"
    again = Register(f"sqlite:///{copy}")
    assert again.get("AAAA-BBBB").id == "AAAA-BBBB" and again.get("CCCC-DDDD")
    again.dispose()
    register.dispose()
    server = run("register", "backup", tmp_path / "x", "--database",
                 "postgresql+psycopg://aftercare@127.0.0.1:1/none")  # fmt: skip
    assert server.code == 1 and "pg_dump" in server.err and not (tmp_path / "x").exists()


def test_export_cells_a_spreadsheet_would_run_are_neutralised():
    typed = ["=1+cmd|' /C calc'!A0", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "1.0"]
    rows = [entry(f"AAAA-BBB{n}", version) for n, version in enumerate(typed)]
    read = list(csv.reader(io.StringIO(export_csv(rows), newline="")))
    versions = [row[5] for row in read[1:]]
    assert versions == ["'=1+cmd|' /C calc'!A0", "'+1", "'-1", "'@SUM(A1)", "'\t=1", "' =1",
                        "1.0"]  # fmt: skip


@pytest.fixture
def locked_register(tmp_path, monkeypatch):
    """A register, and a connection of another process that takes its write lock when asked
    (short waits, for the test)."""
    monkeypatch.setattr(register_module, "BUSY_SECONDS", 0.3)
    database = tmp_path / "register.sqlite3"
    register = Register(f"sqlite:///{database}", KEY)
    holder = sqlite3.connect(database, isolation_level=None)
    yield register, lambda: holder.execute("BEGIN IMMEDIATE")
    if holder.in_transaction:
        holder.execute("ROLLBACK")
    holder.close()
    register.dispose()


def test_a_locked_register_is_a_503_with_retry_after_naming_no_file(
    live_content, pool, locked_register, tmp_path
):
    from generator.web.app import create_app

    register, lock = locked_register
    client = create_app(live_content, pool, register=register).test_client()
    assert client.get("/healthz").json["register"] == "ok"
    lock()
    response = client.post("/api/sheets", json=SHEET)
    assert response.status_code == 503 and response.headers["Retry-After"]
    error = response.get_json()["error"]
    assert error == "the register is busy (another process is writing to it); try again"
    assert "sqlite" not in error and str(tmp_path) not in error
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.get_json()["register"] == "locked" and health.get_json()["status"] != "ok"


def test_a_corrupt_or_unwritable_register_shows_on_healthz(live_content, pool, tmp_path):
    import sqlalchemy as sa

    from generator.web.app import create_app

    database = tmp_path / "register.sqlite3"
    register = Register(f"sqlite:///{database}", KEY)
    client = create_app(live_content, pool, register=register).test_client()
    health = client.get("/healthz")
    assert health.status_code == 200 and health.get_json()["register"] == "ok"
    register.engine.dispose()  # as if the file became read-only (root may write any file)
    register.engine = sa.create_engine(f"sqlite:///file:{database}?mode=ro&uri=true")
    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json()["register"] == "unwritable"
    assert health.get_json()["status"] == "unavailable"
    register.engine.dispose()
    register.engine = register_module._engine(register.url)
    for suffix in ("-wal", "-shm"):
        (tmp_path / f"register.sqlite3{suffix}").unlink(missing_ok=True)
    database.write_bytes(b"this is no database " * 300)
    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json()["register"] == "corrupt"
    register.dispose()


def test_the_desk_does_not_start_on_a_corrupt_or_unwritable_register(run, tmp_path):
    import sqlalchemy as sa

    from generator.commands.serve import refuse_broken_register
    from generator.record.register_care import RegisterTrouble

    database = tmp_path / "register.sqlite3"
    database.write_bytes(b"this is no database " * 300)
    refused = run("serve", "--port", "0", "--database", f"sqlite:///{database}")
    assert refused.code == 75 and "is not a readable aftercare register" in refused.err
    database.unlink()
    register = Register(f"sqlite:///{database}", KEY)
    refuse_broken_register(register)  # a sound register: the desk starts
    register.engine.dispose()
    register.engine = sa.create_engine(f"sqlite:///file:{database}?mode=ro&uri=true")
    with pytest.raises(RegisterTrouble, match=f"the register at {database} cannot be written"):
        refuse_broken_register(register)
    register.dispose()


def test_a_locked_register_is_a_503_for_the_api_with_a_token_and_for_the_desks_form(
    live_content, pool, locked_register, tmp_path
):
    """With an access token every request counts guesses and keeps desk state in the
    register's database: when it is locked that is a 503 with Retry-After too, never a 500."""
    from generator.web.app import create_app

    from .test_access import sign_in
    from .test_web import TOKEN, csrf_of

    register, lock = locked_register
    app = create_app(live_content, pool, token=TOKEN, register=register)
    api, desk = app.test_client(), app.test_client()
    assert sign_in(desk, TOKEN).status_code == 302
    form = {"csrf": csrf_of(desk), "policy": "microneedling", "name": "Jane Doe", "when": "today"}
    lock()
    headers = {"Authorization": f"Bearer {TOKEN}"}
    for response in (
        api.post("/api/sheets", json=SHEET, headers=headers),
        api.get("/api/policies", headers=headers),
        desk.post("/", data=form),
    ):
        assert response.status_code == 503, response.get_data(as_text=True)[:300]
        assert response.headers["Retry-After"]
        body = response.get_data(as_text=True)
        assert "register is busy" in body
        assert "sqlite" not in body and str(tmp_path) not in body


def test_the_cli_says_a_locked_register_is_locked(locked_register, tmp_path):
    """The CLI's sentence names the file and what is wrong with it."""
    from generator.record.register_care import LOCKED, RegisterTrouble

    message = str(RegisterTrouble(LOCKED, str(tmp_path / "register.sqlite3")))
    assert f"the register at {tmp_path / 'register.sqlite3'} is locked: another process" in message


def test_healthz_sees_a_file_that_cannot_be_written_and_damage_past_its_first_page(
    live_content, pool, tmp_path, monkeypatch
):
    """As the outside tester broke it under a running desk: a register file that cannot be
    opened for writing (read-only, or immutable as root sees it), and a file damaged past its
    first page, are not 'ok' on /healthz."""
    import os

    from generator.record import register_care
    from generator.web.app import create_app

    monkeypatch.setattr(register_care, "INTEGRITY_EVERY", 0.0)  # no wait between checks
    database = tmp_path / "register.sqlite3"
    register = Register(f"sqlite:///{database}", KEY)
    for n in range(300):  # several pages of entries
        register.record(entry(f"A{n:03X}-BBBB"), {})
    client = create_app(live_content, pool, register=register).test_client()
    assert client.get("/healthz").get_json()["register"] == "ok"
    real_open = os.open

    def no_writing(path, flags, *args, **kwargs):
        if str(path).startswith(str(database)) and flags & (os.O_WRONLY | os.O_RDWR):
            raise PermissionError(1, "Operation not permitted", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(register_care.os, "open", no_writing)
    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json()["register"] == "unwritable"
    monkeypatch.setattr(register_care.os, "open", real_open)
    register.engine.dispose()
    with sqlite3.connect(database) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    with open(database, "r+b") as damaged:
        damaged.seek(4096)
        damaged.write(b"\xa5" * 8192)
    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json()["register"] == "corrupt"
    register.dispose()
