"""`make mutate`: mutation testing (Cosmic Ray) of the safety-critical modules against the fast
tier, bounded in time.

Each group is a module (or two) and the fast-tier test files that exercise it. The worktree
is copied to a temporary folder (Cosmic Ray edits the files it mutates), Cosmic Ray lists
every mutant, and a random sample of SAMPLE per group (seeded: the same seed gives the same
sample; pass another to try other mutants) is run, each mutant against its group's tests
with `-x` and a time limit. The score is the share of sampled mutants killed; survivors are
listed with their diff, to kill or explain.

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
        "tests/test_register.py tests/test_register_care.py tests/test_mutants.py "
        "tests/test_lifecycle.py::test_a_text_changed_without_a_new_version_is_warned_about "
        "tests/test_languages.py::test_a_reprinted_translated_sheet_keeps_its_clinical_review",
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
        "tests/test_checkout.py tests/test_web.py tests/test_mutants.py tests/test_desk_i18n.py",
    ),
    "reuse": (["generator/render/reuse.py"], "tests/test_reuse.py tests/test_mutants.py"),
    "languages": (
        ["generator/content/translations.py"],
        "tests/test_languages.py tests/test_review.py tests/test_lifecycle.py",
    ),
    "schedule": (
        ["generator/sheet/schedule.py"],
        "tests/test_schedule.py tests/test_sheet.py tests/test_timelines.py",
    ),
}


# Survivors shown to be equivalent, each with the reason: (module, the line as it was, the line
# as the mutant has it; indentation included) -> why no test can tell them apart. Matched by
# text, not line number, so an entry outlives edits elsewhere in the module; a survivor that
# matches is counted apart ("equivalent") and its diff is not shown again.
_MERGE = "            if ranges and ranges[-1][1] == code - 1:"  # patient.refused_ranges
_SPLIT = (
    "refused_ranges() feeds only _complement(), which gives the same allowed ranges from any "
    "sorted split of the same refused code points: the described patterns are byte-identical"
)
_FOUND = (  # reuse._find_slots
    '                if len(found) > 1 or container is None or box.style["text_transform"] != '
    '"none":'
)
_ROOM = "NAME_BYTES = 1024  # room for a name's or provider's line (about 7 bytes a glyph)"
_CLASS = '    return "".join(one(a) if a == b else f"{one(a)}-{one(b)}" for a, b in ranges)'
EQUIVALENT: dict[tuple[str, str, str], str] = {
    ("generator/content/patient.py", _MERGE, _MERGE.replace("code - 1", "code % 1")): _SPLIT,
    ("generator/content/patient.py", _MERGE, _MERGE.replace("code - 1", "code ^ 1")): _SPLIT,
    ("generator/content/patient.py", _CLASS, _CLASS.replace("a == b", "a > b")): (
        "ranges are ascending (a <= b), so every range is spelled first-last; a one-character "
        "range X-X matches exactly X: each class matches the same code points"
    ),
    ("generator/render/reuse.py", _FOUND, _FOUND.replace("> 1", "> 2")): (
        "a box holding two placeholders has the name's or the provider's first (the order of "
        "PLACEHOLDERS), and is refused by the next check (its text is not that placeholder "
        "alone): `len(found) > 1` is redundant"
    ),
    ("generator/render/reuse.py", _ROOM, _ROOM.replace("1024", "1023")): (
        "the room only bounds a line's TJ, and no line that fits its box comes near 1,023 "
        "bytes: names over 60 characters take the full path, and the longest found, a "
        "provider of 89 narrow glyphs filling its 207.87 px box, is 759 bytes; the room's "
        "padding is not shown to a reader"
    ),
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


def _where(item) -> tuple:
    """A work item's place: its mutations' modules, positions and operators."""
    return tuple(
        (str(m.module_path), tuple(m.start_pos), m.operator_name, m.occurrence)
        for m in item.mutations
    )


def sample(session: Path, count: int, seed: int, tree: Path) -> tuple[int, int]:
    """Keep `count` random pending mutants outside type annotations; mark the others
    skipped. (The number kept, the number in annotations.)"""
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import WorkerOutcome, WorkResult

    with use_db(str(session), WorkDB.Mode.open) as db:
        # In source order, not by job id: Cosmic Ray's ids are random (uuid4), so a sample
        # drawn in their order would differ from run to run whatever the seed.
        every = sorted(db.pending_work_items, key=_where)
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


def known_equivalent(module: str, diff: str) -> str | None:
    """Why a survivor's one-line change is equivalent, if EQUIVALENT says so."""
    lines = diff.splitlines()
    removed = [line[1:] for line in lines if line.startswith("-") and not line.startswith("---")]
    added = [line[1:] for line in lines if line.startswith("+") and not line.startswith("+++")]
    if len(removed) != 1 or len(added) != 1:
        return None
    return EQUIVALENT.get((module, removed[0].rstrip(), added[0].rstrip()))


def results(session: Path) -> tuple[int, int, list[str], list[str]]:
    """(killed, run, the diff of each survivor, each known equivalent survivor)."""
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import TestOutcome, WorkerOutcome

    killed = ran = 0
    survivors, equivalent = [], []
    with use_db(str(session), WorkDB.Mode.open) as db:
        for item, result in db.completed_work_items:
            if result.worker_outcome == WorkerOutcome.SKIPPED:
                continue
            ran += 1
            if result.test_outcome == TestOutcome.SURVIVED:
                where = ", ".join(f"{m.module_path}:{m.start_pos[0]}" for m in item.mutations)
                where += f" {item.mutations[0].operator_name}"
                why = known_equivalent(str(item.mutations[0].module_path), result.diff or "")
                if why is not None and len(item.mutations) == 1:
                    equivalent.append(f"{where}: {why}")
                else:
                    survivors.append(f"{where}\n{result.diff}")
            else:
                killed += 1  # killed, or incompetent (the mutant does not even run)
    return killed, ran, survivors, equivalent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("groups", nargs="*", help=f"default: all of {', '.join(GROUPS)}")
    parser.add_argument("--sample", type=int, default=6, help="mutants per group (default 6)")
    parser.add_argument("--seed", type=int, default=26)
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per mutant")
    args = parser.parse_args()
    unknown = set(args.groups) - set(GROUPS)
    if unknown:
        parser.error(f"unknown group(s): {', '.join(sorted(unknown))}")
    args.groups = args.groups or list(GROUPS)
    python = sys.executable
    cosmic = str(Path(python).parent / "cosmic-ray")
    total_killed = total_run = total_equivalent = 0
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
            killed, ran, survivors, equivalent = results(session)
            total_killed, total_run = total_killed + killed, total_run + ran
            total_equivalent += len(equivalent)
            print(f"{name}: {killed}/{ran} killed, {len(equivalent)} equivalent, of {kept} "
                  f"sampled, out of {kept_total(session)} mutants ({annotated} in type "
                  f"annotations, equivalent, left out; {time.monotonic() - started:.0f} s)",
                  flush=True)  # fmt: skip
            for survivor in equivalent:
                print(f"  EQUIVALENT {survivor}", flush=True)
            for survivor in survivors:
                print(f"  SURVIVED {survivor}", flush=True)
    run = max(total_run, 1)
    accounted = total_killed + total_equivalent
    print(f"Mutation score: {total_killed}/{total_run} killed ({100 * total_killed / run:.0f}%); "
          f"with the {total_equivalent} known equivalent, {accounted}/{total_run} accounted for "
          f"({100 * accounted / run:.0f}%)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
