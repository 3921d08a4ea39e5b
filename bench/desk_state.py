"""What keeping the desk's state in the register's database costs per sheet.

    .venv/bin/python bench/desk_state.py [--sheets 200] [--postgresql]

For each sheet, the state operations of one signed-in desk checkout (the form, the result
page, the PDF, the next form: four sign-out checks, two remembered values stored and two
read, one result sealed and stored, two read and opened) and of one API sheet (one counted
token check), first in memory (one desk, no register), then in SQLite and, with
--postgresql, in a throwaway PostgreSQL (tests/pg.py; PostgreSQL's default fsync on). Prints
the median per sheet of each, and the extra time over memory. The render itself (about
100-400 ms) is the same in each and is not measured.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

from flask import Flask, session

from generator.record.register import Register
from generator.web.deskstore import DeskStore
from generator.web.state import Result, ResultStore, SessionMemory, SignOuts, Throttle

ROOT = Path(__file__).resolve().parent.parent

PDF, PNG = os.urandom(120_000), os.urandom(60_000)  # a two-page sheet and its picture


class Memory:
    """The single-desk stores, shaped as DeskStore."""

    def __init__(self):
        self.signouts, self.throttle = SignOuts(), Throttle()
        self.results, self.memory = ResultStore(), SessionMemory()


def checkout(store, sid: str, request) -> None:
    """The state operations of one desk checkout, request by request."""
    with request():  # POST / (the form)
        store.signouts.ended(sid)
        store.memory.update(sid, {"provider": "Dr. Example", "policy": "example-procedure"})
        result = Result(sid, PDF, PNG, "a.pdf", "Example", "Monday", "Example Patient")
        key = store.results.add(result)
    for _ in range(2):  # the result page's picture, then the PDF
        with request():
            store.signouts.ended(sid)
            store.results.get(key, sid)
    with request():  # GET /next
        store.signouts.ended(sid)
        store.memory.get(sid, "provider")
        store.memory.get(sid, "policy")


def api_sheet(store) -> None:
    """The state operations of one API sheet: a counted token check."""
    store.throttle.attempt("192.0.2.1", lambda: True)


def timed(store, sheets: int) -> tuple[float, float]:
    """Median seconds per desk checkout and per API sheet."""
    app = Flask(__name__)
    app.secret_key = secrets.token_bytes(32)
    cookie = {"since": time.time()}  # what the browser's cookie carries between requests

    @contextmanager
    def request():
        with app.test_request_context("/"):
            session.update(cookie)
            yield
            cookie.update(session)

    desk, api = [], []
    for _ in range(sheets):
        sid = secrets.token_urlsafe(16)
        started = time.perf_counter()
        checkout(store, sid, request)
        desk.append(time.perf_counter() - started)
        started = time.perf_counter()
        api_sheet(store)
        api.append(time.perf_counter() - started)
    return statistics.median(desk), statistics.median(api)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sheets", type=int, default=200)
    parser.add_argument("--postgresql", action="store_true")
    args = parser.parse_args()
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        urls = {"SQLite": f"sqlite:///{folder / 'register.sqlite3'}"}
        if args.postgresql:
            sys.path.insert(0, str(ROOT / "tests"))
            import pg  # type: ignore[import-not-found]

            urls["PostgreSQL"] = stack.enter_context(pg.temporary_server(durable=True))
        base = timed(Memory(), args.sheets)
        print(f"memory: desk {base[0] * 1000:.2f} ms, API {base[1] * 1000:.2f} ms per sheet")
        for name, url in urls.items():
            register = Register(url, b"b" * 32)
            desk, api = timed(DeskStore(register), args.sheets)
            register.dispose()
            print(
                f"{name}: desk {desk * 1000:.2f} ms (+{(desk - base[0]) * 1000:.2f}), "
                f"API {api * 1000:.2f} ms (+{(api - base[1]) * 1000:.2f}) per sheet, "
                f"median of {args.sheets}"
            )


if __name__ == "__main__":
    main()
