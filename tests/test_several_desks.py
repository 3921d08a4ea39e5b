"""Several desks, one clinic, through a real nginx: Debian's nginx-light, configured from
deploy/nginx/aftercare.conf into a temporary folder (loopback ports, a self-signed
certificate made here), in front of two `aftercare serve` processes sharing one PostgreSQL
started by the tests (tests/pg.py).

A desk checkout whose steps land on either desk (forced by stopping one between them); a
sign-out refused by both desks; wrong tokens from one forwarded client that do not throttle
another; a rolling restart under load with no failed request; SIGKILL of a desk under load
costing only its requests in flight; 500 idle connections; and database files that hold no
patient's name.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time
import urllib.parse
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa

from . import pg
from .conftest import pdf_text, wait_for
from .test_load import Desk

pytestmark = pytest.mark.load
ROOT = Path(__file__).resolve().parent.parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
TOKEN = "several-desks-token-0123456789abcdef"
DESK_NAME, PROVIDER = "Quintessa Zebrowski", "Dr. Marigold Xylander"
LOAD_NAME = "Rollo Quixley"  # + a number, for the sheets of the load tests
NAMES = (DESK_NAME, PROVIDER, "Zebrowski", "Xylander", "Quixley")

if not Path(NGINX).exists() or pg.binaries() is None:
    pytest.skip("needs nginx and PostgreSQL: run `make setup-test`", allow_module_level=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def site_config(ports: list[int], https: int, http: int, cert: Path, key: Path) -> str:
    """deploy/nginx/aftercare.conf with this test's desks, ports and certificate."""
    text = (ROOT / "deploy/nginx/aftercare.conf").read_text()
    servers = "".join(f"    server 127.0.0.1:{port} max_fails=0;\n" for port in ports)
    text, count = re.subn(r"(    server 127\.0\.0\.1:\d+ [^\n]*\n)+", servers, text)
    assert count == 1
    text = text.replace("listen 443 ssl;", f"listen 127.0.0.1:{https} ssl;")
    text = text.replace("listen 80;", f"listen 127.0.0.1:{http};")
    text = re.sub(r"\n\s*listen \[::\]:\d+[^\n]*;", "", text)
    text = text.replace("/etc/ssl/aftercare/fullchain.pem", str(cert))
    # One test client stands for a clinic's every desk and sends as fast as sheets come
    # back: the per-client request rate would refuse some (429), which is the limiter
    # working, not a desk failing; the tests here measure the desks.
    text = text.replace("rate=20r/s", "rate=1000r/s")
    return text.replace("/etc/ssl/aftercare/privkey.pem", str(key))


class Nginx:
    """nginx in the foreground, in its own folder, from the deployed site file."""

    def __init__(self, folder: Path, ports: list[int]):
        folder.mkdir()
        self.cert, key = folder / "cert.pem", folder / "key.pem"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
             "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", self.cert],
            check=True, capture_output=True,
        )  # fmt: skip
        self.port, http = free_port(), free_port()
        (folder / "site.conf").write_text(site_config(ports, self.port, http, self.cert, key))
        (folder / "nginx.conf").write_text(
            f"daemon off;\nworker_processes 1;\npid {folder}/nginx.pid;\n"
            f"error_log {folder}/error.log warn;\nevents {{ worker_connections 2048; }}\n"
            "http {\n  log_format desks '$time_local $status $upstream_addr $upstream_status';\n"
            f"  access_log {folder}/access.log desks;\n"
            + "".join(
                f"  {kind}_temp_path {folder}/{kind};\n"
                for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
            )
            + f"  include {folder}/site.conf;\n}}\n"
        )
        self.folder = folder
        self.process = subprocess.Popen(
            [NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf")],
            stderr=subprocess.PIPE,
            text=True,
        )
        assert wait_for(self._listening, 10), (
            self.process.stderr.read() if self.process.poll() else ""
        )
        self.context = ssl.create_default_context(cafile=str(self.cert))

    def _listening(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), 0.5).close()
            return True
        except OSError:
            return False

    def request(self, method, path, body=None, headers=None, source="127.0.0.1", timeout=90):
        """(status, headers, body) of one HTTPS request through nginx, from `source`."""
        connection = http.client.HTTPSConnection(
            "127.0.0.1", self.port, context=self.context, timeout=timeout,
            source_address=(source, 0),
        )  # fmt: skip
        try:
            connection.request(method, path, body, headers or {})
            response = connection.getresponse()
            return response.status, response.headers, response.read()
        finally:
            connection.close()

    def stop(self) -> None:
        self.process.send_signal(signal.SIGQUIT)  # graceful
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stderr.close()


class Clinic:
    """Two desks on one PostgreSQL behind nginx; desks can be stopped and started again."""

    def __init__(self, folder: Path, url: str):
        self.folder, self.url = folder, url
        self.ports = [free_port(), free_port()]
        self.desks: list[Desk | None] = [None, None]
        self.engine = sa.create_engine(url)
        for index in (0, 1):
            self.start(index)
        self.nginx = Nginx(folder / "nginx", self.ports)

    def start(self, index: int) -> None:
        env = {"AFTERCARE_DATABASE_URL": self.url}
        self.desks[index] = Desk(
            "--host", "127.0.0.1", "--port", str(self.ports[index]), "--workers", "1",
            "--timeout", "20", "--trusted-proxy", "127.0.0.1",
            state=self.folder / f"state{index}", token=TOKEN, env=env,
        )  # fmt: skip

    def stop(self, index: int) -> int:
        desk, self.desks[index] = self.desks[index], None
        assert desk is not None
        return desk.stop()

    def kill(self, index: int) -> None:
        desk, self.desks[index] = self.desks[index], None
        assert desk is not None
        workers = desk.workers()
        desk.process.kill()
        desk.process.wait()
        for pid in workers:  # its render workers, orphaned
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        desk.reader.join(5)
        desk.process.stderr.close()

    def direct(self, index: int, path: str, cookie: str) -> int:
        """The status of a GET sent straight to one desk, with a session cookie."""
        connection = http.client.HTTPConnection("127.0.0.1", self.ports[index], timeout=30)
        try:
            connection.request("GET", path, headers={"Cookie": cookie})
            return connection.getresponse().status
        finally:
            connection.close()

    def entries(self) -> set[str]:
        with self.engine.connect() as db:
            return set(db.execute(sa.text("SELECT id FROM sheets")).scalars())

    def close(self) -> None:
        self.nginx.stop()
        for index, desk in enumerate(self.desks):
            if desk is not None:
                self.stop(index)
        self.engine.dispose()


@pytest.fixture(scope="module")
def clinic(tmp_path_factory):
    os.environ.pop("AFTERCARE_TOKEN", None)
    with pg.temporary_server() as url:
        running = Clinic(tmp_path_factory.mktemp("clinic"), url)
        try:
            yield running
        finally:
            running.close()


class Browser:
    """One browser's cookie, through nginx."""

    def __init__(self, nginx: Nginx):
        self.nginx, self.cookie = nginx, ""

    def go(self, method: str, path: str, fields: dict | None = None):
        headers = {"Cookie": self.cookie} if self.cookie else {}
        body = None
        if fields is not None:
            body = urllib.parse.urlencode(fields, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        status, answer, data = self.nginx.request(method, path, body, headers)
        for line in answer.get_all("Set-Cookie") or []:
            self.cookie = line.split(";", 1)[0]
        return status, answer, data

    def csrf(self, path: str = "/") -> str:
        page = self.go("GET", path)[2].decode()
        return page.split('name="csrf" value="', 1)[1].split('"', 1)[0]


def api_sheet(nginx: Nginx, i: int, source: str = "127.0.0.1"):
    body = json.dumps({"policy": "microneedling", "name": f"{LOAD_NAME} {i}"})
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"}
    return nginx.request("POST", "/api/sheets", body, headers, source=source)


def test_a_checkout_through_nginx_works_whichever_desk_answers_each_step(clinic):
    browser = Browser(clinic.nginx)
    csrf = browser.csrf("/signin")
    assert browser.go("POST", "/signin", {"csrf": csrf, "token": TOKEN})[0] == 302
    fields = {"policy": "microneedling", "name": DESK_NAME, "provider": PROVIDER}
    made = browser.go("POST", "/", {"csrf": browser.csrf(), "when": "today", **fields})
    assert made[0] == 303, made[2][:300]
    result = urllib.parse.urlsplit(made[1]["Location"]).path
    assert clinic.stop(0) == 0  # only the second desk is left
    status, _, page = browser.go("GET", result)
    assert status == 200 and DESK_NAME in page.decode()
    clinic.start(0)
    assert clinic.stop(1) == 0  # only the first desk is left
    status, answer, pdf = browser.go("GET", f"{result}/sheet.pdf")
    assert status == 200 and DESK_NAME in pdf_text(pdf)
    assert answer["X-Sheet-Id"] in clinic.entries()
    clinic.start(1)
    cookie = browser.cookie  # a copy kept from before the sign-out
    assert clinic.direct(0, "/", cookie) == clinic.direct(1, "/", cookie) == 200
    assert browser.go("POST", "/signout", {"csrf": browser.csrf()})[0] == 302
    assert clinic.direct(0, "/", cookie) == clinic.direct(1, "/", cookie) == 302  # to /signin
    assert clinic.direct(0, result + "/sheet.pdf", cookie) == 302


def test_five_wrong_tokens_from_one_forwarded_client_do_not_throttle_another(clinic):
    wrong = {"Authorization": "Bearer not-the-token-0123456789"}
    for _ in range(5):
        assert clinic.nginx.request("GET", "/api/policies", None, wrong, "127.0.0.7")[0] == 401
    right = {"Authorization": f"Bearer {TOKEN}"}
    throttled = clinic.nginx.request("GET", "/api/policies", None, right, "127.0.0.7")
    assert throttled[0] == 429 and int(throttled[1]["Retry-After"]) > 0
    assert clinic.nginx.request("GET", "/api/policies", None, right, "127.0.0.8")[0] == 200


def load(clinic, count: int, during, at: int = 16, gates: dict | None = None):
    """`count` sheet requests at concurrency 8 through nginx; `during()` runs in a thread
    once `at` have been answered; request i waits for the event of the highest gate <= i.
    [(i, status, sheet ID, seconds, body's start)], and (what `during` returned, how many
    requests were answered when it returned)."""
    done, outcomes = threading.Event(), []
    lock = threading.Lock()
    actions: list = []

    def one(i):
        for first, event in sorted((gates or {}).items(), reverse=True):
            if i >= first:
                assert event.wait(300)
                break
        started = time.perf_counter()
        status, headers, body = api_sheet(clinic.nginx, i)
        seconds = time.perf_counter() - started
        with lock:
            outcomes.append((i, status, headers.get("X-Sheet-Id"), seconds, body[:5]))
            if len(outcomes) == at:
                done.set()

    def act():
        done.wait()
        returned = during()
        with lock:
            actions.append((returned, len(outcomes)))

    actor = threading.Thread(target=act)
    actor.start()
    with ThreadPoolExecutor(8) as executor:
        list(executor.map(one, range(count)))
    actor.join(300)
    return outcomes, actions


def test_a_rolling_restart_under_load_fails_no_request(clinic):
    """Requests keep coming while the first desk stops and starts, then the second: those
    from 16 on are sent once the first desk has its SIGTERM, those from 100 on once the
    second has, the last 20 once both are back."""
    before = clinic.entries()
    stopping = [threading.Event(), threading.Event()]
    both_back = threading.Event()

    def roll():
        steps = []
        for index in (0, 1):
            stopping[index].set()
            steps.append(clinic.stop(index))
            clinic.start(index)
        both_back.set()
        return steps

    gates = {16: stopping[0], 100: stopping[1], 180: both_back}
    outcomes, actions = load(clinic, 200, roll, gates=gates)
    failed = [(i, status, body) for i, status, _, _, body in outcomes if status != 200]
    print(f"rolling restart: {len(failed)} failed of {len(outcomes)}")
    [(steps, answered_by_then)] = actions
    assert steps == [0, 0] and answered_by_then <= 180  # both desks restarted, mid-load
    assert failed == []
    assert len(clinic.entries() - before) == 200
    assert {sheet for _, _, sheet, _, _ in outcomes} <= clinic.entries()


def test_500_idle_connections_through_nginx_keep_no_one_from_printing(clinic):
    idle = []
    try:
        for _ in range(500):
            idle.append(socket.create_connection(("127.0.0.1", clinic.nginx.port), 5))
        started = time.perf_counter()
        health = clinic.nginx.request("GET", "/healthz", timeout=10)
        health_seconds = time.perf_counter() - started
        started = time.perf_counter()
        sheet = api_sheet(clinic.nginx, 1000)
        sheet_seconds = time.perf_counter() - started
    finally:
        for connection in idle:
            connection.close()
    print(f"500 idle connections: /healthz {health_seconds:.3f} s, sheet {sheet_seconds:.3f} s")
    assert health[0] == 200 and health_seconds < 2
    assert sheet[0] == 200 and sheet[2].startswith(b"%PDF-") and sheet_seconds < 2


def test_sigkill_of_a_desk_mid_load_fails_only_its_requests_in_flight(clinic):
    before = clinic.entries()
    outcomes, _ = load(clinic, 40, lambda: clinic.kill(0), at=8)
    statuses = Counter(status for _, status, _, _, _ in outcomes)
    print(f"SIGKILL mid-load: {dict(statuses)}")
    assert set(statuses) <= {200, 502} and statuses[502] <= 8  # at most what was in flight
    made = clinic.entries() - before
    answered = {sheet for _, status, sheet, _, _ in outcomes if status == 200}
    assert answered <= made and len(made) <= len(answered) + statuses[502]
    with clinic.engine.connect() as db:  # every entry has every file it was made from
        needed = set()
        for policies, clinic_source, logo in db.execute(
            sa.text("SELECT policies, clinic_source, logo_source FROM sheets")
        ):
            needed |= {p["source"] for p in policies} | {clinic_source, logo}
        stored = set(db.execute(sa.text("SELECT digest FROM archive")).scalars())
    assert needed <= stored
    clinic.start(0)


def test_the_database_files_hold_no_patient_name(clinic):
    with clinic.engine.connect() as db:
        db.execute(sa.text("CHECKPOINT"))
        assert db.execute(sa.text("SELECT count(*) FROM desk_results")).scalar() >= 0
    root = pg.FOLDERS[clinic.url]
    seen = 0
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            seen += len(data)
            for name in NAMES:
                assert name.encode() not in data, f"{name!r} in {path.relative_to(root)}"
    assert seen > 1_000_000  # the tables, the WAL and the log were read


def whole_response(sock) -> bytes:
    """One whole answer of the test app (headers and its 8-byte body), however the bytes
    arrive: a read may end between the headers and the body."""
    data = b""
    while not data.endswith(b"answered"):
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def test_a_stopping_desk_answers_a_kept_alive_connection_then_closes_it():
    """A proxy may send a request on a kept-alive connection just after the desk was told
    to stop: it is answered, with "Connection: close", and the connection is closed only
    after that (never under the proxy's request, which it would not resend: a POST)."""
    from generator.commands.serve import _run_until_stopped, _server

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "8")])
        return [b"answered"]

    server = _server(app, "127.0.0.1", 0)
    stop = threading.Event()
    result = {}
    runner = threading.Thread(target=lambda: result.update(ok=_run_until_stopped(server, stop, 5)))
    runner.start()
    request = b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n"
    with socket.create_connection(("127.0.0.1", server.effective_port), timeout=10) as sock:
        sock.sendall(request)
        first = whole_response(sock)
        assert first.startswith(b"HTTP/1.1 200 ") and b"Connection: close" not in first
        stop.set()
        time.sleep(1)  # the desk is stopping; the proxy still holds this connection
        sock.sendall(request)
        second = whole_response(sock)
        assert second.startswith(b"HTTP/1.1 200 ") and b"Connection: close" in second, second
        assert sock.recv(10) == b""  # then closed by the desk
    runner.join(10)
    assert result["ok"] is True
