"""`--print [QUEUE]` for `sheet`, `batch` and `reprint`: each sheet written is also handed to a
CUPS queue (the one named, else clinic.toml's `[printing] queue`), in row order for a batch.

A sheet is printed only once it is written and recorded; a queue that is missing or stopped
is an error that names the file, which stays written."""

from __future__ import annotations

import sys
from pathlib import Path

from generator.content.printing import check_queue_name
from generator.errors import AftercareError, Problem, display_path
from generator.web import printing


def queue(args, clinic) -> str | None:
    """The queue to print on, or None without --print. `clinic` is the loaded profile, or a
    callable that loads it (reprint needs it only here)."""
    chosen = getattr(args, "print_queue", None)
    if chosen is None:
        return None
    if chosen:
        return check_queue_name(chosen, "--print")
    profile = clinic() if callable(clinic) else clinic
    if profile.printing.queue is None:
        raise AftercareError(
            Problem(
                "names no queue: give one (--print FrontDesk) or set [printing] queue in "
                "clinic.toml",
                field="--print",
            )
        )
    return profile.printing.queue


def send(path: Path, queue: str, title: str) -> printing.Job:
    """Print one written sheet; says "Printing on Q (job N)". PrintFailed names the file."""
    try:
        job = printing.submit(path.read_bytes(), queue, title)
    except printing.PrintFailed as exc:
        reason = exc.problems[0].message
        raise printing.PrintFailed(
            Problem(f"not printed: {reason}; the sheet is written: {display_path(path)}")
        ) from None
    print(f"Printing on {job.queue} (job {job.job_id})", file=sys.stderr)
    return job


def send_batch(rows: list[tuple[int, Path, str]], queue: str) -> int:
    """Print a batch's sheets in row order ((row, file, title) each); the number that failed,
    each reported with its file (the queue stopping part-way stops the rest)."""
    for index, (_row, path, title) in enumerate(sorted(rows)):
        try:
            send(path, queue, title)
        except printing.PrintFailed as exc:
            print(f"aftercare: error: {exc.problems[0]}", file=sys.stderr)
            left = len(rows) - index - 1
            if left:
                print(
                    f"aftercare: error: {left} more sheet(s) not printed; they are written",
                    file=sys.stderr,
                )
            return left + 1
    return 0
