"""What the desk's views share: the project, the render pool, access rules and memory."""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from flask import current_app

if TYPE_CHECKING:
    from ..pool import RenderPool
    from ..project import LiveContent

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

    def failed(self, address: str) -> None:
        """Count one wrong token from `address`."""
        with self._lock:
            self._count(address)

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


class SessionMemory:
    """Small per-browser-session values (the provider's name) kept in server memory only.

    The browser holds a random session id in its signed cookie, never the values. Entries
    expire after `ttl` seconds unused, and the oldest go first past `max_sessions`.
    """

    def __init__(self, ttl: float = SESSION_HOURS * 3600, max_sessions: int = 5_000):
        self.ttl, self.max_sessions = ttl, max_sessions
        self._values: OrderedDict[str, tuple[float, dict]] = OrderedDict()
        self._lock = threading.Lock()

    def _sweep(self) -> None:
        """Drop expired entries (the oldest are first); call with the lock held."""
        cutoff = time.monotonic() - self.ttl
        while self._values and next(iter(self._values.values()))[0] < cutoff:
            self._values.popitem(last=False)

    def get(self, sid: str | None, key: str, default=None):
        """A value remembered for this session, or `default`."""
        with self._lock:
            self._sweep()
            entry = self._values.get(sid or "")
            if entry is None or entry[0] < time.monotonic() - self.ttl:
                return default
            return entry[1].get(key, default)

    def set(self, sid: str, key: str, value) -> None:
        """Remember `value` for this session."""
        with self._lock:
            self._sweep()
            entry = self._values.pop(sid, None)
            values = entry[1] if entry else {}
            values[key] = value
            self._values[sid] = (time.monotonic(), values)
            while len(self._values) > self.max_sessions:
                self._values.popitem(last=False)

    def forget(self, sid: str | None) -> None:
        """Drop everything remembered for this session."""
        with self._lock:
            self._values.pop(sid or "", None)


@dataclass(frozen=True)
class Result:
    """A sheet made at the desk, kept for its browser session to print, download or check."""

    sid: str
    pdf: bytes
    preview_png: bytes
    filename: str
    policy_title: str
    date_words: str
    name: str


class ResultStore:
    """Finished sheets in memory for `ttl` seconds, each for the browser session that made it.

    Keyed by a random id (the only thing in their URLs); at most `max_items`, oldest out.
    """

    def __init__(self, ttl: float = 15 * 60, max_items: int = 200):
        self.ttl, self.max_items = ttl, max_items
        self._items: OrderedDict[str, tuple[float, Result]] = OrderedDict()
        self._lock = threading.Lock()

    def _sweep(self) -> None:
        """Drop expired results (the oldest are first); call with the lock held."""
        cutoff = time.monotonic() - self.ttl
        while self._items and next(iter(self._items.values()))[0] < cutoff:
            self._items.popitem(last=False)

    def add(self, result: Result) -> str:
        """Keep `result`; its new id."""
        key = secrets.token_urlsafe(18)
        with self._lock:
            self._sweep()
            self._items[key] = (time.monotonic(), result)
            while len(self._items) > self.max_items:
                self._items.popitem(last=False)
        return key

    def get(self, key: str, sid: str | None) -> Result | None:
        """The result, if it exists, is fresh, and belongs to this session."""
        with self._lock:
            self._sweep()
            entry = self._items.get(key)
            if entry is None:
                return None
            return entry[1] if sid and secrets.compare_digest(entry[1].sid, sid) else None

    def forget(self, sid: str | None) -> None:
        """Drop every result of this session (sign-out)."""
        with self._lock:
            for key in [k for k, (_, r) in self._items.items() if r.sid == sid]:
                del self._items[key]


@dataclass
class DeskState:
    """Everything the desk's views share, made once per app."""

    content: LiveContent
    pool: RenderPool
    token: str | None
    trusted_proxies: tuple[str, ...] = ()
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
