"""Where a cold `aftercare sheet` spends its time: imports, content, fonts, CSS, layout, writing,
the register. One new process per run; the median of each stage over the runs.

    .venv/bin/python bench/cold.py [--runs N]

Each run is a fresh interpreter that imports the CLI's modules in the order the command does
(timed as blocks), then runs `sheet microneedling` with the steps below wrapped, and prints
wall and CPU milliseconds per step (a step's figure includes the steps under it). The register
is a throw-away SQLite database in a temporary AFTERCARE_STATE_DIR. `python -X importtime`
and `python -m cProfile -m generator sheet ...` tell more about any one step. Only a synthetic
patient is used.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = r"""
import json, sys, time
clock = lambda: (time.perf_counter(), time.process_time())
times, order, depth = {}, [], {}
begun = clock()

def add(label, since):
    now = clock()
    wall, cpu = times.get(label, (0.0, 0.0))
    times[label] = (wall + now[0] - since[0], cpu + now[1] - since[1])
    if label not in order:
        order.append(label)

def block(label, run):
    since = clock()
    result = run()
    add(label, since)
    return result

import importlib
from generator.render import weasyprint_patches
getattr(weasyprint_patches, "before_import", lambda: None)()  # as main() does (if it has it)
for label, name in (
    ("import: the CLI", "generator.cli"),
    ("import: content, templates, sheet model", "generator.project"),
    ("import: WeasyPrint (+ its FFI) and our patches", "generator.render.pdf"),
    ("import: the register (SQLAlchemy)", "generator.record.issuing"),
    ("import: reuse (the base of a kind)", "generator.render.reuse"),
):
    block(label, lambda: importlib.import_module(name))

def wrap(owner, name, label):
    original = getattr(owner, name)

    def timed(*args, **kwargs):
        depth[label] = depth.get(label, 0) + 1
        since = clock()
        try:
            return original(*args, **kwargs)
        finally:
            depth[label] -= 1
            if not depth[label]:
                add(label, since)

    setattr(owner, name, timed)

import weasyprint, weasyprint.text.fonts
from generator import project
from generator.commands import sheet as sheet_command
from generator.record import issuing, register
from generator.render import maker, pdf, reuse, tagging, weasyprint_patches
from generator.render import templates

for owner, name, label in (
    (project.Project, "__init__", "content: clinic profile, templates"),
    (project.Project, "policies_in", "content: the policy (read, validated)"),
    (register, "open_register", "register: open (engine, key, schema check)"),
    (register.Register, "unused_id", "register: a new sheet ID"),
    (maker.SheetMaker, "render", "render: the whole sheet"),
    (weasyprint_patches, "install", "render:   patches installed"),
    (weasyprint.text.fonts.FontConfiguration, "__init__", "render:   fontconfig set-up"),
    (weasyprint.CSS, "__init__", "render:   CSS parsed (print.css)"),
    (templates.Templates, "sheet_html", "render:   templates (HTML)"),
    (pdf.Renderer, "layout", "render:   layout (WeasyPrint)"),
    (tagging, "write_pdf", "render:   writing the PDF (tags, fonts)"),
    (reuse, "_personalise", "render:   the patient's texts put in"),
    (sheet_command, "write_atomic", "writing the file (fsync)"),
    (issuing, "record", "register: the entry recorded"),
):
    wrap(owner, name, label)

from generator import cli
code = block("the command, in all", lambda: cli.main())  # this process's own command
add("total (after the interpreter's start)", begun)
print(json.dumps({"code": code, "order": order, "times": times}))
"""


def run_once(state: Path, out: Path) -> dict:
    """One cold process: its stages' wall and CPU seconds."""
    env = {**os.environ, "AFTERCARE_STATE_DIR": str(state), "PYTHONPATH": str(ROOT)}
    env.pop("AFTERCARE_DATABASE_URL", None)
    argv = ["sheet", "microneedling", "--name", "Bench Patient", "--date", "2026-11-23"]
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *argv, "--out", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        run_once(tmp / "state", tmp / "warm-up.pdf")  # the register and key made once
        runs = [run_once(tmp / "state", tmp / f"cold-{i}.pdf") for i in range(args.runs)]
    order = runs[-1]["order"]
    width = max(len(label) for label in order)
    print(f"cold `aftercare sheet`, median of {args.runs} processes: wall ms, CPU ms")
    for label in order:
        wall = statistics.median(r["times"].get(label, (0, 0))[0] for r in runs) * 1000
        cpu = statistics.median(r["times"].get(label, (0, 0))[1] for r in runs) * 1000
        print(f"  {label:<{width}}  {wall:7.1f}  {cpu:7.1f}")


if __name__ == "__main__":
    main()
