"""A bounded pool of warm render processes for the desk.

Three limits keep one bad moment from becoming an outage: waiting for a free worker has its
own limit (`queue_timeout`, then `Busy`); the render itself has `timeout` (then the worker is
killed and replaced, `RenderTimeout`); a worker that dies is replaced and the request is tried
once more on another worker, so a single crash costs no request. Workers only join the idle
queue once they have said they are ready; one that never does is replaced. A watcher thread
replaces idle workers that died, so an idle desk is whole again (and says so on /healthz)
without waiting for a request to meet a dead one.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import queue
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from generator.errors import AftercareError, Problem
from generator.render.maker import SheetMaker
from generator.render.preview import first_page_png
from generator.sheet.model import as_policies

# Workers are started with "spawn": the server has threads, and forking a threaded process
# can copy a lock in its locked state.
_CONTEXT = multiprocessing.get_context("spawn")
_RESTART_PAUSES = (0.0, 1.0, 2.0, 5.0, 10.0, 30.0)  # after consecutive failed starts
_WATCH_EVERY = 0.5  # seconds between looks for idle workers that died
_STEADY_AFTER = 60.0  # seconds with every worker alive after the last loss: no longer dying


class Busy(Exception):
    """No worker became free within the queue time limit."""


class RenderTimeout(Exception):
    """A render passed its time limit; its worker was killed and replaced."""


class RenderFailed(Exception):
    """The render failed inside the worker (a bug), or it killed two workers in a row."""


class _WorkerDied(Exception):
    """The worker process went away while it had our task."""


@dataclass
class Rendered:
    """A finished PDF."""

    pdf: bytes
    pages: int
    preview_png: bytes | None = None  # page 1, when asked for


def _serve(conn, content_dir: str, warmup) -> None:
    """Worker loop: a warm SheetMaker; render each task that arrives on the pipe.

    The worker reads no content: each task carries the clinic and the policies (a tuple) to
    render, so it always prints what the desk decided to serve, whatever happens to the files
    meanwhile.
    """
    # The desk decides when workers stop (it kills them after draining): a SIGTERM to the
    # whole process group (systemd, Ctrl+C) must not end renders in flight.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    maker = SheetMaker(Path(content_dir))
    if warmup is not None:
        # Warm up fonts, CSS, templates and a first layout.
        with contextlib.suppress(Exception):
            maker.render(warmup[0], warmup[1], None)
    conn.send(("ready", None))
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        *render_args, assets, preview = task
        try:
            result = maker.render(*render_args, assets=None if assets is None else Path(assets))
            png = first_page_png(result.pdf) if preview else None
            conn.send(("ok", (result.pdf, result.pages, png)))
        except AftercareError as exc:
            conn.send(("error", exc.problems))
        except Exception as exc:  # report the kind of failure, never the data
            conn.send(("crash", type(exc).__name__))


class _Worker:
    def __init__(self, content_dir: Path, warmup):
        self.conn, child = _CONTEXT.Pipe()
        self.process = _CONTEXT.Process(
            target=_serve, args=(child, str(content_dir), warmup), daemon=True
        )
        self.process.start()
        child.close()
        self.ready = False

    def wait_ready(self, timeout: float) -> bool:
        """Whether the worker said it is ready within `timeout` seconds."""
        try:
            return self.conn.poll(timeout) and self.conn.recv()[0] == "ready"
        except (EOFError, OSError):
            return False

    def alive(self) -> bool:
        return self.process.is_alive()

    def run(self, task: tuple, timeout: float) -> tuple[str, object]:
        """Send one task and wait at most `timeout` seconds for its answer."""
        try:
            self.conn.send(task)
            if not self.conn.poll(timeout):
                raise RenderTimeout("the render passed its time limit")
            return self.conn.recv()
        except (EOFError, OSError):
            raise _WorkerDied from None

    def stop(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.conn.close()


class RenderPool:
    """`size` warm worker processes shared by the desk's request threads."""

    def __init__(
        self,
        content_dir: Path,
        size: int = 2,
        timeout: float = 20.0,
        queue_timeout: float = 30.0,
        start_timeout: float = 60.0,
        warmup: Callable[[], tuple | None] | None = None,
    ):
        """`warmup` gives (clinic, policy) for a new worker's first, unused render."""
        self.content_dir = Path(content_dir)
        self.warmup = warmup or (lambda: None)
        self.size, self.timeout, self.queue_timeout = size, timeout, queue_timeout
        self.start_timeout = start_timeout
        self.replacements = 0  # workers replaced since start (crashed, stuck or never ready)
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._workers: list[_Worker] = []
        self._failed_starts = 0
        self._dying = 0  # workers lost in a row (crashed, stuck, never ready), since one answered
        self._ready_since_loss = True  # a worker became ready after the last one was lost
        self._last_loss = 0.0  # time.monotonic() of the last worker lost
        self._closed = False
        self._stopped = threading.Event()
        for _ in range(size):
            self._start_worker()
        self._wait_until_ready()
        threading.Thread(target=self._watch_idle, daemon=True).start()

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while self._idle.qsize() < self.size and time.monotonic() < deadline:
            time.sleep(0.02)
        if self._idle.qsize() == 0:
            self.close()
            raise AftercareError(
                Problem(f"no renderer started within {self.start_timeout:.0f} s; see the log above")
            )

    @property
    def pids(self) -> list[int]:
        """Process ids of the current workers."""
        with self._lock:
            return [w.process.pid for w in self._workers if w.process.pid is not None]

    def busy_pids(self) -> list[int]:
        """Process ids of the ready workers that are rendering now (not waiting for work)."""
        idle = {id(worker) for worker in list(self._idle.queue)}
        with self._lock:
            return [
                w.process.pid
                for w in self._workers
                if w.ready and id(w) not in idle and w.process.pid is not None
            ]

    def ready_count(self) -> int:
        """Workers that said they are ready and are alive."""
        with self._lock:
            return sum(1 for w in self._workers if w.ready and w.alive())

    def render(
        self, clinic, policies, patient, today, options, preview=False, assets=None
    ) -> Rendered:
        """Render one sheet in a worker: of one policy, or of a sequence of up to three done
        on the same visit (one task, one round trip to the worker, whatever their number);
        with page 1 as a PNG if `preview`; `assets` is a folder the sheet may also fetch from
        (a reprint's archived clinic profile and logo).

        Raises Busy (no worker free in time), RenderTimeout (the render itself took too long),
        RenderFailed (an internal error) or AftercareError (bad input).
        """
        folder = None if assets is None else str(assets)
        task = (clinic, as_policies(policies), patient, today, options, folder, preview)
        queue_deadline = time.monotonic() + self.queue_timeout
        for attempt in (1, 2):
            worker = self._take(queue_deadline)
            try:
                status, payload = worker.run(task, self.timeout)
            except RenderTimeout:
                self._finish_late(worker)  # the request gives up; the worker is not killed
                raise
            except _WorkerDied:
                self._retire(worker)
                if attempt == 2:
                    raise RenderFailed("the renderer stopped twice on this sheet") from None
                queue_deadline = time.monotonic() + self.queue_timeout  # a fair second wait
                continue
            except BaseException:  # anything else: this worker's state is unknown
                self._retire(worker)
                raise
            self._dying = 0  # a worker answered: the pool is healthy again
            self._idle.put(worker)
            if status == "ok":
                return Rendered(*payload)  # type: ignore[misc]
            if status == "error":
                raise AftercareError(*payload)  # type: ignore[misc]
            raise RenderFailed(f"internal error while rendering ({payload})")
        raise AssertionError("unreachable")

    def _finish_late(self, worker: _Worker) -> None:
        """A render past the time limit: the caller got RenderTimeout, and the worker may
        finish in the background (a new worker's first renders are slow: it is never killed
        for its own warm-up). One still silent after `start_timeout` is stuck: replaced."""

        def wait() -> None:
            try:
                answered = worker.conn.poll(self.start_timeout)
                if answered:
                    worker.conn.recv()  # the late answer nobody waits for
            except (EOFError, OSError):
                answered = False
            if answered and worker.alive():
                self._idle.put(worker)
            else:
                self._retire(worker)

        threading.Thread(target=wait, daemon=True).start()

    def failing(self) -> bool:
        """Whether workers keep dying (each replacement backs off longer) and none has
        become ready since the last was lost: not healthy."""
        return self._dying >= max(2, self.size) and not self._ready_since_loss

    def _watch_idle(self) -> None:
        """Until the pool closes: retire the idle workers that died (their replacements start
        with the usual back-off), and forget old losses once every worker has stayed up."""
        while not self._stopped.wait(_WATCH_EVERY):
            self.reap()

    def reap(self) -> int:
        """Retire the idle workers that are no longer alive; how many there were."""
        with self._idle.mutex:  # taken out of the queue here, so no request can take them
            dead = [w for w in self._idle.queue if not w.alive()]
            for worker in dead:
                self._idle.queue.remove(worker)
        for worker in dead:
            self._retire(worker)
        with self._lock:
            steady = (
                self._dying
                and not dead
                and time.monotonic() - self._last_loss > _STEADY_AFTER
                and len(self._workers) == self.size
                and all(w.ready and w.alive() for w in self._workers)
            )
            if steady:
                self._dying = 0
        return len(dead)

    def _take(self, deadline: float) -> _Worker:
        """An idle, live worker; dead ones met on the way are replaced."""
        while True:
            try:
                worker = self._idle.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise Busy("every renderer stayed busy") from None
            if worker.alive():
                return worker
            self._retire(worker)

    def _start_worker(self) -> None:
        """Start a worker; a thread waits for it to be ready, or replaces it."""
        worker = _Worker(self.content_dir, self.warmup())
        with self._lock:
            self._workers.append(worker)
        threading.Thread(target=self._watch_start, args=(worker,), daemon=True).start()

    def _watch_start(self, worker: _Worker) -> None:
        if worker.wait_ready(self.start_timeout):
            worker.ready = True
            self._failed_starts = 0
            self._ready_since_loss = True
            self._idle.put(worker)
            return
        self._failed_starts += 1
        pause = _RESTART_PAUSES[min(self._failed_starts, len(_RESTART_PAUSES) - 1)]
        time.sleep(pause)
        self._retire(worker)

    def _retire(self, worker: _Worker) -> None:
        """Kill a worker and start its replacement (unless the pool is closing); when workers
        keep dying, each replacement waits longer (_RESTART_PAUSES) instead of spinning."""
        worker.stop()
        with self._lock:
            if worker not in self._workers:
                return
            self._workers.remove(worker)
            if self._closed:
                return
            self.replacements += 1
            self._dying += 1
            self._ready_since_loss = False
            self._last_loss = time.monotonic()
            pause = _RESTART_PAUSES[min(self._dying - 1, len(_RESTART_PAUSES) - 1)]
        if pause:
            threading.Thread(target=self._start_later, args=(pause,), daemon=True).start()
        else:
            self._start_worker()

    def _start_later(self, pause: float) -> None:
        time.sleep(pause)
        if not self._closed:
            self._start_worker()

    def close(self) -> None:
        """Stop every worker; nothing is restarted after this."""
        self._stopped.set()
        with self._lock:
            self._closed = True
            workers = list(self._workers)
        for worker in workers:
            worker.stop()
