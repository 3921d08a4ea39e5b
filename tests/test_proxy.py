"""Behind a reverse proxy, through the real waitress server (not Flask's test client): the
trusted proxy's X-Forwarded-For and X-Forwarded-Proto are believed (throttling and the access
log per forwarded client, Secure cookies over HTTPS); from any other address they are
ignored. The server runs in this process on a loopback port; a second loopback address
(127.0.0.2) plays a client that is not the proxy."""

from __future__ import annotations

import http.client
import logging
import threading
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest

from generator.commands.serve import Listening, _run_until_stopped, _server
from generator.web.app import create_app

from .test_web import TOKEN

PROXY, OTHER = "127.0.0.1", "127.0.0.2"
WRONG = "not-the-right-token-value"


@pytest.fixture
def port(live_content):
    """A desk with a token behind waitress, trusting 127.0.0.1 as `serve --trusted-proxy`."""
    app = create_app(live_content, None, token=TOKEN, trusted_proxies=(PROXY,))
    server = _server(app, "127.0.0.1", 0, Listening(PROXY))
    stop = threading.Event()
    thread = threading.Thread(target=_run_until_stopped, args=(server, stop, 5), daemon=True)
    thread.start()
    yield server.effective_port
    stop.set()
    thread.join(15)
    assert not thread.is_alive()


def send(port, method, path, source, headers=None, body=None):
    """One request on its own connection from `source`: status, headers (a list), body."""
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=10, source_address=(source, 0)
    )
    try:
        connection.request(method, path, body, headers or {})
        response = connection.getresponse()
        return SimpleNamespace(
            status=response.status, headers=response.getheaders(), body=response.read()
        )
    finally:
        connection.close()


def cookies(response) -> list[str]:
    return [value for name, value in response.headers if name.lower() == "set-cookie"]


def sign_in(port, token, source=PROXY, forwarded=None, proto=None):
    """The sign-in form as a browser sends it: fetch it, then post the token."""
    headers = {}
    if forwarded:
        headers["X-Forwarded-For"] = forwarded
    if proto:
        headers["X-Forwarded-Proto"] = proto
    page = send(port, "GET", "/signin", source, headers)
    assert page.status == 200
    csrf = page.body.decode().split('name="csrf" value="', 1)[1].split('"', 1)[0]
    cookie = cookies(page)[0].split(";", 1)[0]
    form = urlencode({"csrf": csrf, "token": token})
    posted = {
        **headers,
        "Cookie": cookie,
        "Content-Type": "application/x-www-form-urlencoded",
    }
    return page, send(port, "POST", "/signin", source, posted, form)


def test_wrong_tokens_through_the_trusted_proxy_count_per_forwarded_client(port, caplog):
    caplog.set_level(logging.INFO, logger="aftercare.access")
    for _ in range(5):
        assert sign_in(port, WRONG, forwarded="10.0.0.1")[1].status == 401
    _, other_client = sign_in(port, TOKEN, forwarded="10.0.0.2")
    assert other_client.status == 302  # signed in: not throttled by another client's guesses
    assert sign_in(port, TOKEN, forwarded="10.0.0.1")[1].status == 429  # the guesser waits
    logged = [r.getMessage() for r in caplog.records if r.name == "aftercare.access"]
    assert sum(line.startswith("10.0.0.1 POST /signin 401 ") for line in logged) == 5
    assert any(line.startswith("10.0.0.2 POST /signin 302 ") for line in logged)
    assert not any(line.startswith(PROXY) for line in logged)


def test_from_any_other_address_the_forwarded_headers_are_ignored(port, caplog):
    caplog.set_level(logging.INFO, logger="aftercare.access")
    for _ in range(5):
        assert sign_in(port, WRONG, source=OTHER, forwarded="10.0.0.3")[1].status == 401
    # It cannot pose as another client: its guesses count against its own address.
    assert sign_in(port, TOKEN, source=OTHER, forwarded="10.0.0.4")[1].status == 429
    logged = [r.getMessage() for r in caplog.records if r.name == "aftercare.access"]
    assert logged and all(line.startswith(f"{OTHER} ") for line in logged)
    # ...and the proxy's clients are not held up by it.
    assert sign_in(port, TOKEN, forwarded="10.0.0.4")[1].status == 302


def test_cookies_are_secure_when_the_proxy_says_https(port):
    page, signed_in = sign_in(port, TOKEN, forwarded="10.0.0.5", proto="https")
    assert signed_in.status == 302
    for response in (page, signed_in):
        [cookie] = cookies(response)
        assert "; Secure" in cookie and "HttpOnly" in cookie
    location = dict(signed_in.headers)["Location"]
    assert location == "/" or location.startswith("https://")  # stays on https
    # Plain http through the proxy, or https claimed by anyone else: no Secure.
    page, signed_in = sign_in(port, TOKEN, forwarded="10.0.0.5")
    assert signed_in.status == 302 and "Secure" not in cookies(page)[0] + cookies(signed_in)[0]
    page, signed_in = sign_in(port, TOKEN, source=OTHER, proto="https")
    assert signed_in.status == 302 and "Secure" not in cookies(page)[0] + cookies(signed_in)[0]


def test_one_trusted_proxy_and_whole_numbers_for_the_limits(run):
    result = run("serve", "--trusted-proxy", "127.0.0.1", "--trusted-proxy", "10.0.0.9")
    assert result.code == 1
    assert "--trusted-proxy: give one address: the server trusts one reverse proxy" in result.err
    result = run("serve", "--connection-limit", "0")
    assert result.code == 2 and "--connection-limit: must be a whole number from 1" in result.err
