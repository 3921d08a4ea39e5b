"""The register: what each patient was given, months later, without a second store of names.

Every personalised sheet gets a random sheet ID, printed in its footer, and one entry: when it
was issued and through which channel, the policy (slug, version, content hash), language,
procedure and print dates, options, the generator version and a digest of its templates and
styles. Everything the sheet was made from (the policy source, the clinic profile, the logo) is
archived by its SHA-256, so `reprint` makes the same PDF again, byte for byte.

The patient's name and provider are not stored. A keyed HMAC-SHA256 of each (NFC, case-folded,
white space collapsed) is: a name typed again can be checked against an entry or searched for,
but the register cannot be read back into names, and without the key a guess cannot be tested.
The key is `AFTERCARE_REGISTER_KEY` or `var/register.key` (mode 600, made on first use).

Storage is SQLAlchemy Core: SQLite at `var/register.sqlite3` by default, or any URL in
`AFTERCARE_DATABASE_URL` (`postgresql+psycopg://...` lets desks on several machines share one).
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import os
import secrets
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa

from generator import __version__
from generator.errors import AftercareError, Problem
from generator.files import secret_key
from generator.paths import VAR
from generator.record.register_care import CORRUPT, classify, neutralised, trouble
from generator.render.digest import layout_digest

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # no I, L, O or U: nothing to misread
# A sheet ID as `parse_sheet_id` reads it, for the OpenAPI description: 8 of Crockford's
# characters (either case; O, I and L read as 0, 1, 1), white space and '-' anywhere.
_GAP = (  # the characters str.split() takes for white space, and '-'
    "[\\t-\\r\\u001C-\\u0020\\u0085\\u00A0\\u1680\\u2000-\\u200A"
    "\\u2028\\u2029\\u202F\\u205F\\u3000-]"
)
SHEET_ID_PATTERN = f"^{_GAP}*(?:[0-9A-TV-Za-tv-z]{_GAP}*){{8}}$"
SCHEMA_VERSION = 3
# Columns added since version 1 (the first register of 2026-11-27): added to an older register
# when it is opened. The key check is adopted from the first key that opens it. Entries made
# before a digest column was added have none (NULL): what it would tell is then not said.
ADDED_COLUMNS = {
    2: (("aftercare_schema", "key_check", "VARCHAR(64)"), ("sheets", "name_exact", "VARCHAR(64)")),
    3: (("sheets", "provider_exact", "VARCHAR(64)"),),
}
KEY_ENV, URL_ENV = "AFTERCARE_REGISTER_KEY", "AFTERCARE_DATABASE_URL"
KEY_BYTES = 32
LAST_SOURCE_SEARCH = 500  # newest entries searched for a policy version's last text
BUSY_SECONDS = 30.0  # how long a SQLite writer waits for another's write lock

metadata = sa.MetaData()
schema_table = sa.Table(
    "aftercare_schema",
    metadata,
    sa.Column("version", sa.Integer, nullable=False),
    # HMAC of a constant with the register's key: a desk with another key is refused, since
    # its name digests would never match the register's.
    sa.Column("key_check", sa.String(64), nullable=False),
)
sheets_table = sa.Table(
    "sheets",
    metadata,
    sa.Column("id", sa.String(9), primary_key=True),  # "XXXX-XXXX"
    sa.Column("issued_at", sa.String(20), nullable=False),  # UTC, "2026-11-27T10:04:05Z"
    sa.Column("channel", sa.String(8), nullable=False),
    sa.Column("session", sa.String(16)),  # the desk's signed-in session, keyed: never a name
    sa.Column("policies", sa.JSON, nullable=False),  # [{slug, version, hash, lang, source}]
    sa.Column("lang", sa.String(35), nullable=False),
    sa.Column("procedure_date", sa.Date, nullable=False),
    sa.Column("printed_on", sa.Date, nullable=False),
    sa.Column("paper", sa.String(8), nullable=False),
    sa.Column("large_print", sa.Boolean, nullable=False),
    sa.Column("archival", sa.Boolean, nullable=False),
    sa.Column("name_hmac", sa.String(64), nullable=False),
    sa.Column("name_exact", sa.String(64)),  # keyed digest of the name as printed (NFC only)
    sa.Column("provider_hmac", sa.String(64)),
    sa.Column("provider_exact", sa.String(64)),  # keyed digest of the provider as printed
    sa.Column("clinic_source", sa.String(64), nullable=False),
    sa.Column("logo_source", sa.String(64), nullable=False),
    sa.Column("logo_path", sa.String(255), nullable=False),  # relative to the content folder
    sa.Column("generator_version", sa.String(32), nullable=False),
    sa.Column("layout_digest", sa.String(64), nullable=False),
    sa.Index("sheets_by_name", "name_hmac", "procedure_date"),
    sa.Index("sheets_by_time", "issued_at"),
)
archive_table = sa.Table(
    "archive",
    metadata,
    sa.Column("digest", sa.String(64), primary_key=True),  # SHA-256 of data
    sa.Column("data", sa.LargeBinary, nullable=False),
)


class UnknownSheet(AftercareError):
    """No entry has this sheet ID."""


class ProviderNeeded(AftercareError):
    """The sheet named a provider and none was given (the register knows there was one, not
    who): the desk asks for it."""


# ---------- Sheet IDs and keyed digests ------------------------------------------------------


def new_sheet_id() -> str:
    """Eight random Crockford base32 characters (40 bits) as "XXXX-XXXX"."""
    text = "".join(secrets.choice(CROCKFORD) for _ in range(8))
    return f"{text[:4]}-{text[4:]}"


def parse_sheet_id(text: str) -> str:
    """A sheet ID as typed ("k7qm 2x9a", "K7QM-2X9A", O for 0, I or L for 1) -> "K7QM-2X9A"."""
    cleaned = "".join(str(text).split()).replace("-", "")
    cleaned = cleaned.upper().translate(str.maketrans("OIL", "011")) if cleaned.isascii() else ""
    if len(cleaned) != 8 or any(c not in CROCKFORD for c in cleaned):
        raise AftercareError(
            Problem(
                "a sheet ID is 8 letters and digits, as printed in the footer: XXXX-XXXX",
                field="id",
            )
        )
    return f"{cleaned[:4]}-{cleaned[4:]}"


def normalise(text: str) -> str:
    """How a name is compared: NFC, case-folded, white space collapsed."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def key_path() -> Path:
    """Where the key file is: in AFTERCARE_STATE_DIR when set, else var/."""
    state = os.environ.get("AFTERCARE_STATE_DIR")
    return (Path(state) if state else VAR) / "register.key"


def register_key(entries: Callable[[], int] = lambda: 0) -> bytes:
    """The HMAC key: AFTERCARE_REGISTER_KEY (32+ characters), else the key file, made on first
    use. A key file that is there but not a key is refused, never replaced; so is a missing
    one while the register holds entries (`entries()`): a new key would make every name
    already in the register unmatchable, behind a normal-looking file."""
    text = os.environ.get(KEY_ENV)
    if text is not None:
        if len(text) < 32:
            raise AftercareError(Problem(f"{KEY_ENV} must be at least 32 characters"))
        return text.encode()
    path = key_path()
    if path.exists():
        key = path.read_bytes()
        if len(key) != KEY_BYTES:
            raise AftercareError(
                Problem(
                    f"is {len(key)} bytes, not a {KEY_BYTES}-byte register key: restore it from "
                    "your backup (copy it as a file, byte for byte)",
                    path,
                )
            )
        return key
    held = entries()
    if held:
        raise AftercareError(
            Problem(
                f"the register key is missing: expected at {path} (the register holds {held} "
                f"sheet entr{'y' if held == 1 else 'ies'} made with it). Restore the file from "
                "the key's copy, backed up with every backup of the database, stored apart from "
                f"it (byte for byte, mode 600), or set {KEY_ENV}; aftercare makes no new key for "
                "a register that has entries, since none of them would match again"
            )
        )
    return secret_key(path, KEY_BYTES)


def default_url() -> str:
    """AFTERCARE_DATABASE_URL, else SQLite in var/."""
    return os.environ.get(URL_ENV) or f"sqlite:///{VAR / 'register.sqlite3'}"


# ---------- Entries ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """One policy of a sheet, as it was when the sheet was made."""

    slug: str
    version: str
    hash: str  # the short content hash printed on the sheet
    lang: str
    source: str  # SHA-256 of the policy file, in the archive
    file: str = ""  # its file name: <slug>.md, or <slug>.<lang>.md for a translation
    original: str = ""  # a translation: SHA-256 of its source policy (its clinical review)

    def as_dict(self) -> dict:
        return {
            "slug": self.slug,
            "version": self.version,
            "hash": self.hash,
            "lang": self.lang,
            "source": self.source,
            "file": self.file or f"{self.slug}.md",
            **({"original": self.original} if self.original else {}),
        }


@dataclass(frozen=True)
class Entry:
    """One issued sheet. No name, no provider: only their keyed digests."""

    id: str
    issued_at: str
    channel: str
    session: str | None
    policies: tuple[Source, ...]
    lang: str
    procedure_date: date
    printed_on: date
    paper: str
    large_print: bool
    archival: bool
    name_hmac: str
    provider_hmac: str | None
    clinic_source: str
    logo_source: str
    logo_path: str
    generator_version: str
    layout_digest: str
    name_exact: str | None = None  # keyed digest of the name as printed (NFC only), never the name
    provider_exact: str | None = None  # keyed digest of the provider as printed, likewise

    def public(self) -> dict:
        """The entry as shown to staff and auditors: never a name, never a digest of one."""
        return {
            "id": self.id,
            "issued_at": self.issued_at,
            "channel": self.channel,
            "session": self.session,
            "policies": [
                {"slug": p.slug, "version": p.version, "hash": p.hash, "lang": p.lang}
                for p in self.policies
            ],
            "lang": self.lang,
            "procedure_date": self.procedure_date.isoformat(),
            "printed_on": self.printed_on.isoformat(),
            "paper": self.paper,
            "large_print": self.large_print,
            "pdf_a": self.archival,
            "has_provider": self.provider_hmac is not None,
            "generator_version": self.generator_version,
            "layout_current": self.layout_digest == layout_digest(),
        }


class Register:
    """The register behind one database URL. Safe to share between threads."""

    def __init__(self, url: str | None = None, key: bytes | None = None):
        self.url = url or default_url()
        self.engine = _engine(self.url)
        self.key = key if key is not None else register_key(self._entries)
        self._ensure_schema()

    def _entries(self) -> int:
        """How many entries the register holds (0 when it has no tables yet)."""
        try:
            with self.engine.connect() as db:
                return (
                    db.execute(sa.select(sa.func.count()).select_from(sheets_table)).scalar() or 0
                )
        except sa.exc.SQLAlchemyError:
            return 0

    # Digests of what a user typed -----------------------------------------------------------

    def digest(self, text: str) -> str:
        """The keyed HMAC-SHA256 of a normalised name or provider."""
        return hmac.new(self.key, normalise(text).encode(), hashlib.sha256).hexdigest()

    def exact_digest(self, text: str) -> str:
        """The keyed digest of a name or provider as printed (NFC only): tells a reprint
        whether it is typed exactly as on the original, case and spaces included."""
        exact = unicodedata.normalize("NFC", text)
        return hmac.new(self.key, ("exact\0" + exact).encode(), hashlib.sha256).hexdigest()

    def session_tag(self, session_id: str) -> str:
        """A desk session, keyed and shortened: tells sessions apart, names nobody."""
        return self.digest("session\0" + session_id)[:16]

    # Writing ----------------------------------------------------------------------------------

    def unused_id(self) -> str:
        """A new sheet ID not yet in the register."""
        with self.engine.connect() as db:
            while True:
                sheet_id = new_sheet_id()
                found = db.execute(
                    sa.select(sheets_table.c.id).where(sheets_table.c.id == sheet_id)
                ).first()
                if found is None:
                    return sheet_id

    def record(self, entry: Entry, files: dict[str, bytes]) -> None:
        """Store an entry and archive the files it was made from ({sha256: bytes})."""
        row = {**entry.__dict__, "policies": [p.as_dict() for p in entry.policies]}
        try:
            self._record(row, files)
        except sa.exc.IntegrityError:
            raise AftercareError(
                Problem(f"sheet ID {entry.id} is already in the register; make the sheet again")
            ) from None
        except sa.exc.SQLAlchemyError as exc:
            raise trouble(exc, self.url) from None

    def _record(self, row: dict, files: dict[str, bytes]) -> None:
        with self.engine.begin() as db:
            have = set(
                db.execute(
                    sa.select(archive_table.c.digest).where(archive_table.c.digest.in_(files))
                ).scalars()
            )
            new = [{"digest": d, "data": data} for d, data in files.items() if d not in have]
            if new:
                _insert_archive(db, new)
            db.execute(sheets_table.insert().values(**row))

    def prune(self, before: date) -> int:
        """Delete entries printed before `before`, and archived files no entry needs."""
        with self.engine.begin() as db:
            if db.dialect.name == "postgresql":
                # Wait for sheets being recorded and keep new ones out until done: an entry
                # committed meanwhile could need a file this prune finds unused. (SQLite
                # serialises writers; a stale prune fails there rather than delete.)
                db.execute(sa.text("LOCK TABLE sheets IN SHARE MODE"))
            gone = db.execute(
                sheets_table.delete().where(sheets_table.c.printed_on < before)
            ).rowcount
            needed: set[str] = set()
            for row in db.execute(
                sa.select(
                    sheets_table.c.policies,
                    sheets_table.c.clinic_source,
                    sheets_table.c.logo_source,
                )
            ):
                needed.update(p["source"] for p in row.policies)
                needed.update(p["original"] for p in row.policies if p.get("original"))
                needed.update((row.clinic_source, row.logo_source))
            stored = set(db.execute(sa.select(archive_table.c.digest)).scalars())
            unused = stored - needed
            if unused:
                db.execute(archive_table.delete().where(archive_table.c.digest.in_(unused)))
        return gone

    # Reading ----------------------------------------------------------------------------------

    def get(self, sheet_id: str) -> Entry:
        """The entry of a sheet ID, or a clear error."""
        sheet_id = parse_sheet_id(sheet_id)
        with self.engine.connect() as db:
            row = db.execute(sa.select(sheets_table).where(sheets_table.c.id == sheet_id)).first()
        if row is None:
            raise UnknownSheet(Problem(f"no sheet {sheet_id} in the register", field="id"))
        return _entry(row)

    def find(self, name: str, procedure_date: date | None = None) -> list[Entry]:
        """The entries of sheets made for this name (and procedure date), oldest first."""
        query = sa.select(sheets_table).where(sheets_table.c.name_hmac == self.digest(name))
        if procedure_date is not None:
            query = query.where(sheets_table.c.procedure_date == procedure_date)
        with self.engine.connect() as db:
            rows = db.execute(query.order_by(sheets_table.c.issued_at)).all()
        return [_entry(row) for row in rows]

    def between(self, first: date, last: date) -> Iterator[Entry]:
        """Entries issued from `first` to `last`, inclusive (UTC days), oldest first."""
        query = (
            sa.select(sheets_table)
            .where(sheets_table.c.issued_at >= first.isoformat())
            .where(sheets_table.c.issued_at < _day_after(last))
            .order_by(sheets_table.c.issued_at)
        )
        with self.engine.connect() as db:
            for row in db.execute(query):
                yield _entry(row)

    def last_source(self, slug: str, version: str, lang: str) -> str | None:
        """The SHA-256 of the policy file last issued as `slug` `version` in `lang` (among the
        newest entries), or None."""
        query = (
            sa.select(sheets_table.c.policies)
            .order_by(sheets_table.c.issued_at.desc())
            .limit(LAST_SOURCE_SEARCH)
        )
        with self.engine.connect() as db:
            for (policies,) in db.execute(query):
                for p in policies:
                    if (p["slug"], p["version"], p["lang"]) == (slug, version, lang):
                        return p["source"]
        return None

    def archived(self, digest: str) -> bytes:
        """A file the register archived, by SHA-256."""
        with self.engine.connect() as db:
            data = db.execute(
                sa.select(archive_table.c.data).where(archive_table.c.digest == digest)
            ).scalar()
        if data is None:
            raise AftercareError(Problem(f"the register's archive has lost file {digest[:12]}"))
        return bytes(data)

    def check_person(self, entry: Entry, name: str, provider: str | None) -> None:
        """Refuse unless `name` (and `provider`, if the sheet had one) match the entry."""
        if not hmac.compare_digest(self.digest(name), entry.name_hmac):
            raise AftercareError(Problem(f"the name does not match sheet {entry.id}", field="name"))
        if entry.provider_hmac is None:
            if provider:
                raise AftercareError(
                    Problem(f"sheet {entry.id} named no provider: leave it out", field="provider")
                )
            return
        if not provider:
            raise ProviderNeeded(
                Problem(f"sheet {entry.id} named a provider: give it too", field="provider")
            )
        if not hmac.compare_digest(self.digest(provider), entry.provider_hmac):
            raise AftercareError(
                Problem(f"the provider does not match sheet {entry.id}", field="provider")
            )

    def dispose(self) -> None:
        """Close the database connections."""
        self.engine.dispose()

    # Schema -----------------------------------------------------------------------------------

    def _ensure_schema(self) -> None:
        check = self.digest("aftercare register key check")
        for attempt in range(5):  # several desks or workers may make a new register at once
            try:
                with self.engine.begin() as db:
                    metadata.create_all(db)
                    _upgrade(db, check)
                    row = db.execute(sa.select(schema_table)).first()
                    if row is None:
                        db.execute(
                            schema_table.insert().values(version=SCHEMA_VERSION, key_check=check)
                        )
                        version, stored = SCHEMA_VERSION, check
                    else:
                        version, stored = row.version, row.key_check
                break
            except sa.exc.SQLAlchemyError as exc:
                if attempt == 4 or classify(exc) == CORRUPT:
                    raise trouble(exc, self.url) from None
                time.sleep(0.05 * (attempt + 1))
        if not hmac.compare_digest(stored, check):
            raise AftercareError(
                Problem(
                    f"the register at {_shown(self.url)} was made with another key: give this "
                    f"desk the same key ({KEY_ENV} or {key_path()}) as the others"
                )
            )
        if version > SCHEMA_VERSION:
            raise AftercareError(
                Problem(
                    f"the register at {_shown(self.url)} is at schema version {version}, "
                    f"newer than this aftercare ({__version__}) knows: upgrade aftercare"
                )
            )


def _upgrade(db, check: str) -> None:
    """Bring a register made by an older aftercare up to this schema, in place."""
    inspector = sa.inspect(db)
    version = db.execute(sa.text("SELECT max(version) FROM aftercare_schema")).scalar()
    if version is None or version >= SCHEMA_VERSION:
        return
    for step in range(version + 1, SCHEMA_VERSION + 1):
        for table, column, kind in ADDED_COLUMNS.get(step, ()):
            if column not in {c["name"] for c in inspector.get_columns(table)}:
                db.execute(sa.text(f"ALTER TABLE {table} ADD COLUMN {column} {kind}"))
    db.execute(
        sa.text("UPDATE aftercare_schema SET version = :version, key_check = :check").bindparams(
            version=SCHEMA_VERSION, check=check
        )
        if version < 2
        else sa.text("UPDATE aftercare_schema SET version = :version").bindparams(
            version=SCHEMA_VERSION
        )
    )


def _engine(url: str) -> sa.Engine:
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if str(path) not in ("", ":memory:"):
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            if not path.exists():
                path.touch(mode=0o600)
        engine = sa.create_engine(url, connect_args={"timeout": BUSY_SECONDS})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return sa.create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(connection, _record) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # desks and batches write while others read
    cursor.execute(f"PRAGMA busy_timeout={int(BUSY_SECONDS * 1000)}")
    cursor.close()


def _insert_archive(db, rows: Sequence[dict]) -> None:
    """Insert archived files; another writer storing the same file at once is fine."""
    for row in rows:
        try:
            with db.begin_nested():
                db.execute(archive_table.insert().values(**row))
        except sa.exc.IntegrityError:
            pass  # the same bytes, stored by a concurrent sheet


def _entry(row) -> Entry:
    values = dict(row._mapping)
    values["policies"] = tuple(Source(**p) for p in values["policies"])
    return Entry(**values)


def _day_after(day: date) -> str:
    return date.fromordinal(day.toordinal() + 1).isoformat()


def _reason(exc: Exception) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    return text[:200]


def _shown(url: str) -> str:
    """A database URL without its password, for messages."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "the database URL"


def open_register(clinic, url: str | None = None) -> Register | None:
    """The register for this clinic, or None when clinic.toml says `register = false`."""
    if not getattr(clinic, "register", True):
        return None
    return Register(url)


EXPORT_COLUMNS = (
    "id", "issued_at", "channel", "session", "policies", "versions", "hashes", "lang",
    "procedure_date", "printed_on", "paper", "large_print", "pdf_a", "generator_version",
)  # fmt: skip


def export_csv(entries) -> str:
    """Entries as CSV for an audit: one row a sheet, no names and no digests of names."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    for entry in entries:
        writer.writerow(
            neutralised(cell)
            for cell in [
                entry.id,
                entry.issued_at,
                entry.channel,
                entry.session or "",
                "+".join(p.slug for p in entry.policies),
                "+".join(p.version for p in entry.policies),
                "+".join(p.hash for p in entry.policies),
                entry.lang,
                entry.procedure_date.isoformat(),
                entry.printed_on.isoformat(),
                entry.paper,
                "yes" if entry.large_print else "no",
                "yes" if entry.archival else "no",
                entry.generator_version,
            ]
        )
    return out.getvalue()


def now_utc() -> str:
    """The time of issue: UTC, to the second."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
