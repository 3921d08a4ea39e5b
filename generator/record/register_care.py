"""Keeping the register healthy: what is wrong with it, in words; `register check`; `register
backup`; and audit exports a spreadsheet cannot run as formulas.

A database error is sorted into one of four states: `locked` (another process holds the write
lock: try again), `unwritable` (read-only file or folder, disk full), `corrupt` (not a database,
or a damaged one: restore it from a backup) and `unreachable` (a server that does not answer).
The message for staff and API clients names no file and no URL; the CLI's names the file, since
the person running it can fix it.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import threading
import time
from pathlib import Path

import sqlalchemy as sa

from generator.errors import AftercareError, Problem

LOCKED, UNWRITABLE, CORRUPT, UNREACHABLE = "locked", "unwritable", "corrupt", "unreachable"
PROBE_MS = 200  # how long /healthz waits for the write lock before saying "locked"
INTEGRITY_EVERY = 60.0  # seconds between /healthz's reads of a SQLite register's every page
MIN_FREE = 1024 * 1024  # bytes free on the register's disk below which it is "unwritable"

# What each state tells the person at the desk or the API client (no path, no URL).
PUBLIC = {
    LOCKED: "the register is busy (another process is writing to it)",
    UNWRITABLE: "the register cannot be written to (its file or disk); tell the administrator",
    CORRUPT: "the register's database is damaged; tell the administrator",
    UNREACHABLE: "the register cannot be reached",
}
# What the CLI adds, after the file or URL.
ADVICE = {
    LOCKED: "is locked: another process holds its write lock; try again when it has finished",
    UNWRITABLE: "cannot be written (read-only file or folder, or the disk is full): make it "
    "writable by this user, or free space",
    CORRUPT: "is not a readable aftercare register (damaged, or another kind of file): run "
    "`aftercare register check`, and restore it from your backup",
    UNREACHABLE: "cannot be reached: is the database server up, and the URL right?",
}


class RegisterTrouble(AftercareError):
    """The register's database cannot be used now; `state` says why (HTTP 503)."""

    exit_code = 75  # EX_TEMPFAIL: try again (or after the administrator fixed the file)

    def __init__(self, state: str, where: str, reason: str = ""):
        self.state = state
        self.public = PUBLIC[state]
        detail = f" ({reason})" if reason else ""
        super().__init__(Problem(f"the register at {where} {ADVICE[state]}{detail}"))


def classify(exc: BaseException) -> str:
    """The state a database error shows: locked, unwritable, corrupt or unreachable."""
    text = str(getattr(exc, "orig", None) or exc).lower()
    if "locked" in text or "busy" in text or "lock timeout" in text:
        return LOCKED
    if any(
        words in text
        for words in ("readonly", "read-only", "disk is full", "disk i/o", "unable to open")
    ):
        return UNWRITABLE
    if any(words in text for words in ("not a database", "malformed", "corrupt", "no such")):
        return CORRUPT
    if isinstance(exc, sa.exc.DatabaseError) and not isinstance(exc, sa.exc.OperationalError):
        return CORRUPT
    return UNREACHABLE


def trouble(exc: Exception, url: str) -> RegisterTrouble:
    """A database error as a RegisterTrouble that says what is wrong with which file."""
    from generator.record.register import _reason, _shown

    return RegisterTrouble(classify(exc), shown_place(url) or _shown(url), _reason(exc))


def shown_place(url: str) -> str:
    """A SQLite register's file, for the CLI's messages ('' for a server URL)."""
    path = sqlite_path(url)
    return str(path) if path is not None else ""


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL, or None (a server, or memory)."""
    if not url.startswith("sqlite:///"):
        return None
    text = url.removeprefix("sqlite:///").split("?", 1)[0]
    return None if text in ("", ":memory:") else Path(text)


def probe(register) -> str:
    """`ok`, or the state that stops sheets being recorded now: the file opened for writing
    (SQLite), a write rolled back, and now and then every page read (SQLite)."""
    path = sqlite_path(register.url)
    if path is not None:
        if not path.exists() or not _opens_for_writing(path):
            return UNWRITABLE
        if shutil.disk_usage(path.parent).free < MIN_FREE:
            return UNWRITABLE
    try:
        with register.engine.connect() as db:
            sqlite = db.dialect.name == "sqlite"
            try:
                if sqlite:
                    db.exec_driver_sql(f"PRAGMA busy_timeout={PROBE_MS}")
                else:
                    db.exec_driver_sql(f"SET LOCAL lock_timeout = '{PROBE_MS}ms'")
                db.execute(sa.text("UPDATE aftercare_schema SET version = version"))
            finally:
                db.rollback()
                if sqlite:
                    db.exec_driver_sql(f"PRAGMA busy_timeout={int(_busy_seconds() * 1000)}")
            if sqlite and not _sound(register.url, db):
                return CORRUPT
    except sa.exc.SQLAlchemyError as exc:
        return classify(exc)
    return "ok"


def _opens_for_writing(path: Path) -> bool:
    """Whether the register's file, and its write-ahead log if there is one, open for
    writing (nothing is written): a read-only or immutable file does not."""
    for name in (path, path.with_name(path.name + "-wal")):
        try:
            handle = os.open(name, os.O_WRONLY | os.O_APPEND)
        except FileNotFoundError:
            continue
        except OSError:
            return False
        os.close(handle)
    return True


_checked: dict[str, tuple[float, bool]] = {}  # url -> (when, whether every page read sound)
_checking = threading.Lock()


def _sound(url: str, db) -> bool:
    """Whether SQLite reads every page of the register without fault (`PRAGMA quick_check`),
    at most once every INTEGRITY_EVERY seconds per register: the schema's page alone says
    nothing of damage further on."""
    with _checking:
        when, sound = _checked.get(url, (None, True))
        if when is not None and time.monotonic() - when < INTEGRITY_EVERY:
            return sound
        rows = [row[0] for row in db.exec_driver_sql("PRAGMA quick_check(1)").all()]
        sound = rows == ["ok"]
        _checked[url] = (time.monotonic(), sound)
        return sound


def _busy_seconds() -> float:
    from generator.record.register import BUSY_SECONDS

    return BUSY_SECONDS


def check(register) -> list[str]:
    """What is wrong with the register (integrity, schema, key), in words; [] when sound."""
    from generator.record.register import SCHEMA_VERSION, metadata

    found: list[str] = []
    with register.engine.connect() as db:
        if db.dialect.name == "sqlite":
            rows = [r[0] for r in db.exec_driver_sql("PRAGMA integrity_check").all()]
            if rows != ["ok"]:
                found += [f"integrity: {row}" for row in rows[:10]]
        inspector = sa.inspect(db)
        for table in metadata.sorted_tables:
            if not inspector.has_table(table.name):
                found.append(f"schema: table {table.name} is missing")
                continue
            have = {column["name"] for column in inspector.get_columns(table.name)}
            found += [
                f"schema: {table.name}.{column.name} is missing"
                for column in table.columns
                if column.name not in have
            ]
        version = db.execute(sa.text("SELECT max(version) FROM aftercare_schema")).scalar()
    if version != SCHEMA_VERSION:
        found.append(f"schema: version {version}, this aftercare writes {SCHEMA_VERSION}")
    return found


def backup(register, dest: Path) -> int:
    """A consistent copy of a SQLite register in `dest`, taken while desks keep writing
    (SQLite's online backup); the number of entries copied. A server database is refused
    with what to use instead."""
    from generator.files import write_atomic

    source = sqlite_path(register.url)
    if source is None:
        raise AftercareError(
            Problem(
                "is a database server: back it up with its own tool, e.g. `pg_dump "
                "--format=custom` for PostgreSQL, and back up the register key with it",
                field="--database",
            )
        )
    dest = Path(dest)
    partial = dest.with_name(f".{dest.name}.partial")
    write_atomic(partial, b"", mode=0o600)  # the folder exists and the file is ours, mode 600
    try:
        live, copy = sqlite3.connect(source, timeout=30), sqlite3.connect(partial)
        try:
            live.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            count = copy.execute("SELECT count(*) FROM sheets").fetchone()[0]
        finally:
            live.close()
            copy.close()
        os.replace(partial, dest)  # never a half-made backup under the name asked for
    except sqlite3.Error as exc:
        raise trouble(exc, register.url) from None
    finally:
        partial.unlink(missing_ok=True)
    return count


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(cell: str) -> str:
    """A CSV cell a spreadsheet shows as text, never runs as a formula (OWASP: prefix '),
    on one line (a line break inside a cell is a space)."""
    cell = "'" + cell if cell.startswith(FORMULA_STARTS) else cell
    return cell.replace("\r", " ").replace("\n", " ")
