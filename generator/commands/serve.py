"""`aftercare serve`: the desk and API behind waitress, with a graceful stop.

On SIGTERM (or Ctrl+C) the server stops listening, answers every request already received
(bounded by the render time limit), then stops the render workers and exits 0. Request bodies
over the limit are refused by waitress before they are read; the app still writes the answer
(JSON for the API, the form for the desk) from the headers alone.
"""

from __future__ import annotations

import logging
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass

from waitress.channel import HTTPChannel
from waitress.task import ErrorTask, WSGITask
from waitress.utilities import RequestEntityTooLarge

from generator.content.live import LiveContent
from generator.errors import AftercareError, Problem
from generator.files import secret_key
from generator.parallel import default_jobs
from generator.parallel.desk_pool import RenderPool
from generator.paths import VAR
from generator.project import Project
from generator.record.register import open_register
from generator.web.app import ACCESS_LOG, MAX_BODY, TOO_LARGE, create_app
from generator.web.net import is_loopback

THREADS = 16
# Once every request is answered, how long a stopping desk keeps idle kept-alive connections
# open (answering, then closing, any request sent on them) before closing them: longer than
# nginx's keepalive_timeout to the desks (2 s in deploy/nginx/aftercare.conf), so nginx
# closes them itself and never sends a request on a connection being closed.
LINGER = 3.0


@dataclass(frozen=True)
class Listening:
    """How the server takes connections: a LAN client holding hundreds of idle or half-sent
    connections must not keep staff from printing, and only the trusted proxy's forwarded
    headers are believed."""

    trusted_proxy: str | None = None  # its X-Forwarded-For and X-Forwarded-Proto are believed
    connection_limit: int = 1000  # open connections (waitress: 100), idle ones included
    idle_timeout: int = 30  # seconds a connection may sit idle or half-sent (waitress: 120)
    backlog: int = 2048  # connections the kernel queues past the limit (waitress: 1024)

    def waitress_options(self) -> dict:
        """The matching waitress settings."""
        options: dict = {
            "connection_limit": self.connection_limit,
            "channel_timeout": self.idle_timeout,
            # How often idle connections are looked for: at most the timeout itself.
            "cleanup_interval": max(1, min(10, self.idle_timeout)),
            "backlog": self.backlog,
            "clear_untrusted_proxy_headers": True,  # from anyone else, forwarded headers go
        }
        if self.trusted_proxy:
            options |= {
                "trusted_proxy": self.trusted_proxy,
                "trusted_proxy_count": 1,
                "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto"},
            }
        return options


class _ErrorTask(WSGITask):
    """waitress' own error answers, except "body too large": that one the app writes."""

    def execute(self):
        if isinstance(self.request.error, RequestEntityTooLarge):
            self.get_environment()[TOO_LARGE] = True  # the body itself is never read
            self.set_close_on_finish()
            super().execute()
        else:
            self.complete = True
            ErrorTask.execute(self)  # type: ignore[arg-type]


class _Task(WSGITask):
    """Once the desk is stopping, every answer closes its connection ("Connection: close"):
    a proxy then sends nothing more on a connection the desk is about to close."""

    def execute(self):
        if not self.channel.server.accepting:
            self.set_close_on_finish()
        super().execute()


class _Channel(HTTPChannel):
    task_class = _Task
    error_task_class = _ErrorTask  # type: ignore[assignment]


def serve(
    project: Project,
    host: str,
    port: int,
    token: str | None,
    workers: int | None,
    timeout: float,
    queue_timeout: float = 30.0,
    trusted_proxies: tuple[str, ...] = (),
    database: str | None = None,
    listening: Listening | None = None,
    print_queue: str | None = None,
) -> None:
    """Check access, warm the renderers, then serve until SIGTERM or Ctrl+C."""
    if not is_loopback(host) and token is None:
        raise AftercareError(
            Problem(
                f"refusing to listen on {host} without an access token: anyone on the network "
                "could make sheets. Set AFTERCARE_TOKEN or pass --token-file, or use "
                "--host 127.0.0.1"
            )
        )
    register = open_register(project.clinic, database)  # fails fast on a bad database URL
    refuse_broken_register(register)
    log_handler = logging.StreamHandler(sys.stderr)
    log_handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    for logger in (ACCESS_LOG, logging.getLogger("aftercare.errors")):
        logger.addHandler(log_handler)
        logger.setLevel(logging.INFO)
    print("Starting renderers...", file=sys.stderr, flush=True)
    stop = threading.Event()  # SIGTERM or Ctrl+C, even while the renderers start
    previous = {
        signum: signal.signal(signum, lambda *_: stop.set())
        for signum in (signal.SIGTERM, signal.SIGINT)
    }
    try:
        content = LiveContent(project.content_dir, project.clinic_file)
        pool = RenderPool(
            project.content_dir,
            workers or default_jobs(),
            timeout,
            queue_timeout=queue_timeout,
            warmup=lambda: _warmup(content),
        )
        try:
            app = create_app(
                content, pool, token, trusted_proxies, _session_key(), register, print_queue
            )
            if listening is None:
                listening = Listening(trusted_proxies[0] if trusted_proxies else None)
            server = _server(app, host, port, listening)
            shown = f"[{host}]" if ":" in host else host
            print(
                f"Checkout desk on http://{shown}:{server.effective_port}/ "
                f"({'access token required' if token else 'this machine only'}); "
                "Ctrl+C stops it.",
                file=sys.stderr,
                flush=True,
            )
            # A request received just before the stop may still wait for a worker, then render.
            answered = _run_until_stopped(server, stop, queue_timeout + timeout + 5)
        finally:
            pool.close()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if answered:
        print("Stopped: every request received was answered.", file=sys.stderr, flush=True)
    else:
        print("Stopped at the time limit: some requests were not answered.", file=sys.stderr)


def refuse_broken_register(register) -> None:
    """A desk does not start on a register it could not record sheets in."""
    from generator.record.register_care import LOCKED, RegisterTrouble, probe, shown_place

    found = "ok" if register is None else probe(register)
    if found not in ("ok", LOCKED):  # a lock passes; a read-only or damaged file does not
        raise RegisterTrouble(found, shown_place(register.url) or "the database URL")


def _session_key() -> bytes | None:
    """The kept session key, so that a restart signs no one out; None if it cannot be kept."""
    try:
        return secret_key(VAR / "desk-session.key")
    except AftercareError as exc:
        print(
            f"aftercare: warning: {exc}; sessions end when the desk restarts",
            file=sys.stderr,
        )
        return None


def _warmup(content: LiveContent):
    """(clinic, policy) for a new worker's first render, or None without a policy."""
    current = content.current()
    offered = current.offered()
    return (current.clinic, offered[0]) if offered else None


def _server(app, host: str, port: int, listening: Listening | None = None):
    """A waitress server that refuses large bodies unread and lets the app answer them."""
    import waitress

    listening = listening or Listening()
    _allow_open_files(listening.connection_limit + 256)  # + workers, database, logs

    if host == "localhost":  # often both 127.0.0.1 and ::1; one listening socket is enough
        host = "127.0.0.1"
    server = waitress.create_server(
        app,
        host=host,
        port=port,
        threads=THREADS,
        ident="aftercare",
        max_request_body_size=MAX_BODY + 1,  # waitress refuses a body of this size or more
        expose_tracebacks=False,
        **listening.waitress_options(),
    )
    server.channel_class = _Channel
    return server


def _allow_open_files(wanted: int) -> None:
    """Raise this process's open-file limit towards `wanted` (up to the hard limit)."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def _run_until_stopped(server, stop: threading.Event, drain_seconds: float) -> bool:
    """Serve until `stop` is set; then stop listening and answer what was received.

    Whether every request received was answered within `drain_seconds`.
    """
    from waitress import wasyncore

    try:
        while not stop.is_set():
            wasyncore.loop(timeout=0.5, map=server._map, use_poll=True, count=1)
        print("Stopping: finishing the requests in flight...", file=sys.stderr, flush=True)
        _stop_listening(server)
        deadline = time.monotonic() + drain_seconds
        quiet_since = None
        while time.monotonic() < deadline:
            wasyncore.loop(timeout=0.05, map=server._map, use_poll=True, count=1)
            if not _all_answered(server):
                quiet_since = None
                continue
            if not server.active_channels:
                return True
            # Idle kept-alive connections: answer what comes on them, or let the client close.
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since > LINGER:
                return True
        return False
    finally:
        for channel in list(server.active_channels.values()):
            channel.close()
        server.task_dispatcher.shutdown(timeout=5)
        server.trigger.close()


def _stop_listening(server) -> None:
    """Take the connections the kernel already queued for us, then close the listener."""
    while (accepted := server.accept()) is not None:
        conn, addr = accepted
        server.set_socket_options(conn)
        server.channel_class(server, conn, server.fix_addr(addr), server.adj, map=server._map)
    server.accepting = False
    server.del_channel()
    server.socket.close()


def _all_answered(server) -> bool:
    """No connection has bytes not yet read, or a request being received, waiting, running
    or being sent."""
    return all(
        not channel.requests
        and channel.request is None
        and not channel.total_outbufs_len
        and not _unread(channel)
        for channel in list(server.active_channels.values())
    )


def _unread(channel) -> bool:
    """Whether the client has sent bytes that the server has not read yet."""
    try:
        return bool(channel.socket.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT))
    except (BlockingIOError, InterruptedError):
        return False
    except OSError:
        return False
