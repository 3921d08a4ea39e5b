"""Rendering in worker processes, one per core by default; each keeps one warm renderer."""

from __future__ import annotations

import resource
import signal
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from generator.content.patient import Patient
from generator.errors import AftercareError, Problem
from generator.files import write_atomic
from generator.parallel import default_jobs
from generator.project import Project
from generator.record import issuing
from generator.record.register import Register
from generator.sheet.model import DEFAULT_OPTIONS, Options

_project: Project | None = None  # the worker's own Project, made once by _start


@dataclass(frozen=True)
class Outcome:
    """What one task did: the file written, or a one-line error; and the worker's peak RSS."""

    key: Any
    path: Path | None
    error: str | None
    missing_glyphs: int
    peak_rss_mib: float


@dataclass(frozen=True)
class Task:
    """One sheet (or blank handout, when `patient` is None) to render and write."""

    key: Any  # what the caller knows it by: a CSV line, a file name
    slugs: tuple[str, ...]  # the policy, or up to three done on the same day
    patient: Patient | None
    target: Path
    today: date
    options: Options = DEFAULT_OPTIONS
    mode: int = 0o600  # personal sheets are readable by their owner only
    register_url: str | None = None  # record the sheet there (its ID is in options.sheet_id)
    lang: str | None = None  # a translation's language; None: the policy's own


def _start(content_dir: Path, clinic_file: Path, policies: dict) -> None:
    global _project
    # SIGTERM ends a worker through SystemExit, so that a file being written is cleaned up.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what Ctrl+C stops
    _project = Project(content_dir, clinic_file)
    _project.preload(policies)  # the policies the parent validated, even if files change now
    _project.renderer  # noqa: B018 - warm up fonts and CSS before the first task


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _render_task(task: Task) -> Outcome:
    """Render one sheet or handout in this process, write it atomically, and record it when
    asked: a file stays only once its entry is in the register."""
    assert _project is not None, "run() or _start() sets the project first"
    try:
        result = _project.render(task.slugs, task.patient, task.today, task.options, task.lang)
        write_atomic(task.target, result.pdf, mode=task.mode)
        if task.register_url is not None:
            try:
                _record(task)
            except BaseException:  # also SIGTERM: no file without its entry
                task.target.unlink(missing_ok=True)
                raise
        return Outcome(task.key, task.target, None, result.missing_glyphs, _peak_rss_mib())
    except AftercareError as exc:
        message = "; ".join(str(p) for p in exc.problems)
        return Outcome(task.key, None, message, 0, _peak_rss_mib())
    except Exception as exc:  # one bad record must not stop the others
        message = f"internal error ({type(exc).__name__})"
        return Outcome(task.key, None, message, 0, _peak_rss_mib())


_registers: dict[str, Register] = {}  # this process's connection to each register


def _record(task: Task) -> None:
    assert _project is not None and task.patient is not None and task.register_url is not None
    register = _registers.get(task.register_url)
    if register is None:
        register = _registers[task.register_url] = Register(task.register_url)
    try:
        issuing.record(
            register,
            clinic=_project.clinic,
            policies=_project.policies_in(task.slugs, task.lang, task.options.draft, task.today),
            patient=task.patient,
            printed_on=task.today,
            options=task.options,
            channel="batch",
        )
    except sa.exc.SQLAlchemyError as exc:
        message = f"the register cannot be written: {type(exc).__name__}"
        raise AftercareError(Problem(message)) from None


def run(
    project,
    tasks: list[Task],
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[Outcome]:
    """Render every task, in this process for one job, else in a pool of worker processes."""
    global _project
    jobs = max(1, min(jobs or default_jobs(), len(tasks) or 1))
    total, done = len(tasks), 0
    if jobs == 1:
        _project = project
        outcomes: Iterable[Outcome] = map(_render_task, tasks)
        for outcome in outcomes:
            done += 1
            if progress:
                progress(done, total)
            yield outcome
        return
    import generator.render.pdf  # noqa: F401 - import WeasyPrint once, before the workers fork

    initargs = (project.content_dir, project.clinic.path, project.loaded_policies())
    pool = ProcessPoolExecutor(max_workers=jobs, initializer=_start, initargs=initargs)
    try:
        futures = [pool.submit(_render_task, task) for task in tasks]
        for future in as_completed(futures):
            done += 1
            if progress:
                progress(done, total)
            yield future.result()
    finally:
        # Interrupted or done: rows not started are dropped, rows being written finish whole.
        pool.shutdown(wait=True, cancel_futures=True)
