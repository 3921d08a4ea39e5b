"""A bounded pool of warm render processes for the desk: a render past its time limit is
killed and its worker replaced, so one stuck sheet never stops the server."""

from __future__ import annotations

import multiprocessing
import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .errors import AftercareError, Problem

# Workers are started with "spawn": the server has threads, and forking a threaded process
# can copy a lock in its locked state.
_CONTEXT = multiprocessing.get_context("spawn")


class Busy(Exception):
    """Every worker stayed busy for the whole time limit."""


class RenderTimeout(Exception):
    """A render passed its time limit; its worker was killed and replaced."""


@dataclass
class Rendered:
    """A finished PDF."""

    pdf: bytes
    pages: int


def _serve(conn, content_dir: str, clinic_file: str) -> None:
    """Worker loop: one warm Project; render each task that arrives on the pipe."""
    from .build import Project

    project = Project(Path(content_dir), Path(clinic_file))
    for slug in project.policy_slugs()[:1]:
        project.render(slug, None)  # warm: fonts, CSS, templates and first layout
    conn.send(("ready", None))
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        slug, patient, today, options = task
        try:
            result = project.render(slug, patient, today, options)
            conn.send(("ok", (result.pdf, result.pages)))
        except AftercareError as exc:
            conn.send(("error", exc.problems))
        except Exception as exc:  # report the kind of failure, never the data
            conn.send(("crash", type(exc).__name__))


class _Worker:
    def __init__(self, content_dir: Path, clinic_file: Path):
        self.conn, child = _CONTEXT.Pipe()
        self.process = _CONTEXT.Process(
            target=_serve, args=(child, str(content_dir), str(clinic_file)), daemon=True
        )
        self.process.start()
        child.close()
        self.ready = False

    def wait_ready(self, timeout: float) -> None:
        if not self.ready:
            if not self.conn.poll(timeout):
                raise RenderTimeout("worker did not start in time")
            self.conn.recv()
            self.ready = True

    def stop(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.conn.close()


class RenderPool:
    """`size` worker processes; `render` waits at most `timeout` seconds in all."""

    def __init__(
        self,
        content_dir: Path,
        clinic_file: Path,
        size: int = 2,
        timeout: float = 20.0,
        start_timeout: float = 60.0,
    ):
        self.content_dir, self.clinic_file = Path(content_dir), Path(clinic_file)
        self.timeout, self.start_timeout = timeout, start_timeout
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._workers = [_Worker(self.content_dir, self.clinic_file) for _ in range(size)]
        for worker in self._workers:
            worker.wait_ready(start_timeout)
            self._idle.put(worker)

    @property
    def pids(self) -> list[int]:
        """Process ids of the current workers."""
        with self._lock:
            return [w.process.pid for w in self._workers]

    def render(self, slug: str, patient, today, options) -> Rendered:
        """Render one sheet in a worker; raises Busy, RenderTimeout or AftercareError."""
        deadline = time.monotonic() + self.timeout
        try:
            worker = self._idle.get(timeout=self.timeout)
        except queue.Empty:
            raise Busy("every renderer is busy") from None
        try:
            worker.wait_ready(self.start_timeout)  # a replacement may still be starting
            worker.conn.send((slug, patient, today, options))
            if not worker.conn.poll(max(0.0, deadline - time.monotonic())):
                worker = self._replace(worker)
                raise RenderTimeout("the render passed its time limit")
            status, payload = worker.conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            worker = self._replace(worker)
            raise RenderTimeout("the renderer stopped unexpectedly") from None
        finally:
            self._idle.put(worker)
        if status == "ok":
            return Rendered(*payload)
        if status == "error":
            raise AftercareError(*payload)
        raise AftercareError(Problem(f"internal error while rendering ({payload})"))

    def _replace(self, worker: _Worker) -> _Worker:
        worker.stop()
        fresh = _Worker(self.content_dir, self.clinic_file)
        with self._lock:
            self._workers[self._workers.index(worker)] = fresh
        return fresh

    def close(self) -> None:
        """Stop every worker."""
        with self._lock:
            for worker in self._workers:
                worker.stop()
