"""`make mutate`: mutation testing (Cosmic Ray) of the safety-critical modules against the fast
tier, bounded in time.

Each group is a module (or two) and the fast-tier test files that exercise it. The worktree
is copied to a temporary folder (Cosmic Ray edits the files it mutates), Cosmic Ray lists
every mutant, and a random sample of SAMPLE per group (seeded: the same sample each run) is
run, each mutant against its group's tests with `-x` and a time limit. The score is the share
of sampled mutants killed; survivors are listed with their diff, to kill or explain.

    python3 scripts/mutate.py [--sample N] [--seed S] [--timeout SECONDS] [GROUP...]
"""

from __future__ import annotations

import argparse
import ast
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTEST = (
    "python -m pytest -q -x -p no:schemathesis -p no:cacheprovider -m 'not browser and not load'"
)
# Safety-critical modules and the fast-tier tests that exercise them.
GROUPS = {
    "register": (
        ["generator/record/register.py", "generator/record/issuing.py"],
        "tests/test_register.py tests/test_register_care.py tests/test_mutants.py",
    ),
    "patient": (
        ["generator/content/patient.py"],
        "tests/test_properties.py tests/test_openapi.py tests/test_api_holes.py "
        "tests/test_mutants.py tests/test_sheet.py",
    ),
    "access": (
        ["generator/web/access.py"],
        "tests/test_access.py tests/test_web.py tests/test_hostile.py tests/test_mutants.py "
        "tests/test_api_holes.py",
    ),
    "desk": (
        ["generator/web/desk.py", "generator/web/reprint.py", "generator/web/messages.py"],
        "tests/test_checkout.py tests/test_web.py tests/test_mutants.py",
    ),
    "reuse": (["generator/render/reuse.py"], "tests/test_reuse.py tests/test_mutants.py"),
    "languages": (
        ["generator/content/translations.py"],
        "tests/test_languages.py tests/test_review.py tests/test_lifecycle.py",
    ),
    "schedule": (["generator/sheet/schedule.py"], "tests/test_schedule.py tests/test_sheet.py"),
}


def copy_tree(target: Path) -> None:
    """The worktree without its venv, outputs and caches."""
    ignore = shutil.ignore_patterns(
        ".venv", ".git", "output", "var", "node_modules", "__pycache__", ".mypy_cache",
        ".ruff_cache", ".pytest_cache", ".hypothesis", "mutants",
    )  # fmt: skip
    shutil.copytree(ROOT, target, ignore=ignore, symlinks=True)
    (target / "node_modules").symlink_to(ROOT / "node_modules")


def config(modules: list[str], tests: str, timeout: float, python: str) -> str:
    command = PYTEST.replace("python", python) + " " + tests
    listed = ", ".join(f'"{m}"' for m in modules)
    return (
        "[cosmic-ray]\n"
        f"module-path = [{listed}]\n"
        f"timeout = {timeout}\n"
        "excluded-modules = []\n"
        f'test-command = "{command}"\n'
        "[cosmic-ray.distributor]\n"
        'name = "local"\n'
    )


def annotations(path: Path) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """The (start, end) positions of every type annotation in a module: with `from
    __future__ import annotations` they are never evaluated, so a mutant there is
    equivalent by construction (`int | None` -> `int // None`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        notes = []
        if isinstance(node, ast.arg | ast.AnnAssign) and node.annotation is not None:
            notes.append(node.annotation)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.returns:
            notes.append(node.returns)
        for note in notes:
            end = (note.end_lineno or note.lineno, note.end_col_offset or 0)
            found.append(((note.lineno, note.col_offset), end))
    return found


def in_annotation(item, tree: Path) -> bool:
    """Whether every mutation of a work item lies inside a type annotation."""
    spans = annotations(tree / item.mutations[0].module_path)
    return all(
        any(start <= tuple(m.start_pos) < end for start, end in spans) for m in item.mutations
    )


def sample(session: Path, count: int, seed: int, tree: Path) -> tuple[int, int]:
    """Keep `count` random pending mutants outside type annotations; mark the others
    skipped. (The number kept, the number in annotations.)"""
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import WorkerOutcome, WorkResult

    with use_db(str(session), WorkDB.Mode.open) as db:
        every = sorted(db.pending_work_items, key=lambda item: item.job_id)
        items = [item for item in every if not in_annotation(item, tree)]
        skip = WorkResult(worker_outcome=WorkerOutcome.SKIPPED)
        for item in every:
            if item not in items:
                db.set_result(item.job_id, skip)
        random.Random(seed).shuffle(items)
        for item in items[count:]:
            db.set_result(item.job_id, skip)
        return min(count, len(items)), len(every) - len(items)


def kept_total(session: Path) -> int:
    """How many mutants Cosmic Ray listed for the group."""
    from cosmic_ray.work_db import WorkDB, use_db

    with use_db(str(session), WorkDB.Mode.open) as db:
        return db.num_work_items


def results(session: Path) -> tuple[int, int, list[str]]:
    """(killed, run, the diff of each survivor)."""
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import TestOutcome, WorkerOutcome

    killed = ran = 0
    survivors = []
    with use_db(str(session), WorkDB.Mode.open) as db:
        for item, result in db.completed_work_items:
            if result.worker_outcome == WorkerOutcome.SKIPPED:
                continue
            ran += 1
            if result.test_outcome == TestOutcome.SURVIVED:
                where = ", ".join(f"{m.module_path}:{m.start_pos[0]}" for m in item.mutations)
                survivors.append(f"{where} {item.mutations[0].operator_name}\n{result.diff}")
            else:
                killed += 1  # killed, or incompetent (the mutant does not even run)
    return killed, ran, survivors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("groups", nargs="*", help=f"default: all of {', '.join(GROUPS)}")
    parser.add_argument("--sample", type=int, default=6, help="mutants per group (default 6)")
    parser.add_argument("--seed", type=int, default=25)
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per mutant")
    args = parser.parse_args()
    unknown = set(args.groups) - set(GROUPS)
    if unknown:
        parser.error(f"unknown group(s): {', '.join(sorted(unknown))}")
    args.groups = args.groups or list(GROUPS)
    python = sys.executable
    cosmic = str(Path(python).parent / "cosmic-ray")
    total_killed = total_run = 0
    with tempfile.TemporaryDirectory(prefix="aftercare-mutate-") as folder:
        tree = Path(folder) / "tree"
        copy_tree(tree)
        env = {**os.environ, "PYTHONPATH": str(tree), "AFTERCARE_QUICK": "1"}
        for name in args.groups:
            modules, tests = GROUPS[name]
            toml, session = Path(folder) / f"{name}.toml", Path(folder) / f"{name}.sqlite"
            toml.write_text(config(modules, tests, args.timeout, python))
            subprocess.run([cosmic, "init", str(toml), str(session)], cwd=tree, check=True, env=env)
            kept, annotated = sample(session, args.sample, args.seed, tree)
            started = time.monotonic()
            subprocess.run([cosmic, "exec", str(toml), str(session)], cwd=tree, check=True, env=env)
            killed, ran, survivors = results(session)
            total_killed, total_run = total_killed + killed, total_run + ran
            print(f"{name}: {killed}/{ran} killed of {kept} sampled, out of {kept_total(session)} "
                  f"mutants ({annotated} in type annotations, equivalent, left out; "
                  f"{time.monotonic() - started:.0f} s)", flush=True)  # fmt: skip
            for survivor in survivors:
                print(f"  SURVIVED {survivor}", flush=True)
    score = 100 * total_killed / max(total_run, 1)
    print(f"Mutation score: {total_killed}/{total_run} killed ({score:.0f}%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
