"""The first sheet of a kind and the full render now, against the full render of an earlier
commit, side by side: one warm process each, fed the same patients and dates in turn.

    git worktree add /tmp/before 01e6241
    .venv/bin/python bench/against.py /tmp/before [rounds]
"""

from __future__ import annotations

import gc
import os
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
TODAY = date(2026, 11, 23)


def worker(full: bool) -> None:
    """Read 'name|offset' lines; render each; print its CPU and wall milliseconds."""
    from generator.content import patient
    from generator.project import Project

    project = Project()
    policies = [project.policy("microneedling")]

    def sheet(name: str, offset: int):
        day = date.fromordinal(TODAY.toordinal() - 100 - offset).isoformat()
        who = patient.make(name, day, "Dr. Example")
        return project.maker.render(project.clinic, policies, who, TODAY, full=full)

    for i in range(3):
        sheet("Warm Up", 1000 + i)
    print("ready", flush=True)
    for line in sys.stdin:
        name, offset = line.rstrip("\n").split("|")
        gc.collect()
        cpu, wall = time.process_time(), time.perf_counter()
        sheet(name, int(offset))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        print(f"{cpu * 1000:.1f} {wall * 1000:.1f}", flush=True)


def main(before: Path, rounds: int) -> None:
    sys.path.insert(0, str(HERE / "bench"))
    from bench import FIRST_NAMES as NAMES  # the patients of bench.py's first sheets of a kind

    def start(root: Path, way: str) -> subprocess.Popen:
        env = {**os.environ, "PYTHONPATH": str(root)}
        return subprocess.Popen(
            [sys.executable, __file__, "--worker", way],
            cwd=root,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    processes = {
        f"before: full render ({before.name})": start(before, "full"),
        "now: full render": start(HERE, "full"),
        "now: first sheet of a kind": start(HERE, "first"),
    }
    for process in processes.values():
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    cpu: dict[str, list[float]] = {label: [] for label in processes}
    wall: dict[str, list[float]] = {label: [] for label in processes}
    order = list(processes)
    for i in range(rounds):
        for label in order[i % 3 :] + order[: i % 3]:  # who goes first rotates
            process = processes[label]
            assert process.stdin is not None and process.stdout is not None
            process.stdin.write(f"{NAMES[i % len(NAMES)]}|{i}\n")
            process.stdin.flush()
            c, w = process.stdout.readline().split()
            cpu[label].append(float(c))
            wall[label].append(float(w))
    first = statistics.median(cpu[order[0]])
    for label in order:
        c, w = statistics.median(cpu[label]), statistics.median(wall[label])
        print(f"{label:36} median of {rounds}: {w:5.0f} ms, {c:5.0f} ms CPU ({c / first:.2f}x)")
    for process in processes.values():
        assert process.stdin is not None
        process.stdin.close()
        process.wait()


if __name__ == "__main__":
    if sys.argv[1] == "--worker":
        worker(sys.argv[2] == "full")
    else:
        main(Path(sys.argv[1]).resolve(), int(sys.argv[2]) if len(sys.argv) > 2 else 15)
