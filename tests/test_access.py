"""Access with a token: Bearer and sign-in compare any bytes safely, wrong tokens are
throttled per address (behind a trusted proxy, per forwarded address), sessions end."""

import json
import re
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from generator.errors import AftercareError
from generator.web import tokens
from generator.web.app import create_app

from .test_web import TOKEN

BODY = {"policy": "microneedling", "name": "Jane"}


@pytest.fixture
def app(live_content, pool):
    return create_app(live_content, pool, token=TOKEN, trusted_proxies=("127.0.0.1",))


def signin_csrf(client) -> str:
    page = client.get("/signin").get_data(as_text=True)
    return page.split('name="csrf" value="', 1)[1].split('"', 1)[0]


def sign_in(client, token=TOKEN):
    return client.post("/signin", data={"csrf": signin_csrf(client), "token": token})


def bearer(client, token, address="127.0.0.1", forwarded=None):
    headers = {"Authorization": f"Bearer {token}"}
    if forwarded:
        headers["X-Forwarded-For"] = forwarded
    return client.post(
        "/api/sheets",
        data=json.dumps(BODY),
        content_type="application/json",
        headers=headers,
        environ_base={"REMOTE_ADDR": address},
    )


def test_non_ascii_tokens_and_csrf_values_are_refused_not_500(app):
    client = app.test_client()
    response = client.post(
        "/api/sheets",
        data=json.dumps(BODY),
        content_type="application/json",
        headers={"Authorization": "Bearer caf\u00e9-\u00ff\u00fe-tokenvalue"},
    )
    assert response.status_code == 401 and response.json["field"] is None
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="aftercare"'
    assert sign_in(client, "café-токен-トークン-token").status_code == 401
    bad_csrf = client.post("/signin", data={"csrf": "ça-ne-va-pas-\u00e9", "token": TOKEN})
    assert bad_csrf.status_code == 401
    assert "The form had expired" in bad_csrf.get_data(as_text=True)


def test_five_wrong_tokens_then_429_until_the_window_passes(app, monkeypatch):
    client = app.test_client()
    for _ in range(5):
        assert bearer(client, "wrong-token-value-123").status_code == 401
    blocked = bearer(client, TOKEN)  # even the right token waits
    assert blocked.status_code == 429
    assert 0 < int(blocked.headers["Retry-After"]) <= 900
    assert "too many wrong access tokens" in blocked.json["error"]
    signin = sign_in(client)
    assert signin.status_code == 429 and signin.headers["Retry-After"]
    assert "too many wrong access tokens" in signin.get_data(as_text=True)
    assert client.get("/healthz").status_code == 200  # health needs no token
    start = time.monotonic()
    monkeypatch.setattr("generator.web.state.time.monotonic", lambda: start + 15 * 60 + 1)
    assert bearer(client, TOKEN).status_code == 200  # the window has passed


def test_the_sign_in_form_counts_wrong_tokens_too(app):
    client = app.test_client()
    for _ in range(5):
        assert sign_in(client, "not-the-right-token!").status_code == 401
    assert sign_in(client).status_code == 429
    assert bearer(client, TOKEN).status_code == 429  # the same address, either door


def test_behind_a_trusted_proxy_each_forwarded_address_is_counted(app):
    client = app.test_client()
    for _ in range(5):
        bearer(client, "wrong-token-value-123", forwarded="198.51.100.7")
    assert bearer(client, TOKEN, forwarded="198.51.100.7").status_code == 429
    assert bearer(client, TOKEN, forwarded="198.51.100.8").status_code == 200
    # An untrusted client cannot pick its address by sending the header itself.
    for _ in range(5):
        bearer(client, "wrong-token-value-123", address="127.0.0.9", forwarded="203.0.113.1")
    assert bearer(client, TOKEN, address="127.0.0.9", forwarded="203.0.113.2").status_code == 429


def test_sign_out_ends_the_session(app):
    client = app.test_client()
    assert sign_in(client).status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert 'action="/signout"' in page and ">Sign out</button>" in page
    csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    assert client.post("/signout", data={}).status_code == 400  # CSRF required
    out = client.post("/signout", data={"csrf": csrf})
    assert out.status_code == 302 and out.headers["Location"] == "/signin"
    assert client.get("/").headers["Location"] == "/signin"


def test_a_copied_cookie_does_not_outlive_sign_out(app):
    client = app.test_client()
    sign_in(client)
    copied = client.get_cookie("aftercare_session").value
    page = client.get("/").get_data(as_text=True)
    csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    client.post("/signout", data={"csrf": csrf})
    thief = app.test_client()
    thief.set_cookie("aftercare_session", copied)
    assert thief.get("/").headers["Location"] == "/signin"


def test_a_new_token_ends_every_session(live_content, pool):
    key = b"k" * 32
    before = create_app(live_content, pool, token=TOKEN, secret_key=key)
    client = before.test_client()
    sign_in(client)
    cookie = client.get_cookie("aftercare_session").value
    after = create_app(live_content, pool, token="another-token-0123456789", secret_key=key)
    same_token = create_app(live_content, pool, token=TOKEN, secret_key=key)
    for app, status in ((after, 302), (same_token, 200)):  # a restart keeps sessions
        restarted = app.test_client()
        restarted.set_cookie("aftercare_session", cookie)
        assert restarted.get("/").status_code == status


def test_parallel_guesses_are_counted_before_any_slips_through(app):
    def guess(i):
        return bearer(app.test_client(), f"wrong-token-value-{i:04d}").status_code

    with ThreadPoolExecutor(16) as executor:
        statuses = list(executor.map(guess, range(32)))
    assert statuses.count(401) == 5 and statuses.count(429) == 27


def test_content_problems_are_not_shown_to_anyone_not_signed_in(app, live_content, tmp_path):
    from generator.content.live import ContentProblem
    from generator.errors import Problem

    content = app.extensions["aftercare"].content
    current = content.current()
    broken = ContentProblem(Problem("secret detail", tmp_path / "x.md", 3), "not offered")
    content._content = type(current)(current.clinic, current.policies, (broken,))
    content.interval = 10**9  # keep the fake problem for this test
    try:
        client = app.test_client()
        assert "secret detail" not in client.get("/signin").get_data(as_text=True)
        assert "secret detail" not in client.get("/nowhere").get_data(as_text=True)
        sign_in(client)
        assert "secret detail" not in client.get("/").get_data(as_text=True)  # one line
        assert "secret detail" in client.get("/manage").get_data(as_text=True)
    finally:
        content.interval = 1.0
        content._content = current


def test_a_session_lasts_12_hours(app, monkeypatch):
    client = app.test_client()
    signed = sign_in(client)
    cookie = signed.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Expires=" in cookie
    assert client.get("/").status_code == 200
    now = time.time()
    monkeypatch.setattr("generator.web.access.time.time", lambda: now + 11.9 * 3600)
    assert client.get("/").status_code == 200
    monkeypatch.setattr("generator.web.access.time.time", lambda: now + 12.1 * 3600)
    assert client.get("/").headers["Location"] == "/signin"


def test_aftercare_token_prints_a_token_the_desk_accepts(run):
    result = run("token")
    token = result.last_line
    assert result.code == 0 and re.fullmatch(r"[A-Za-z0-9_-]{32}", token)
    assert tokens.check(token, None, "token") == token
    assert run("token").last_line != token


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("short-token", "at least 16 characters"),
        ("aaaaaaaaaabbbbbbbbbb", "at least 10 different characters"),
        ("tökén-with-ümlauts-and-more", "printable ASCII"),
        ("has spaces in the middle ok", "printable ASCII"),
    ],
)
def test_weak_or_non_ascii_tokens_are_refused_at_start(run, monkeypatch, tmp_path, token, message):
    monkeypatch.setenv("AFTERCARE_TOKEN", token)
    result = run("serve", "--host", "0.0.0.0")
    assert result.code == 1 and message in result.err and "AFTERCARE_TOKEN" in result.err
    monkeypatch.delenv("AFTERCARE_TOKEN")
    path = tmp_path / "token"
    path.write_text(token, encoding="utf-8")
    result = run("serve", "--host", "0.0.0.0", "--token-file", path)
    assert result.code == 1 and message in result.err
    with pytest.raises(AftercareError):
        tokens.check(token, None, "token")


def test_a_bad_trusted_proxy_is_refused(run):
    result = run("serve", "--trusted-proxy", "proxy.example")
    assert result.code == 1 and "--trusted-proxy: must be an IP address" in result.err
