"""Desk state in the register's database: two apps on one SQLite register are two desks (or
one desk before and after a restart). A result made on one prints from the other and is
recorded once; a sign-out on one is refused by both and by a restarted desk; wrong tokens
counted by one throttle the address on the other; results are sealed under a key only the
cookie carries, so the database files hold no name and no readable PDF; expired rows go.
(The same through nginx, with real processes on PostgreSQL: tests/test_several_desks.py.)"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from generator.content.live import LiveContent
from generator.parallel.desk_pool import RenderPool
from generator.record.register import Register
from generator.web import deskstore
from generator.web.app import create_app

from .conftest import pdf_pages
from .test_live import make_content
from .test_web import TOKEN, csrf_of

NAME, PROVIDER = "Quintessa Zebrowski", "Dr. Marigold Xylander"
COOKIE = "aftercare_session"


@pytest.fixture(scope="module")
def desks(tmp_path_factory):
    """(content, pool, register URL): what each desk is made from."""
    root = tmp_path_factory.mktemp("desks")
    folder = make_content(root / "content")
    pool = RenderPool(folder, size=1, timeout=60)
    yield LiveContent(folder), pool, f"sqlite:///{root / 'register.sqlite3'}"
    pool.close()


def desk(desks, token=None):
    """A desk app on the shared register (a new one is a restarted desk)."""
    content, pool, url = desks
    register = Register(url, b"k" * 32)
    return create_app(content, pool, token=token, trusted_proxies=("127.0.0.1",), register=register)


def carry(cookie_from, app):
    """A test client of `app` holding the session cookie of `cookie_from` (the same browser,
    sent by the proxy to another desk)."""
    client = app.test_client()
    cookie = cookie_from.get_cookie(COOKIE)
    if cookie is not None:
        client.set_cookie(COOKIE, cookie.value)
    return client


def make_sheet(client) -> str:
    fields = {"policy": "lorem-care", "name": NAME, "provider": PROVIDER, "when": "today"}
    made = client.post("/", data={"csrf": csrf_of(client), **fields})
    assert made.status_code == 303, made.get_data(as_text=True)
    return made.headers["Location"]


def sheet_ids(app) -> list[str]:
    with app.extensions["aftercare"].register.engine.connect() as db:
        return list(db.execute(sa.text("SELECT id FROM sheets")).scalars())


def test_a_result_made_on_one_desk_prints_on_another_and_is_recorded_once(desks):
    one, two = desk(desks), desk(desks)
    browser = one.test_client()
    location = make_sheet(browser)
    before = sheet_ids(one)
    elsewhere = carry(browser, two)
    pdf = elsewhere.get(f"{location}/sheet.pdf")
    assert pdf.status_code == 200 and NAME in pdf_pages(pdf.data)[0]
    assert elsewhere.get(f"{location}/page-1.png").data.startswith(b"\x89PNG")
    assert browser.get(f"{location}/download").data == pdf.data  # and back on the first
    new = set(sheet_ids(one)) - set(before)
    assert new == {pdf.headers["X-Sheet-Id"]}  # one entry, stored at the first print
    assert carry(browser, two).get("/next").get_data(as_text=True).count(PROVIDER) == 1


def test_a_sign_out_on_one_desk_is_refused_by_every_desk_and_after_a_restart(desks):
    one, two = desk(desks, TOKEN), desk(desks, TOKEN)
    browser = one.test_client()
    page = browser.get("/signin").get_data(as_text=True)
    csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    assert browser.post("/signin", data={"csrf": csrf, "token": TOKEN}).status_code == 302
    copy = carry(browser, one)  # the cookie as it was: a copy someone kept
    assert carry(browser, two).get("/").status_code == 200  # signed in on both
    csrf = csrf_of(browser)
    out = carry(browser, two).post("/signout", data={"csrf": csrf})
    assert out.status_code == 302
    assert copy.get("/").headers["Location"] == "/signin"
    assert carry(copy, two).get("/").headers["Location"] == "/signin"
    assert carry(copy, desk(desks, TOKEN)).get("/").headers["Location"] == "/signin"


def test_wrong_tokens_counted_on_one_desk_throttle_the_address_on_every_desk(desks):
    one, two = desk(desks, TOKEN), desk(desks, TOKEN)

    def guess(app, token, forwarded):
        return app.test_client().get(
            "/api/policies",
            headers={"Authorization": f"Bearer {token}", "X-Forwarded-For": forwarded},
        )

    for app in (one, two, one, two, one):
        assert guess(app, "wrong-token-value-123", "198.51.100.7").status_code == 401
    for app in (one, two, desk(desks, TOKEN)):
        blocked = guess(app, TOKEN, "198.51.100.7")
        assert blocked.status_code == 429 and 0 < int(blocked.headers["Retry-After"]) <= 900
    assert guess(two, TOKEN, "198.51.100.8").status_code == 200  # another client is not


def test_parallel_wrong_guesses_on_two_desks_count_exactly_five(desks):
    one, two = desk(desks, TOKEN), desk(desks, TOKEN)

    def guess(i):
        return (
            (one, two)[i % 2]
            .test_client()
            .get(
                "/api/policies",
                headers={
                    "Authorization": f"Bearer wrong-{i:04d}",
                    "X-Forwarded-For": "203.0.113.9",
                },
            )
            .status_code
        )

    with ThreadPoolExecutor(8) as executor:
        statuses = list(executor.map(guess, range(16)))
    assert statuses.count(401) == 5 and statuses.count(429) == 11


def test_the_database_files_hold_no_name_and_no_readable_sheet(desks, tmp_path):
    content, pool, _ = desks
    url = f"sqlite:///{tmp_path / 'register.sqlite3'}"
    app = create_app(content, pool, register=Register(url, b"k" * 32))
    browser = app.test_client()
    location = make_sheet(browser)
    assert browser.get(f"{location}/sheet.pdf").status_code == 200
    files = [tmp_path / "register.sqlite3", tmp_path / "register.sqlite3-wal"]
    stored = b"".join(path.read_bytes() for path in files if path.exists())
    with app.extensions["aftercare"].register.engine.connect() as db:
        assert db.execute(sa.text("SELECT count(*) FROM desk_results")).scalar() == 1
        assert db.execute(sa.text("SELECT count(*) FROM desk_memory")).scalar() == 1
    for text in (NAME, PROVIDER, "Zebrowski", "Xylander"):
        for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
            assert text.encode(encoding) not in stored
    assert b"%PDF-" not in stored and b"\x89PNG" not in stored  # sealed, not stored as is


def test_a_result_cannot_be_opened_without_its_cookies_key(desks):
    app = desk(desks)
    browser = app.test_client()
    location = make_sheet(browser)
    serializer = app.session_interface.get_signing_serializer(app)
    cookie = serializer.loads(browser.get_cookie(COOKIE).value)
    forged = app.test_client()  # the same session id, signed right, with another key
    forged.set_cookie(COOKIE, serializer.dumps({**cookie, "rk": "A" * 43 + "="}))
    assert forged.get(f"{location}/sheet.pdf").status_code == 404
    assert "Make it again from the form" in forged.get(location).get_data(as_text=True)
    assert carry(browser, app).get(f"{location}/sheet.pdf").status_code == 200


def test_sign_out_drops_the_sessions_rows_and_expired_rows_are_deleted(desks, monkeypatch):
    app = desk(desks, TOKEN)
    engine = app.extensions["aftercare"].register.engine

    def rows(table):
        with engine.connect() as db:
            return db.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()

    browser = app.test_client()
    page = browser.get("/signin").get_data(as_text=True)
    csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    browser.post("/signin", data={"csrf": csrf, "token": TOKEN})
    results, memory = rows("desk_results"), rows("desk_memory")
    make_sheet(browser)
    assert (rows("desk_results"), rows("desk_memory")) == (results + 1, memory + 1)
    browser.post("/signout", data={"csrf": csrf_of(browser)})
    assert (rows("desk_results"), rows("desk_memory")) == (results, memory)
    assert rows("desk_signouts") >= 1
    later = time.time() + deskstore.SESSION_HOURS * 3600 + 1
    monkeypatch.setattr("generator.web.deskstore.time.time", lambda: later)
    app.extensions["aftercare"].signouts._store.sweep(force=True)
    assert rows("desk_signouts") == rows("desk_results") == rows("desk_memory") == 0


def test_the_cookie_carries_a_key_but_never_a_name(desks):
    app = desk(desks)
    browser = app.test_client()
    make_sheet(browser)
    serializer = app.session_interface.get_signing_serializer(app)
    cookie = serializer.loads(browser.get_cookie(COOKIE).value)
    assert set(cookie) <= {"csrf", "sid", "rk", "since", "_permanent"}
    assert NAME not in json.dumps(cookie) and PROVIDER not in json.dumps(cookie)
