"""Rendering in worker processes, one per core by default; each keeps one warm renderer.

Rows are made kind by kind (`plan`): a personal sheet is made from its kind's base, and a
base for a new date from a sibling's layout (render/reuse.py, render/dates.py), both kept per
process, so rows of one kind (policies, language, options, procedure date) are made together
and each worker takes a few of them at once, not every other row of the file. Workers are
forked from this process once it has a warm renderer and has made the first row's kind (when
it can fork): they start with fonts, styles and that layout, instead of making them each.
"""

from __future__ import annotations

import contextlib
import multiprocessing
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
from generator.parallel import batch_ids, default_jobs
from generator.project import Project
from generator.record import issuing
from generator.record.register import Register
from generator.sheet.model import DEFAULT_OPTIONS, Options

_project: Project | None = None  # the worker's Project: its parent's (forked), or made by _start
_stop: Any = None  # a worker starts no new row once it is set (an interrupted batch)
CHUNK = 16  # the most rows of one kind a worker takes at once


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
    ids_file: Path | None = None  # a batch's sheet-ids.csv: the sheet's line, once recorded


def _kind(task: Task) -> tuple:
    """What a sheet's base and layout depend on besides the patient's name and provider."""
    patient = task.patient
    return (
        task.options.key(),
        task.today,
        task.slugs,
        task.lang or "",
        patient is not None and patient.provider is not None,
        patient.procedure_date if patient is not None else date.min,
    )


def plan(tasks: list[Task], jobs: int) -> list[list[Task]]:
    """The tasks in the order they are made, in the chunks a worker takes at once: kind by
    kind (dates in order), each kind cut into chunks of at most CHUNK rows and about a
    quarter of a worker's share, so that the workers finish together."""
    ordered = sorted(tasks, key=_kind)  # stable: rows of one kind stay in file order
    most = max(1, min(CHUNK, -(-len(tasks) // (jobs * 4))))
    chunks: list[list[Task]] = []
    start = 0
    while start < len(ordered):
        end = start + 1
        while end < len(ordered) and _kind(ordered[end]) == _kind(ordered[start]):
            end += 1
        count = -(-(end - start) // most)  # chunks for this kind, as even as can be
        for i in range(count):
            chunks.append(
                ordered[
                    start + (end - start) * i // count : start + (end - start) * (i + 1) // count
                ]
            )
        start = end
    return chunks


def _start(stop: Any, content_dir: Path, clinic_file: Path, policies: dict | None) -> None:
    """A worker's start: a forked one has its parent's warm Project already (`policies`
    None); a spawned one makes its own, with the policies the parent validated."""
    global _project, _stop
    # SIGTERM ends a worker through SystemExit, so that a file being written is cleaned up.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what Ctrl+C stops
    _stop = stop
    _registers.clear()  # connections are this process's own, never its parent's
    if policies is not None:
        _project = Project(content_dir, clinic_file)
        _project.preload(policies)  # the policies the parent validated, even if files change
    assert _project is not None
    _project.renderer  # noqa: B018 - warm up fonts and CSS before the first task


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _render_chunk(chunk: list[Task]) -> list[Outcome]:
    """Make the rows of one chunk in turn; none is started once the batch is stopped."""
    outcomes = []
    for task in chunk:
        if _stop is not None and _stop.is_set():
            break
        outcomes.append(_render_task(task))
    return outcomes


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
            if task.ids_file is not None and task.options.sheet_id:
                batch_ids.append(task.ids_file, task.key, task.target, task.options.sheet_id)
        return Outcome(task.key, task.target, None, result.missing_glyphs, _peak_rss_mib())
    except AftercareError as exc:
        message = "; ".join(_without_target(p, task) for p in exc.problems)
        return Outcome(task.key, None, message, 0, _peak_rss_mib())
    except Exception as exc:  # one bad record must not stop the others
        message = f"internal error ({type(exc).__name__})"
        return Outcome(task.key, None, message, 0, _peak_rss_mib())


def _without_target(problem: Problem, task: Task) -> str:
    """A problem writing a personal sheet names its folder, not its file (named after the
    patient): messages name rows by number only."""
    if task.patient is None or problem.file is None or Path(problem.file) != task.target:
        return str(problem)
    return str(
        Problem(f"{problem.message} (the row's sheet)", task.target.parent, field=problem.field)
    )


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


def _prime(project, task: Task) -> None:
    """Before the workers fork: a warm renderer and, for a personal sheet, the first row's
    sheet made here and dropped (nothing is written or recorded), so that every worker starts
    with that kind's layout and base instead of making them itself. A row that fails here
    fails in its worker too, which reports it."""
    project.renderer  # noqa: B018 - fonts and CSS, loaded once for every worker
    if task.patient is None:
        return
    with contextlib.suppress(Exception):
        project.render(task.slugs, task.patient, task.today, task.options, task.lang)


def run(
    project,
    tasks: list[Task],
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[Outcome]:
    """Render every task, kind by kind (`plan`): in this process for one job, else in a pool
    of worker processes, each taking a chunk of rows of one kind at a time."""
    global _project
    jobs = max(1, min(jobs or default_jobs(), len(tasks) or 1))
    chunks = plan(tasks, jobs)
    total, done = len(tasks), 0
    if jobs == 1:
        _project = project
        outcomes: Iterable[Outcome] = map(_render_task, (t for chunk in chunks for t in chunk))
        for outcome in outcomes:
            done += 1
            if progress:
                progress(done, total)
            yield outcome
        return
    import generator.render.pdf  # noqa: F401 - import WeasyPrint once, before the workers fork

    # Forked workers share this process's warm project, and the policies it validated; where
    # fork is not the way (macOS), spawned workers make their own from those policies.
    forking = sys.platform == "linux"
    context = multiprocessing.get_context("fork" if forking else "spawn")
    stop = context.Event()
    if forking:
        _project = project
        _prime(project, chunks[0][0])
    policies = None if forking else project.loaded_policies()
    initargs = (stop, project.content_dir, project.clinic.path, policies)
    pool = ProcessPoolExecutor(
        max_workers=jobs, mp_context=context, initializer=_start, initargs=initargs
    )
    try:
        futures = [pool.submit(_render_chunk, chunk) for chunk in chunks]
        for future in as_completed(futures):
            for outcome in future.result():
                done += 1
                if progress:
                    progress(done, total)
                yield outcome
    finally:
        # Interrupted or done: rows not started are dropped, rows being written finish whole.
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
