"""Desk state in the register's database, so that several desks and restarts share it.

With a register, every desk process keeps here what another desk or a restart must see: the
key that signs session cookies, sign-outs, the wrong-token throttle, finished sheets (results)
and the form values remembered for a session. A sign-out on one desk is refused by every desk
at once and survives restarts; a result made on one desk prints from any other.

Whatever holds patient data (a result's PDF, its page-1 picture and name, the remembered form
values) is sealed with AES-GCM under the browser session's own key (`sealed.session_secret`),
which only its cookie carries: the database, its WAL and its backups never hold a readable
name, and a row cannot be opened without the cookie. Sessions, results and remembered values
expire with the staff session (SESSION_HOURS); expired rows are deleted (`sweep`). Row keys
are SHA-256 digests of the random ids the browser holds, never the ids themselves.

The interfaces are those of the in-memory stores in `state.py` (used without a register), so
the views do not know which one they use:

- `results.add(result) -> key`, `results.get(key, sid) -> Result | None`, `results.forget(sid)`
- `memory.get(sid, name, default)`, `memory.set(sid, name, value)`, `memory.update(sid, values)`
  (values are JSON: strings, numbers, lists, dicts), `memory.forget(sid)`
- `signouts.end(sid)`, `signouts.ended(sid) -> bool`
- `throttle.retry_after(address)`, `throttle.attempt(address, check)`
"""

from __future__ import annotations

import functools
import json
import secrets
import threading
import time
from dataclasses import replace

import sqlalchemy as sa
from flask import g, has_request_context, session

from generator.errors import AftercareError
from generator.record.register import Entry, Register, now_utc
from generator.web.sealed import packed, seal, session_secret, tag, unpacked, unseal
from generator.web.state import SESSION_HOURS, Result

MAX_RESULTS_PER_SESSION = 50  # the oldest go first: a day at one desk is well under this
MAX_RESULTS = 5_000  # every session's together
SWEEP_EVERY = 60.0  # seconds between deletions of expired rows, per process

metadata = sa.MetaData()
keys_table = sa.Table(
    "desk_keys",
    metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("value", sa.LargeBinary, nullable=False),
)
signouts_table = sa.Table(
    "desk_signouts",
    metadata,
    sa.Column("sid", sa.String(64), primary_key=True),  # SHA-256 of the session id
    sa.Column("expires", sa.Float, nullable=False, index=True),
)
guesses_table = sa.Table(
    "desk_guesses",
    metadata,
    sa.Column("address", sa.String(64), primary_key=True),  # SHA-256 of the client address
    sa.Column("failures", sa.Text, nullable=False),  # JSON list of times (UNIX seconds)
    sa.Column("seen", sa.Float, nullable=False, index=True),
)
results_table = sa.Table(
    "desk_results",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),  # SHA-256 of the key in the result's URL
    sa.Column("sid", sa.String(64), nullable=False, index=True),
    sa.Column("created", sa.Float, nullable=False, index=True),
    sa.Column("expires", sa.Float, nullable=False, index=True),
    sa.Column("recorded", sa.Boolean, nullable=False),  # its register entry is stored
    sa.Column("data", sa.LargeBinary, nullable=False),  # sealed: nonce + AES-GCM
)
memory_table = sa.Table(
    "desk_memory",
    metadata,
    sa.Column("sid", sa.String(64), primary_key=True),
    sa.Column("expires", sa.Float, nullable=False, index=True),
    sa.Column("data", sa.LargeBinary, nullable=False),  # sealed JSON object
)


# ---------- The store ---------------------------------------------------------------------------


class DeskStore:
    """The desk-state tables in the register's database, and what the views use of them."""

    def __init__(self, register: Register):
        self.register = register
        self.engine = register.engine
        self._swept = 0.0
        self._sweep_lock = threading.Lock()
        _create_tables(self.engine)
        self.signouts = SignOuts(self)
        self.throttle = DatabaseThrottle(self.engine)
        self.results = DatabaseResults(self)
        self.memory = DatabaseMemory(self)

    def signing_key(self, proposed: bytes | None = None) -> bytes:
        """The key every desk signs session cookies with: the database's, or, on first use,
        `proposed` (a desk's kept key, so that its open sessions survive) or a new one."""
        for _attempt in range(3):
            with self.engine.begin() as db:
                found = db.execute(
                    sa.select(keys_table.c.value).where(keys_table.c.name == "session")
                ).scalar()
            if found is not None:
                return bytes(found)
            try:
                with self.engine.begin() as db:
                    db.execute(
                        keys_table.insert().values(
                            name="session", value=proposed or secrets.token_bytes(32)
                        )
                    )
            except sa.exc.IntegrityError:
                pass  # another desk made it first: read theirs
        raise RuntimeError("cannot agree on a session key")  # pragma: no cover

    def sweep(self, force: bool = False) -> None:
        """Delete expired sign-outs, results, remembered values and old wrong guesses, and
        the oldest results past MAX_RESULTS (at most once a minute per process, unless
        `force`)."""
        now = time.time()
        with self._sweep_lock:
            if not force and now - self._swept < SWEEP_EVERY:
                return
            self._swept = now
        with self.engine.begin() as db:
            for table in (signouts_table, results_table, memory_table):
                db.execute(table.delete().where(table.c.expires < now))
            db.execute(
                guesses_table.delete().where(guesses_table.c.seen < now - self.throttle.window)
            )
            _keep_newest(db, sa.true(), MAX_RESULTS)

    def forget(self, sid: str | None) -> None:
        """Drop every result and remembered value of this session (sign-out)."""
        if sid:
            with self.engine.begin() as db:
                db.execute(results_table.delete().where(results_table.c.sid == tag(sid)))
                db.execute(memory_table.delete().where(memory_table.c.sid == tag(sid)))


def session_end() -> float:
    """When this browser's staff session ends (UNIX time): SESSION_HOURS after sign-in."""
    since = session.get("since") if has_request_context() else None
    start = since if isinstance(since, (int, float)) else time.time()
    return start + SESSION_HOURS * 3600


def _create_tables(engine: sa.Engine) -> None:
    """Create the tables that are missing; several desks starting at once is fine."""
    for attempt in range(5):
        try:
            metadata.create_all(engine)
            return
        except sa.exc.SQLAlchemyError:
            if attempt == 4:
                raise
            time.sleep(0.05 * (attempt + 1))


class SignOuts:
    """Sessions ended by sign-out, seen by every desk at once."""

    def __init__(self, store: DeskStore):
        self._store = store

    def end(self, sid: str) -> None:
        """Refuse this session from now on, on every desk (until it would have expired)."""
        row = {"sid": tag(sid), "expires": time.time() + SESSION_HOURS * 3600}
        try:
            with self._store.engine.begin() as db:
                db.execute(signouts_table.insert().values(**row))
        except sa.exc.IntegrityError:
            pass  # signed out twice (two tabs): already refused
        self._store.sweep()

    def ended(self, sid: str | None) -> bool:
        """Whether this session was signed out."""
        if not sid:
            return False
        with self._store.engine.connect() as db:
            found = db.execute(
                sa.select(signouts_table.c.sid).where(signouts_table.c.sid == tag(sid))
            ).first()
        return found is not None


class DatabaseThrottle:
    """At most `limit` wrong tokens per address within `window` seconds, counted in the
    database, so that every desk counts the same guesses. A guess is checked while its
    address's row is locked: parallel guesses, on any desk, cannot all slip in before the
    first failure is counted."""

    def __init__(self, engine: sa.Engine, limit: int = 5, window: float = 15 * 60):
        self.engine, self.limit, self.window = engine, limit, window

    def _wait(self, failures: list[float], now: float) -> int:
        recent = [t for t in failures if t > now - self.window]
        if len(recent) < self.limit:
            return 0
        return max(1, int(recent[-self.limit] + self.window - now + 0.999))

    def retry_after(self, address: str) -> int:
        """Seconds until `address` may try again; 0 when it may now."""
        with self.engine.connect() as db:
            found = db.execute(
                sa.select(guesses_table.c.failures).where(guesses_table.c.address == tag(address))
            ).scalar()
        return self._wait(json.loads(found), time.time()) if found else 0

    def attempt(self, address: str, check) -> tuple[bool, int]:
        """(whether `check()` passed, seconds to wait when throttled), counted atomically."""
        for _attempt in range(3):
            try:
                return self._attempt(tag(address), check)
            except sa.exc.IntegrityError:
                continue  # another desk made this address's row meanwhile: lock it instead
        raise RuntimeError("cannot count a guess")  # pragma: no cover

    def _attempt(self, address: str, check) -> tuple[bool, int]:
        now = time.time()
        where = guesses_table.c.address == address
        with self.engine.connect() as db:
            _lock(db, address)  # until this guess is counted; a right one writes nothing
            found = db.execute(sa.select(guesses_table.c.failures).where(where)).scalar()
            failures = json.loads(found) if found else []
            wait = self._wait(failures, now)
            ok = False if wait else bool(check())
            if not wait and not ok:
                kept = json.dumps([*[t for t in failures if t > now - self.window], now])
                if found is None:
                    db.execute(
                        guesses_table.insert().values(address=address, failures=kept, seen=now)
                    )
                else:
                    db.execute(guesses_table.update().where(where).values(failures=kept, seen=now))
            db.commit()
        return ok, wait


def _lock(db, name: str) -> None:
    """Hold a lock named `name` until `db`'s transaction ends, without writing: an advisory
    lock in PostgreSQL, the write lock in SQLite (BEGIN IMMEDIATE)."""
    if db.dialect.name == "postgresql":
        db.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": name})
    elif db.dialect.name == "sqlite":
        db.exec_driver_sql("BEGIN IMMEDIATE")
    else:  # pragma: no cover - the register speaks SQLite and PostgreSQL
        raise RuntimeError(f"no lock for {db.dialect.name}")


class DatabaseResults:
    """Finished sheets, sealed under their session's key, for as long as the session lasts."""

    def __init__(self, store: DeskStore):
        self._store = store

    def add(self, result: Result) -> str:
        """Keep `result` for its session (the current request's); its new key."""
        key = secrets.token_urlsafe(18)
        row_id, sid = tag(key), tag(result.sid)
        data = seal(session_secret(), b"result\0" + row_id.encode(), packed(result))
        now = time.time()
        with self._store.engine.begin() as db:
            db.execute(
                results_table.insert().values(
                    id=row_id,
                    sid=sid,
                    created=now,
                    expires=session_end(),
                    recorded=result.recording is None,
                    data=data,
                )
            )
            _keep_newest(db, results_table.c.sid == sid, MAX_RESULTS_PER_SESSION)
        self._store.sweep()
        return key

    def get(self, key: str, sid: str | None) -> Result | None:
        """The result, if it exists, has not expired, and belongs to this session."""
        if not sid or not key:
            return None
        row_id = tag(key)
        with self._store.engine.connect() as db:
            row = db.execute(
                sa.select(results_table)
                .where(results_table.c.id == row_id)
                .where(results_table.c.sid == tag(sid))
                .where(results_table.c.expires >= time.time())
            ).first()
        if row is None:
            return None
        plain = unseal(session_secret(), b"result\0" + row_id.encode(), bytes(row.data))
        if plain is None:
            return None
        return unpacked(plain, sid, None if row.recorded else self._recorder(row_id))

    def forget(self, sid: str | None) -> None:
        """Drop every result of this session (sign-out)."""
        self._store.forget(sid)

    def _recorder(self, row_id: str):
        return functools.partial(_record_once, self._store, row_id)


class DatabaseMemory:
    """Small per-session values (the provider, the form's values), sealed like results."""

    def __init__(self, store: DeskStore):
        self._store = store

    def _all(self, sid: str) -> dict:
        cache = g.setdefault("desk_memory", {}) if has_request_context() else {}
        if sid not in cache:  # read once per request
            with self._store.engine.connect() as db:
                row = db.execute(
                    sa.select(memory_table.c.data)
                    .where(memory_table.c.sid == tag(sid))
                    .where(memory_table.c.expires >= time.time())
                ).first()
            context = b"memory\0" + tag(sid).encode()
            plain = row and unseal(session_secret(), context, bytes(row.data))
            cache[sid] = json.loads(plain) if plain else {}
        return dict(cache[sid])

    def get(self, sid: str | None, name: str, default=None):
        """A value remembered for this session, or `default`."""
        return self._all(sid).get(name, default) if sid else default

    def set(self, sid: str, name: str, value) -> None:
        """Remember `value` (JSON) for this session."""
        self.update(sid, {name: value})

    def update(self, sid: str, values: dict) -> None:
        """Remember several values for this session at once."""
        merged = {**self._all(sid), **values}
        if has_request_context():
            g.setdefault("desk_memory", {})[sid] = merged
        data = seal(session_secret(), b"memory\0" + tag(sid).encode(), json.dumps(merged).encode())
        row = {"expires": session_end(), "data": data}
        where = memory_table.c.sid == tag(sid)
        for _attempt in range(3):
            try:
                with self._store.engine.begin() as db:
                    if db.execute(memory_table.update().where(where).values(**row)).rowcount:
                        return
                    db.execute(memory_table.insert().values(sid=tag(sid), **row))
                    return
            except sa.exc.IntegrityError:
                continue  # the same session's other tab inserted first: update theirs

    def forget(self, sid: str | None) -> None:
        """Drop everything remembered for this session."""
        self._store.forget(sid)


def _keep_newest(db, where, count: int) -> None:
    """Delete the rows of `where` but the newest `count`."""
    cutoff = db.execute(
        sa.select(results_table.c.created)
        .where(where)
        .order_by(results_table.c.created.desc())
        .offset(count - 1)
        .limit(1)
    ).scalar()
    if cutoff is not None:
        db.execute(results_table.delete().where(where).where(results_table.c.created < cutoff))


def _record_once(store: DeskStore, row_id: str, entry: Entry, files: dict[str, bytes]) -> None:
    """Store a result's register entry unless a desk did already (it is issued now)."""
    where = results_table.c.id == row_id
    with store.engine.connect() as db:
        if db.execute(sa.select(results_table.c.recorded).where(where)).scalar():
            return
    try:
        store.register.record(replace(entry, issued_at=now_utc()), files)
    except AftercareError:
        if not _in_register(store.register, entry.id):
            raise
        # else another desk printed it at the same moment: its entry is the one
    with store.engine.begin() as db:
        db.execute(results_table.update().where(where).values(recorded=True))


def _in_register(register: Register, sheet_id: str) -> bool:
    try:
        register.get(sheet_id)
    except AftercareError:
        return False
    return True
