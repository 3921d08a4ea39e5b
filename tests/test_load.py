"""The desk as a real server under load: `aftercare serve --workers 2 --timeout 10` (a
generous render limit: these tests kill workers and stop servers; the limit itself is tested
in tests/test_web.py, and a shared CI machine may be slow).

300 requests at concurrency 8 with no error; a worker killed mid-load and one killed while
idle cost no request; SIGTERM mid-load answers every request sent before the signal, then
exits 0. Also what only a real server shows: bodies refused before they are read, and raw
request bytes that cannot forge the access log.
"""

from __future__ import annotations

import http.client
import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from .conftest import wait_for

pytestmark = pytest.mark.load
ROOT = Path(__file__).resolve().parent.parent


class Desk:
    """A running `aftercare serve` subprocess and its stderr."""

    def __init__(self, *args: str, state: Path, token: str | None = None, env: dict | None = None):
        env = {**{k: v for k, v in os.environ.items() if k != "AFTERCARE_TOKEN"}, **(env or {})}
        env["AFTERCARE_STATE_DIR"] = str(state)  # the session key goes here, not into var/
        if token:
            env["AFTERCARE_TOKEN"] = token
        self.process = subprocess.Popen(
            [sys.executable, "-m", "generator", "serve", "--port", "0", *args],
            cwd=ROOT,
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self.port = None
        ready = threading.Event()

        def read():
            for line in self.process.stderr:
                self.lines.append(line)
                if found := re.search(r"http://127\.0\.0\.1:(\d+)/", line):
                    self.port = int(found.group(1))
                    ready.set()
            ready.set()

        self.reader = threading.Thread(target=read, daemon=True)
        self.reader.start()
        assert ready.wait(120) and self.port, "".join(self.lines)

    def workers(self) -> list[int]:
        """Process ids of the render workers (spawned children)."""
        pids = []
        for child in Path(f"/proc/{self.process.pid}/task").glob("*/children"):
            for pid in child.read_text().split():
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                if b"spawn_main" in cmdline:
                    pids.append(int(pid))
        return sorted(pids)

    def post(self, body: dict | bytes, path="/api/sheets", timeout=60.0, headers=None):
        """(status, headers, body) of one request on a new connection."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            connection.request(
                "POST", path, data, {"Content-Type": "application/json", **(headers or {})}
            )
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def stop(self, signalled: bool = False) -> int:
        """SIGTERM (unless sent already), wait for the exit, close the pipe; the exit code."""
        if self.process.poll() is None and not signalled:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        self.reader.join(5)
        self.process.stderr.close()
        return code


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    server = Desk("--workers", "2", "--timeout", "10", state=tmp_path_factory.mktemp("state"))
    yield server
    server.stop()


def sheet(i: int) -> dict:
    return {"policy": "microneedling", "name": f"Load Patient {i}", "date": "2026-11-23"}


def test_300_requests_at_concurrency_8_with_workers_killed_cost_nothing(desk):
    from .conftest import pdf_text

    before = desk.workers()
    assert len(before) == 2

    def one(i):
        if i == 100:  # mid-load: both workers are busy; kill one of them
            os.kill(desk.workers()[0], signal.SIGKILL)
        status, _, body = desk.post(sheet(i))
        return i, status, body

    with ThreadPoolExecutor(8) as executor:
        results = list(executor.map(one, range(300)))
    failures = [(i, status, body[:120]) for i, status, body in results if status != 200]
    assert failures == []
    assert all(body.startswith(b"%PDF-") for _, _, body in results)
    for i, _, body in results[::50]:
        assert f"Load Patient {i}" in pdf_text(body)
    assert wait_for(lambda: len(desk.workers()) == 2, 60)
    assert desk.workers() != before

    idle = desk.workers()[1]  # now idle: kill it, and the next requests still all succeed
    os.kill(idle, signal.SIGKILL)
    assert wait_for(lambda: idle not in desk.workers(), 5)
    with ThreadPoolExecutor(4) as executor:
        statuses = list(executor.map(lambda i: desk.post(sheet(i))[0], range(8)))
    assert statuses == [200] * 8


def test_a_body_over_the_limit_is_refused_before_it_is_read(desk):
    for path, kind in (("/api/sheets", "application/json"), ("/", "text/html")):
        with socket.create_connection(("127.0.0.1", desk.port), timeout=10) as sock:
            sock.sendall(
                f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 33554432\r\n"
                "Content-Type: application/json\r\n\r\n".encode()
            )
            sock.sendall(b"{" + b" " * 1000)  # a little of the 32 MiB announced; no more comes
            started = time.monotonic()
            reply = _read_reply(sock)
        assert time.monotonic() - started < 5
        head, _, body = reply.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 413 "), head
        assert f"Content-Type: {kind}".encode() in head
        if kind == "application/json":
            assert json.loads(body) == {
                "error": "the request body is larger than 16 KiB",
                "field": None,
            }
        else:
            assert b"The form was larger than 16 KiB." in body and b'name="name"' in body


def _read_reply(sock) -> bytes:
    chunks = []
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def test_raw_request_bytes_cannot_forge_the_access_log(desk):
    targets = [
        b"/x%0a2026-11-27 20:00:00,000 POST /api/sheets 200 1ms",
        b"/x%1b[31mred",
        b"/y\x1b[31mred\x7f",
        b"/caf\xc3\xa9",  # waitress itself refuses bytes over 0x7F: 400, no app log line
    ]
    before = len(desk.lines)
    replies = []
    for target in targets:
        with socket.create_connection(("127.0.0.1", desk.port), timeout=10) as sock:
            sock.sendall(b"GET " + target.replace(b" ", b"%20") + b" HTTP/1.0\r\n\r\n")
            replies.append(_read_reply(sock).split(b"\r\n", 1)[0])
    assert replies[3] == b"HTTP/1.0 400 Bad Request"
    assert wait_for(lambda: len(desk.lines) >= before + 3, 5)
    time.sleep(0.5)
    new = desk.lines[before:]
    assert len(new) == 3, new
    line_format = r"\S+ \S+ 127\.0\.0\.1 GET \S+ \d{3} \d+ms\n"  # date time client ...
    assert all(re.fullmatch(line_format, line) for line in new), new
    assert "GET /x%0a2026-11-27%2020:00:00,000%20POST" in new[0]
    assert "GET /x%1b[31mred 403 " in new[1]
    assert "GET /y%1B[31mred%7F 403 " in new[2]
    assert "\x1b" not in "".join(desk.lines)


def test_sigterm_mid_load_answers_every_request_sent_before_it(tmp_path):
    server = Desk("--workers", "2", "--timeout", "10", state=tmp_path)
    outcomes = []  # (sent_at, status or error)
    signalled = threading.Event()
    lock = threading.Lock()

    def client(n: int):
        i = 0
        while not signalled.is_set() or i < 2:
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
            sent_at = None  # set once the whole request is on the wire
            try:
                connection.request(
                    "POST",
                    "/api/sheets",
                    json.dumps(sheet(n * 1000 + i)),
                    {"Content-Type": "application/json"},
                )
                sent_at = time.monotonic()
                response = connection.getresponse()
                body = response.read()
                outcome = response.status if body.startswith(b"%PDF-") else f"{response.status}"
            except OSError as exc:  # a reset after sending counts against the server
                outcome = type(exc).__name__
                if signalled.is_set() and sent_at is None:
                    break
            finally:
                connection.close()
            with lock:
                outcomes.append((sent_at, outcome))
            i += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    assert wait_for(lambda: len(outcomes) >= 16, 120)
    signal_at = time.monotonic()
    server.process.send_signal(signal.SIGTERM)
    signalled.set()
    for thread in threads:
        thread.join(120)
    code = server.stop(signalled=True)
    before = [outcome for sent_at, outcome in outcomes if sent_at and sent_at < signal_at]
    assert len(before) >= 16 and set(before) == {200}, before
    assert code == 0, "".join(server.lines[-5:])
    assert wait_for(lambda: "Stopped: every request received was answered.\n" in server.lines, 5)


def test_a_running_desk_follows_content_edits_within_2_seconds(tmp_path):
    from .test_live import EXAMPLE, LOREM, make_content

    folder = make_content(tmp_path / "content")
    server = Desk("--content", str(folder), "--workers", "1", state=tmp_path / "state")
    try:

        def get(path):
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                return response.read().decode()
            finally:
                connection.close()

        def versions():
            return {p["slug"]: p["version"] for p in json.loads(get("/api/policies"))}

        assert versions() == {"example-procedure": "0.9", "lorem-care": "0.9"}
        (folder / "lorem-care.md").write_text(LOREM.replace("phases:", "phases: [oops"))
        # the manager's page lists each problem; staff see one line on every desk page
        assert wait_for(lambda: "still printing version 0.9" in get("/manage"), 2.5)
        assert json.loads(get("/healthz"))["content_problems"] == 1
        (folder / "example-procedure.md").write_text(EXAMPLE.replace('"0.9"', '"1.0"'))
        assert wait_for(lambda: versions()["example-procedure"] == "1.0", 2.5)
        (folder / "draft-care.md").write_text(EXAMPLE.replace("version:", "draft: true\nversion:"))
        (folder / "zzz-new.md").write_text("---\ntitle: [\n---\n")
        assert wait_for(lambda: "not offered until it is fixed" in get("/manage"), 2.5)
        assert versions() == {"example-procedure": "1.0", "lorem-care": "0.9"}
        status, _, body = server.post({"policy": "lorem-care", "name": "Ann Lorem"})
        assert status == 200 and body.startswith(b"%PDF-")
        status, _, body = server.post({"policy": "draft-care", "name": "Ann Lorem"})
        assert status == 422 and json.loads(body)["field"] == "policy"
    finally:
        assert server.stop() == 0


def test_an_open_form_and_a_sign_in_survive_a_restart(tmp_path):
    """The session key is kept in the state folder (mode 600), so a restart signs no one out
    and a form opened before it still sends."""
    token = "restart-token-0123456789-abcdef"
    server = Desk("--workers", "1", state=tmp_path, token=token)
    cookies = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cookies))
    base = f"http://127.0.0.1:{server.port}"
    signin = browser.open(f"{base}/signin").read().decode()
    csrf = signin.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    data = urllib.parse.urlencode({"csrf": csrf, "token": token}).encode()
    form = browser.open(f"{base}/signin", data).read().decode()  # signed in, on the form
    csrf = form.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    assert server.stop() == 0
    assert (tmp_path / "desk-session.key").stat().st_mode & 0o777 == 0o600

    server = Desk("--workers", "1", state=tmp_path, token=token)
    try:
        base = f"http://127.0.0.1:{server.port}"
        fields = {
            "csrf": csrf,
            "policy": "microneedling",
            "name": "Ann Restart",
            "when": "today",
        }
        page = browser.open(f"{base}/", urllib.parse.urlencode(fields).encode())
        assert "/sheets/" in page.url  # the form typed before the restart went through
        assert "<dd>Ann Restart</dd>" in page.read().decode()
    finally:
        assert server.stop() == 0


def test_a_request_sent_just_before_the_stop_is_answered_not_reset():
    """The drain reads what connections have already sent before it calls them idle."""
    from generator.commands.serve import _run_until_stopped, _server

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"answered"]

    for _ in range(10):
        server = _server(app, "127.0.0.1", 0)
        stop = threading.Event()
        result = {}
        runner = threading.Thread(
            target=lambda s=server, e=stop, r=result: r.update(ok=_run_until_stopped(s, e, 5))
        )
        with socket.create_connection(("127.0.0.1", server.effective_port), timeout=10) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            stop.set()  # the signal arrives before the server has even accepted the connection
            runner.start()
            reply = _read_reply(sock)
        runner.join(10)
        assert reply.startswith(b"HTTP/1.1 200 ") and reply.endswith(b"answered"), reply
        assert result["ok"] is True


def test_a_broken_policy_that_sorts_first_does_not_stop_the_desk_starting(tmp_path):
    from .test_live import make_content

    folder = make_content(tmp_path / "content")
    (folder / "aaa-broken.md").write_text("---\ntitle: [\n---\n")
    server = Desk("--content", str(folder), "--workers", "1", state=tmp_path / "state")
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        connection.request("GET", "/healthz")
        assert json.loads(connection.getresponse().read())["content_problems"] == 1
        connection.close()
        status, _, body = server.post({"policy": "lorem-care", "name": "Ann Lorem"})
        assert status == 200 and body.startswith(b"%PDF-")
    finally:
        assert server.stop() == 0
