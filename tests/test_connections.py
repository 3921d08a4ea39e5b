"""Connections to a desk exposed directly on a LAN: one client holding 500 idle or half-sent
connections does not keep staff from printing (waitress's connection limit, idle timeout and
backlog, set by `serve`), and a connection left idle is closed after --idle-timeout."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time

import pytest

from generator.commands.serve import Listening, _run_until_stopped, _server
from generator.web.app import create_app

from .test_load import Desk

HELD = 500


def get(port: int, path: str, timeout: float):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def hold(port: int, count: int) -> list[socket.socket]:
    """`count` connections from this client: half silent, half stopped mid-headers."""
    held = []
    for i in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        if i % 2:
            sock.sendall(b"POST /api/sheets HTTP/1.1\r\nHost: desk\r\nContent-Len")
        held.append(sock)
    return held


@pytest.mark.load
def test_500_idle_and_half_sent_connections_do_not_keep_staff_from_printing(tmp_path):
    desk = Desk("--workers", "1", state=tmp_path)
    held: list[socket.socket] = []
    try:
        sheet = {"policy": "microneedling", "name": "Held Patient", "date": "2026-11-23"}
        assert desk.post(sheet, timeout=30)[0] == 200  # a warm renderer, as at a desk all day
        held = hold(desk.port, HELD)
        time.sleep(0.5)  # the server has taken them all in
        start = time.monotonic()
        status, body = get(desk.port, "/healthz", timeout=10)
        health_seconds = time.monotonic() - start
        assert status == 200 and json.loads(body)["status"] == "ok"
        start = time.monotonic()
        status, headers, pdf = desk.post(sheet, timeout=10)
        sheet_seconds = time.monotonic() - start
        assert status == 200 and pdf.startswith(b"%PDF") and headers["X-Sheet-Id"]
        print(
            f"under {HELD} held connections: /healthz {health_seconds:.3f} s, "
            f"sheet {sheet_seconds:.3f} s"
        )
        assert health_seconds < 2 and sheet_seconds < 2
    finally:
        for sock in held:
            sock.close()
        assert desk.stop() == 0


def test_a_connection_left_idle_is_closed_after_the_idle_timeout(live_content):
    app = create_app(live_content, None)
    server = _server(app, "127.0.0.1", 0, Listening(idle_timeout=1))
    stop = threading.Event()
    thread = threading.Thread(target=_run_until_stopped, args=(server, stop, 5), daemon=True)
    thread.start()
    try:
        with socket.create_connection(("127.0.0.1", server.effective_port), timeout=10) as idle:
            idle.sendall(b"GET /healthz HTTP/1.1\r\nHost: desk\r\n")  # never finished
            start = time.monotonic()
            assert idle.recv(100) == b""  # closed by the server, not by our 10 s timeout
            assert time.monotonic() - start < 5
    finally:
        stop.set()
        thread.join(15)
