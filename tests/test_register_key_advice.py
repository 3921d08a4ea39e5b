"""Issue 25: what the CLI and the docs say about backing up the register key is one thing: back
it up with every backup of the database (same schedule), stored apart from the database copy;
`register backup` names where the key really is."""

from __future__ import annotations

import pytest

from generator.errors import AftercareError
from generator.paths import ROOT
from generator.record.register import Register

from .test_register_care import entry

KEY = "k" * 32


@pytest.fixture
def state_dir(tmp_path, monkeypatch):
    """Keys in AFTERCARE_STATE_DIR (not var/), no key in the environment."""
    folder = tmp_path / "state"
    monkeypatch.delenv("AFTERCARE_REGISTER_KEY")
    monkeypatch.setenv("AFTERCARE_STATE_DIR", str(folder))
    return folder


def backed_up(run, tmp_path, entries: int):
    url = f"sqlite:///{tmp_path / 'register.sqlite3'}"
    register = Register(url)
    for number in range(entries):
        register.record(entry(f"AAAA-BBB{number}"), {})
    register.dispose()
    result = run("register", "backup", tmp_path / "copy.sqlite3", "--database", url)
    assert result.code == 0, result.err
    return result.err


def test_register_backup_names_the_key_file_to_back_up_with_every_copy(run, tmp_path, state_dir):
    said = backed_up(run, tmp_path, 1)
    assert said.startswith("Backed up 1 entry.")
    assert f"the register key, {state_dir / 'register.key'}" in said
    assert "with every backup of the database" in said and "stored apart from it" in said
    assert "var/register.key" not in said and "keep the register key with it" not in said


def test_register_backup_names_the_key_variable_when_the_key_is_in_it(run, tmp_path, monkeypatch):
    monkeypatch.setenv("AFTERCARE_REGISTER_KEY", KEY)
    said = backed_up(run, tmp_path, 2)
    assert said.startswith("Backed up 2 entries.")
    assert "the register key, AFTERCARE_REGISTER_KEY" in said and "register.key" not in said
    assert "with every backup of the database" in said and KEY not in said


def test_a_missing_key_says_1_sheet_entry_and_where_its_backup_is(tmp_path, state_dir):
    url = f"sqlite:///{tmp_path / 'register.sqlite3'}"
    Register(url).record(entry("AAAA-BBBB"), {})
    (state_dir / "register.key").unlink()
    with pytest.raises(AftercareError) as refused:
        Register(url)
    message = str(refused.value)
    assert "(the register holds 1 sheet entry made with it)" in message
    assert "backed up with every backup of the database, stored apart from it" in message
    assert "the backup taken with the database" not in message


@pytest.mark.parametrize("doc", ["docs/register.md", "docs/DEPLOY.md", "docs/SECURITY.md"])
def test_the_docs_say_to_back_up_the_key_with_every_database_backup_kept_apart(doc):
    text = " ".join((ROOT / doc).read_text(encoding="utf-8").split())
    assert "with every backup of the database" in text
    for contradiction in (
        "each on its own schedule",
        "never keep them together",
        "apart from the database's backups",
        "Keep the key apart from",
    ):
        assert contradiction not in text, contradiction
