"""`bench/bench.py --compare REV`: the quick bench of commit REV and of this tree, side by side.

REV is checked out in a temporary git worktree (removed afterwards) and run with this tree's
Python environment. Both trees run in the same run, their turns alternating, so what the
shared machine does meanwhile falls on both alike: a warm process per tree renders the same
patients on the same dates (full render, first sheet of a new procedure date, reused sheet);
then cold CLI runs and batches alternate. Printed: medians of wall and CPU time per tree and
the ratio now / REV (below 1 is faster now).

The worker half (`--worker`) imports `generator` from whatever tree PYTHONPATH names; it must
not import anything of this tree.
"""

from __future__ import annotations

import csv
import gc
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve()
ROOT = HERE.parent.parent
TODAY = date(2026, 11, 23)
NAMES = ["Jane Doe", "José Álvarez", "Anne-Marie O'Brien", "Łukasz Nowak", "Zoë Park"]
BATCH_ROWS = 40
IN_PROCESS = ("full render", "first sheet of a new date", "reused sheet")


def worker() -> None:
    """Read 'way|name|offset' lines; render each; print its CPU and wall milliseconds."""
    try:
        from generator.content import patient  # the layout by role
    except ImportError:
        from generator import patient  # type: ignore[no-redef]  # before it
    from generator.project import Project

    project = Project()
    policies = [project.policy("microneedling")]

    def sheet(name: str, offset: int, full: bool):
        day = date.fromordinal(TODAY.toordinal() - 100 - offset).isoformat()
        who = patient.make(name, day, "Dr. Example")
        return project.maker.render(project.clinic, policies, who, TODAY, full=full)

    for i in range(3):
        sheet("Warm Up", 1000 + i, False)
        sheet("Warm Up", 1000 + i, True)
    print("ready", flush=True)
    for line in sys.stdin:
        way, name, offset = line.rstrip("\n").split("|")
        gc.collect()
        cpu, wall = time.process_time(), time.perf_counter()
        sheet(name, int(offset), way == "full render")
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        print(f"{cpu * 1000:.2f} {wall * 1000:.2f}", flush=True)


def _environment(tree: Path, state: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(tree), "AFTERCARE_STATE_DIR": str(state)}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed_run(args: list[str], tree: Path, state: Path) -> tuple[float, float]:
    """Wall and CPU milliseconds of one command run in `tree` (its children included)."""
    cpu, wall = _children_cpu(), time.perf_counter()
    subprocess.run(args, cwd=tree, env=_environment(tree, state), check=True, capture_output=True)
    return (time.perf_counter() - wall) * 1000, (_children_cpu() - cpu) * 1000


@contextmanager
def checked_out(rev: str):
    """REV in a temporary detached git worktree; its short commit and path."""
    short = subprocess.run(
        ["git", "rev-parse", "--short", f"{rev}^{{commit}}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    folder = Path(tempfile.mkdtemp(prefix=f"aftercare-bench-{short}-"))
    tree = folder / "tree"
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(tree), short],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    try:
        yield short, tree
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT)
        shutil.rmtree(folder, ignore_errors=True)


def _in_process(trees: dict[str, Path], state: Path, rounds: int) -> dict:
    """Per tree and way: (CPU ms, wall ms) samples from warm worker processes."""
    processes = {
        label: subprocess.Popen(
            [sys.executable, str(HERE), "--worker"],
            cwd=tree,
            env=_environment(tree, state / label),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for label, tree in trees.items()
    }
    samples: dict = {(label, way): [] for label in trees for way in IN_PROCESS}
    try:
        for process in processes.values():
            assert process.stdout is not None and process.stdout.readline().strip() == "ready"
        order = list(processes)
        for i in range(rounds):
            name = NAMES[i % len(NAMES)]
            for label in order[i % 2 :] + order[: i % 2]:  # who goes first alternates
                process = processes[label]
                assert process.stdin is not None and process.stdout is not None
                for way, offset in (
                    ("full render", i),
                    ("first sheet of a new date", 200 + i),  # a date neither made before
                    ("reused sheet", 1000),  # the warm-up's date: a kind already made
                ):
                    process.stdin.write(f"{way}|{name} {i}|{offset}\n")
                    process.stdin.flush()
                    cpu, wall = process.stdout.readline().split()
                    samples[label, way].append((float(cpu), float(wall)))
    finally:
        for process in processes.values():
            if process.stdin is not None:
                process.stdin.close()
            process.wait(60)
    return samples


def _write_csv(path: Path, rows: int, dates: int) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "policy", "date", "provider"])
        for i in range(rows):
            day = date.fromordinal(TODAY.toordinal() - i % dates).isoformat()
            writer.writerow([f"Bench Patient {i:04d}", "microneedling", day, "Dr. Example"])


def _commands(trees: dict[str, Path], state: Path, rounds: int) -> dict:
    """Per tree and command: (CPU ms, wall ms) samples, or sheets/s for batches."""
    python = sys.executable
    samples: dict = {}
    order = list(trees)
    for dates in (1, BATCH_ROWS):
        _write_csv(state / f"batch-{dates}.csv", BATCH_ROWS, dates)
    for i in range(rounds):
        for label in order[i % 2 :] + order[: i % 2]:
            tree, where = trees[label], state / label
            out = where / "cold.pdf"
            args = [python, "-m", "generator", "sheet", "microneedling", "--name", "Bench Cold"]
            args += ["--date", "2026-11-23", "--out", str(out)]
            wall, cpu = _timed_run(args, tree, where)
            samples.setdefault((label, "cold CLI, one sheet"), []).append((cpu, wall))
            if i >= 2:
                continue  # batches: two rounds
            for dates in (1, BATCH_ROWS):
                out = where / f"batch-{dates}"
                args = [python, "-m", "generator", "batch", str(state / f"batch-{dates}.csv")]
                wall, cpu = _timed_run([*args, "--out", str(out)], tree, where)
                shutil.rmtree(out, ignore_errors=True)
                way = f"batch of {BATCH_ROWS} on {dates} date{'s' if dates > 1 else ''}, per sheet"
                samples.setdefault((label, way), []).append((cpu / BATCH_ROWS, wall / BATCH_ROWS))
    return samples


def main(rev: str, rounds: int) -> None:
    """Run both trees side by side and print the table."""
    with checked_out(rev) as (short, tree), tempfile.TemporaryDirectory() as folder:
        state = Path(folder)
        trees = {short: tree, "now": ROOT}
        for label in trees:
            (state / label).mkdir()
        print(f"bench --compare {rev} ({short}): {os.cpu_count()} cores, {rounds} rounds\n")
        samples = _in_process(trees, state, rounds)
        samples.update(_commands(trees, state, min(rounds, 5)))
    ways = list(dict.fromkeys(way for _, way in samples))
    width = max(len(way) for way in ways)
    print(f"{'median, wall / CPU ms':<{width}}  {short:>17}  {'now':>17}  now/{short} (CPU)")
    for way in ways:
        then = [statistics.median(x) for x in zip(*samples[short, way], strict=True)]
        now = [statistics.median(x) for x in zip(*samples["now", way], strict=True)]
        print(
            f"{way:<{width}}  {then[1]:7.1f} / {then[0]:7.1f}  {now[1]:7.1f} / {now[0]:7.1f}"
            f"  {now[1] / then[1]:.2f}x ({now[0] / then[0]:.2f}x)"
        )


if __name__ == "__main__" and sys.argv[1:] == ["--worker"]:
    worker()
