"""Printing a sheet on the clinic's CUPS queue: submitting with `lp`, and what became of a job.

A sheet goes to CUPS at its own paper size (media=Letter or A4), never scaled to fit
(print-scaling=none, fit-to-page off), on both sides when the queue can. The job's title is
the download name (procedure, date, sheet ID): CUPS logs titles, so never the patient's name.
A queue that is missing, stopped or not accepting jobs is reported before anything is sent.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
from collections import OrderedDict
from dataclasses import dataclass

from generator.errors import AftercareError, Problem
from generator.web import ipp

MEDIA = {"letter": "Letter", "a4": "A4"}
JOB_STATES = {3: "pending", 4: "pending", 5: "printing", 6: "stopped", 7: "canceled",
              8: "stopped", 9: "done"}  # fmt: skip
PRINTER_STOPPED = 5
LP_TIMEOUT = 30.0  # seconds for `lp` to hand a sheet to CUPS


class PrintFailed(AftercareError):
    """The sheet could not be handed to the queue; the message says why, for staff."""


@dataclass(frozen=True)
class Job:
    """A sheet handed to CUPS."""

    queue: str
    job_id: int


@dataclass(frozen=True)
class JobState:
    """What became of a job: pending, printing, done, stopped (with CUPS's reason) or
    canceled; `unknown` when CUPS cannot be asked."""

    state: str
    reason: str = ""


def ready(queue: str) -> dict:
    """The queue's attributes; PrintFailed when it is missing, stopped or refusing jobs."""
    try:
        found = ipp.printer(
            queue,
            [
                "printer-state",
                "printer-state-message",
                "printer-state-reasons",
                "printer-is-accepting-jobs",
                "sides-supported",
            ],
        )
    except ipp.IppError as exc:
        raise PrintFailed(Problem(f"the print server cannot be reached ({exc})")) from None
    if found["status"] == 0x0406:
        raise PrintFailed(Problem(f"there is no print queue {queue} on the print server"))
    if found["status"] >= 0x0400:
        message = found.get("status-message") or f"IPP status {found['status']:#06x}"
        raise PrintFailed(Problem(f"the print server refused to describe {queue}: {message}"))
    if found.get("printer-state") == PRINTER_STOPPED:
        reason = _reason(found.get("printer-state-message"), found.get("printer-state-reasons"))
        raise PrintFailed(Problem(f"the printer {queue} is stopped{reason}"))
    if found.get("printer-is-accepting-jobs") is False:
        raise PrintFailed(Problem(f"the printer {queue} is not accepting jobs"))
    return found


def _reason(message: object, reasons: object) -> str:
    if isinstance(message, str) and message.strip():
        return f": {message.strip()}"
    listed = reasons if isinstance(reasons, list) else [reasons]
    shown = [str(r) for r in listed if r and r not in ("none", "paused")]
    return f" ({', '.join(shown)})" if shown else ""


def paper_of(pdf: bytes) -> str:
    """The paper a sheet was made for, from its first page's size: "letter" or "a4"."""
    found = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)", pdf)
    return "a4" if found and abs(float(found[1]) - 595.3) < 2 else "letter"


def submit(pdf: bytes, queue: str, title: str) -> Job:
    """Hand one PDF to `queue` with `lp`, on its own paper (Letter or A4), unscaled, both
    sides when the queue offers it; the job. PrintFailed says why not."""
    found = ready(queue)
    paper = paper_of(pdf)
    sides = found.get("sides-supported") or []
    sides = sides if isinstance(sides, list) else [sides]
    options = [f"media={MEDIA.get(paper, 'Letter')}", "print-scaling=none", "fit-to-page=false"]
    if "two-sided-long-edge" in sides:
        options.append("sides=two-sided-long-edge")
    lp = shutil.which("lp")
    if lp is None:
        raise PrintFailed(Problem("`lp` is not installed (Debian: cups-client)"))
    command = [lp, "-d", queue, "-t", title]
    for option in options:
        command += ["-o", option]
    try:
        done = subprocess.run(
            command, input=pdf, capture_output=True, timeout=LP_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        raise PrintFailed(Problem("the print server did not answer in time")) from None
    output = done.stdout.decode(errors="replace")
    found_id = re.search(rf"request id is {re.escape(queue)}-(\d+)", output)
    if done.returncode != 0 or not found_id:
        error = done.stderr.decode(errors="replace").strip().removeprefix("lp: ")
        raise PrintFailed(Problem(f"{queue} did not take the sheet: {error or output}"))
    return Job(queue, int(found_id[1]))


def state(job: Job) -> JobState:
    """The job's state now; a pending job on a stopped printer is stopped, with its reason."""
    try:
        found = ipp.job(
            job.queue, job.job_id, ["job-state", "job-state-reasons", "job-printer-state-message"]
        )
        if found.get("job-state") in (3, 4, 6):
            printer = ipp.printer(
                job.queue, ["printer-state", "printer-state-message", "printer-state-reasons"]
            )
            if printer.get("printer-state") == PRINTER_STOPPED:
                why = _reason(
                    printer.get("printer-state-message"), printer.get("printer-state-reasons")
                )
                return JobState("stopped", f"the printer is stopped{why}")
    except ipp.IppError:
        return JobState("unknown", "the print server cannot be reached")
    name = JOB_STATES.get(found.get("job-state") or 0, "unknown")
    message = found.get("job-printer-state-message")
    reason = message.strip() if isinstance(message, str) else ""
    return JobState(name, reason if name in ("stopped", "canceled") else "")


class PrintLog:
    """Which result or request has been printed, and as which job: a retry of the same one
    (a form sent twice, an API call repeated with its Idempotency-Key) prints nothing more.
    In memory, bounded; "Print again" is asked for on purpose and is not a retry."""

    def __init__(self, max_items: int = 2_000):
        self.max_items = max_items
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._busy: dict[str, threading.Lock] = {}

    def once(self, key: str, send) -> tuple[Job, bool]:
        """The job printed for `key`, printing it with `send()` only the first time; and
        whether this call printed it."""
        with self._lock:
            lock = self._busy.setdefault(key, threading.Lock())
        with lock:  # two copies of one request at once: the second waits, then finds the job
            with self._lock:
                if key in self._jobs:
                    return self._jobs[key], False
            job = send()
            with self._lock:
                self._jobs[key] = job
                self._busy.pop(key, None)
                while len(self._jobs) > self.max_items:
                    self._jobs.popitem(last=False)
            return job, True

    def get(self, key: str) -> Job | None:
        """The last job printed for `key`, if any."""
        with self._lock:
            return self._jobs.get(key)

    def record(self, key: str, job: Job) -> None:
        """Remember `job` as the latest for `key` (Print again)."""
        with self._lock:
            self._jobs[key] = job
            self._jobs.move_to_end(key)
