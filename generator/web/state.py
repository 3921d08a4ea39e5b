"""What the desk's views share: the project, the render pool, access rules and memory.

The memory here is the single-process kind, used when the clinic keeps no register. With a
register, `deskstore.DeskStore` keeps the same things, with the same interfaces, in the
register's database, where every desk and every restart sees them.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask import current_app

if TYPE_CHECKING:
    from generator.content.live import LiveContent
    from generator.parallel.desk_pool import RenderPool
    from generator.record.register import Register
    from generator.web.deskstore import DatabaseMemory, DatabaseResults, DatabaseThrottle
    from generator.web.deskstore import SignOuts as DatabaseSignOuts

MAX_BODY = 16 * 1024  # bytes; larger bodies are refused before they are read
SESSION_HOURS = 12
TOO_LARGE = "aftercare.body_too_large"  # set in the WSGI environ by the server


class Throttle:
    """At most `limit` wrong tokens per address within `window` seconds; then wait it out."""

    def __init__(self, limit: int = 5, window: float = 15 * 60, max_addresses: int = 10_000):
        self.limit, self.window, self.max_addresses = limit, window, max_addresses
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def retry_after(self, address: str) -> int:
        """Seconds until `address` may try again; 0 when it may now."""
        with self._lock:
            return self._retry_after(address)

    def _retry_after(self, address: str) -> int:
        now = time.monotonic()
        failures = self._failures.get(address)
        if not failures:
            return 0
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if len(failures) < self.limit:
            return 0
        return max(1, int(failures[-self.limit] + self.window - now + 0.999))

    def _count(self, address: str) -> None:
        self._failures.setdefault(address, deque()).append(time.monotonic())
        self._failures.move_to_end(address)
        while len(self._failures) > self.max_addresses:
            self._failures.popitem(last=False)

    def attempt(self, address: str, check) -> tuple[bool, int]:
        """(whether `check()` passed, seconds to wait when throttled), counted atomically:
        parallel guesses cannot all slip in before the first failure is counted."""
        with self._lock:
            wait = self._retry_after(address)
            if wait:
                return False, wait
            ok = bool(check())
            if not ok:
                self._count(address)
            return ok, 0


class ExpiringStore:
    """Values in memory for `ttl` seconds after they were last stored, at most `max_items`
    (the oldest go first). Expired values are swept on every use, so nothing outlives its
    time just because no one asked for it again."""

    def __init__(self, ttl: float, max_items: int):
        self.ttl, self.max_items = ttl, max_items
        self._items: OrderedDict[str, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def _sweep(self) -> None:
        cutoff = time.monotonic() - self.ttl
        while self._items and next(iter(self._items.values()))[0] < cutoff:
            self._items.popitem(last=False)

    def get(self, key: str | None, default=None):
        """The value stored under `key`, or `default`."""
        with self._lock:
            self._sweep()
            entry = self._items.get(key or "")
            return default if entry is None else entry[1]

    def values(self) -> list:
        """Every value not yet expired, oldest first."""
        with self._lock:
            self._sweep()
            return [value for _, value in self._items.values()]

    def put(self, key: str, value) -> None:
        """Store `value` under `key`, newest last."""
        with self._lock:
            self._sweep()
            self._items.pop(key, None)
            self._items[key] = (time.monotonic(), value)
            while len(self._items) > self.max_items:
                self._items.popitem(last=False)

    def drop(self, key: str | None) -> None:
        """Forget `key`."""
        with self._lock:
            self._items.pop(key or "", None)

    def drop_if(self, condition) -> None:
        """Forget every value for which `condition(value)` is true."""
        with self._lock:
            for key in [k for k, (_, value) in self._items.items() if condition(value)]:
                del self._items[key]


class SessionMemory:
    """Small per-browser-session values (the provider's name) kept in server memory only.

    The browser holds a random session id in its signed cookie, never the values. Entries
    expire after `ttl` seconds unused, and the oldest go first past `max_sessions`.
    """

    def __init__(self, ttl: float = SESSION_HOURS * 3600, max_sessions: int = 5_000):
        self._store = ExpiringStore(ttl, max_sessions)

    def get(self, sid: str | None, key: str, default=None):
        """A value remembered for this session, or `default`."""
        return self._store.get(sid, {}).get(key, default)

    def set(self, sid: str, key: str, value) -> None:
        """Remember `value` for this session."""
        self.update(sid, {key: value})

    def update(self, sid: str, values: dict) -> None:
        """Remember several values for this session at once."""
        self._store.put(sid, {**self._store.get(sid, {}), **values})

    def forget(self, sid: str | None) -> None:
        """Drop everything remembered for this session."""
        self._store.drop(sid)


class Recording:
    """The register entry of a desk sheet, stored when the sheet is first printed or
    downloaded: a sheet only looked at on the result page, then made again with a typo
    fixed, leaves no entry."""

    def __init__(self, store: Callable[[], object]):
        self._store = store
        self._lock = threading.Lock()
        self.done = False

    def ensure(self) -> None:
        """Store the entry, once (raises if the register cannot be written)."""
        with self._lock:
            if not self.done:
                self._store()
                self.done = True


@dataclass(frozen=True)
class Result:
    """A sheet made at the desk, kept for its browser session to print, download or check."""

    sid: str
    pdf: bytes
    preview_png: bytes
    filename: str
    policy_title: str  # every procedure's title: "Example Procedure + Lorem Care"
    date_words: str
    name: str
    sheet_id: str | None = None
    note: str | None = None  # a reprint whose layout may differ from the original
    recording: Recording | None = None  # the register entry, stored on first print
    policy_titles: tuple[str, ...] = ()  # each procedure's, when the sheet has several


class ResultStore:
    """Finished sheets in memory for as long as a staff session lasts, each for the browser
    session that made it.

    Keyed by a random id (the only thing in their URLs); at most `per_session` for one
    session and `max_items` in all, oldest out.
    """

    def __init__(
        self, ttl: float = SESSION_HOURS * 3600, max_items: int = 200, per_session: int = 50
    ):
        self._store = ExpiringStore(ttl, max_items)
        self.per_session = per_session

    def add(self, result: Result) -> str:
        """Keep `result`; its new id."""
        key = secrets.token_urlsafe(18)
        self._store.put(key, result)
        mine = [r for r in self._store.values() if r.sid == result.sid]
        if len(mine) > self.per_session:
            oldest = set(map(id, mine[: len(mine) - self.per_session]))
            self._store.drop_if(lambda found: id(found) in oldest)
        return key

    def get(self, key: str, sid: str | None) -> Result | None:
        """The result, if it exists, is fresh, and belongs to this session."""
        found = self._store.get(key)
        return found if found and sid and secrets.compare_digest(found.sid, sid) else None

    def forget(self, sid: str | None) -> None:
        """Drop every result of this session (sign-out)."""
        self._store.drop_if(lambda result: result.sid == sid)


class SignOuts:
    """Sessions ended by sign-out, in this process's memory (without a register)."""

    def __init__(self):
        self._ended = ExpiringStore(SESSION_HOURS * 3600, 100_000)

    def end(self, sid: str) -> None:
        """Refuse this session from now on."""
        self._ended.put(sid, True)

    def ended(self, sid: str | None) -> bool:
        """Whether this session was signed out."""
        return bool(self._ended.get(sid, False))


@dataclass
class DeskState:
    """Everything the desk's views share, made once per app."""

    content: LiveContent
    pool: RenderPool
    token: str | None
    trusted_proxies: tuple[str, ...] = ()
    register: Register | None = None  # None: clinic.toml says register = false
    throttle: Throttle | DatabaseThrottle = field(default_factory=Throttle)
    memory: SessionMemory | DatabaseMemory = field(default_factory=SessionMemory)
    results: ResultStore | DatabaseResults = field(default_factory=ResultStore)
    signouts: SignOuts | DatabaseSignOuts = field(default_factory=SignOuts)

    def keep_in(self, store) -> None:
        """Keep sign-outs, guesses, results and remembered values in `store` (a
        `deskstore.DeskStore`, in the register's database) instead of in memory."""
        self.signouts, self.throttle = store.signouts, store.throttle
        self.results, self.memory = store.results, store.memory

    @staticmethod
    def new_secret() -> bytes:
        """A fresh key for signing session cookies."""
        return secrets.token_bytes(32)


def state() -> DeskState:
    """The current app's DeskState."""
    return current_app.extensions["aftercare"]
