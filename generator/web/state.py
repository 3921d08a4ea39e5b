"""What the desk's views share: the project, the render pool, access rules and memory."""

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
        self._store.put(sid, {**self._store.get(sid, {}), key: value})

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
    """Finished sheets in memory for `ttl` seconds, each for the browser session that made it.

    Keyed by a random id (the only thing in their URLs); at most `max_items`, oldest out.
    """

    def __init__(self, ttl: float = 15 * 60, max_items: int = 200):
        self._store = ExpiringStore(ttl, max_items)

    def add(self, result: Result) -> str:
        """Keep `result`; its new id."""
        key = secrets.token_urlsafe(18)
        self._store.put(key, result)
        return key

    def get(self, key: str, sid: str | None) -> Result | None:
        """The result, if it exists, is fresh, and belongs to this session."""
        found = self._store.get(key)
        return found if found and sid and secrets.compare_digest(found.sid, sid) else None

    def forget(self, sid: str | None) -> None:
        """Drop every result of this session (sign-out)."""
        self._store.drop_if(lambda result: result.sid == sid)


@dataclass
class DeskState:
    """Everything the desk's views share, made once per app."""

    content: LiveContent
    pool: RenderPool
    token: str | None
    trusted_proxies: tuple[str, ...] = ()
    register: Register | None = None  # None: clinic.toml says register = false
    throttle: Throttle = field(default_factory=Throttle)
    memory: SessionMemory = field(default_factory=SessionMemory)
    results: ResultStore = field(default_factory=ResultStore)
    signed_out: SessionMemory = field(default_factory=SessionMemory)  # ids ended by sign-out

    @staticmethod
    def new_secret() -> bytes:
        """A fresh key for signing session cookies."""
        return secrets.token_bytes(32)


def state() -> DeskState:
    """The current app's DeskState."""
    return current_app.extensions["aftercare"]
