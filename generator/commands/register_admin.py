"""`aftercare register check` and `register backup`, and what the CLI says when the register's
database is in trouble (which file, and what is wrong with it)."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from generator.errors import display_path
from generator.record.register import KEY_ENV, Register, default_url, key_path
from generator.record.register_care import backup, check, sqlite_path, trouble


@contextlib.contextmanager
def database_trouble(database: str | None) -> Iterator[None]:
    """A database error inside is said as what is wrong with which file (RegisterTrouble)."""
    try:
        yield
    except Exception as exc:
        if type(exc).__module__.startswith(("sqlalchemy", "sqlite3")):
            raise trouble(exc, database or default_url()) from None
        raise


def register_check(register: Register) -> int:
    """Print what is wrong with the register, or that it is sound; 1 when something is."""
    found = check(register)
    for problem in found:
        print(f"aftercare: error: {problem}", file=sys.stderr)
    if found:
        return 1
    print("Register: ok (integrity, schema and key)")
    return 0


def register_backup(database: str | None, dest: Path) -> int:
    """Copy a SQLite register consistently, while desks keep writing, and say where its key
    is: back it up with every backup of the database, stored apart from it; a server
    database is told to use its own tool."""
    url = database or default_url()
    if sqlite_path(url) is None:
        backup(_Unopened(url), dest)  # raises: says to use pg_dump
    count = backup(Register(url), dest)
    print(f"Backed up {count} entr{'y' if count == 1 else 'ies'}. {key_advice()}", file=sys.stderr)
    print(display_path(dest))
    return 0


def key_advice() -> str:
    """Where the register key is, and how it is backed up (without it no name matches)."""
    where = KEY_ENV if os.environ.get(KEY_ENV) is not None else str(key_path())
    return (
        f"Back up the register key, {where}, with every backup of the database, stored apart "
        "from it (another disk or machine, or the clinic's password manager): without the key "
        "no name in the register can be matched, and the two together let anyone test a guess"
    )


class _Unopened:
    """A register's URL, not connected to (a server database is not backed up by us)."""

    def __init__(self, url: str):
        self.url = url
