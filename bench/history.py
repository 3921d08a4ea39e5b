"""The benchmark's memory: each run's figures, with its commit and core count, in
bench/history.jsonl (one JSON object a line), and each figure beside the last recorded one.

A figure is a name, a value and a unit; "/s" units are better higher, the others lower.
Runs are compared only with runs of the same mode (full `make bench`, `--quick`, `--desk`,
`--register`) on a machine with as many cores.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

HISTORY = Path(__file__).resolve().parent / "history.jsonl"
ROOT = HISTORY.parent.parent
NOTABLE = 0.10  # a change beyond 10% is marked


@dataclass
class Figure:
    """One measured figure: what, how much, in which unit."""

    label: str
    value: float
    unit: str  # "ms", "ms CPU", "sheets/s", "MiB"...

    @property
    def higher_is_better(self) -> bool:
        """Throughputs are better higher; times and sizes lower."""
        return self.unit.endswith("/s")


def commit(root: Path = ROOT) -> tuple[str, bool]:
    """The checked-out commit (short) and whether the tree has uncommitted changes."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    return git("rev-parse", "--short", "HEAD") or "unknown", bool(
        git("status", "--porcelain", "--untracked-files=no")
    )


def entries(path: Path = HISTORY) -> list[dict]:
    """Every recorded run, oldest first (lines that do not parse are skipped)."""
    if not path.exists():
        return []
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and isinstance(entry.get("figures"), dict):
            found.append(entry)
    return found


def last(mode: str, path: Path = HISTORY, cores: int | None = None) -> dict | None:
    """The latest run of this mode on a machine with this many cores, if any."""
    cores = cores or os.cpu_count()
    runs = [e for e in entries(path) if e.get("mode") == mode and e.get("cores") == cores]
    return runs[-1] if runs else None


def record(mode: str, figures: list[Figure], path: Path = HISTORY) -> dict:
    """Append this run's figures, commit, core count and load to the history file."""
    head, dirty = commit()
    entry = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": head,
        "dirty": dirty,
        "cores": os.cpu_count(),
        "load": [round(load, 2) for load in os.getloadavg()],
        "mode": mode,
        "figures": {f.label: [round(f.value, 3), f.unit] for f in figures},
    }
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
    return entry


def beside(figures: list[Figure], previous: dict | None) -> list[str]:
    """Each figure beside the last recorded one, as aligned lines."""
    if previous is None:
        return ["(no earlier run of this kind recorded: nothing to compare with yet)"]
    what = f"{previous['commit']}{'+' if previous.get('dirty') else ''} of {previous['when']}"
    lines = [f"beside the last recorded run ({what}, load {previous.get('load')}):"]
    width = max(len(f.label) for f in figures)
    before = previous["figures"]
    for figure in figures:
        now = f"{figure.value:,.1f} {figure.unit}"
        if figure.label not in before:
            lines.append(f"  {figure.label:<{width}}  {now:>18}  (new)")
            continue
        then = float(before[figure.label][0])
        ratio = figure.value / then if then else float("inf")
        worse = ratio < 1 - NOTABLE if figure.higher_is_better else ratio > 1 + NOTABLE
        better = ratio > 1 + NOTABLE if figure.higher_is_better else ratio < 1 - NOTABLE
        mark = "  WORSE" if worse else ("  better" if better else "")
        lines.append(f"  {figure.label:<{width}}  {now:>18}  was {then:,.1f}  ({ratio:.2f}x){mark}")
    return lines


_NUMBER = r"(-?[\d,]+(?:\.\d+)?)"
_ONE = re.compile(rf"^{_NUMBER} (\S+(?: CPU)?)$")
_TWO = re.compile(rf"^{_NUMBER} (/|->) {_NUMBER} (\S+)$")
_CPU = re.compile(rf"^{_NUMBER} ms CPU")


def figures_of(rows: list[tuple[str, str, str]]) -> list[Figure]:
    """The figures in bench.py's table rows (label, value, note): "434 ms", "34.6 sheets/s",
    "104 / 129 ms" (p50 / p95), "119 -> 121 MiB" (before -> after), and a note that starts
    with a CPU time ("467 ms CPU; ...")."""
    found: list[Figure] = []
    seen: dict[str, int] = {}
    for label, value, note in rows:
        label = " ".join(label.split())
        seen[label] = seen.get(label, 0) + 1
        if seen[label] > 1:  # two rows of one label: each figure keeps a name of its own
            label = f"{label} #{seen[label]}"
        if match := _ONE.match(value):
            found.append(Figure(label, _float(match[1]), match[2]))
        elif match := _TWO.match(value):
            first, second = ("p50", "p95") if match[2] == "/" else ("before", "after")
            found.append(Figure(f"{label} [{first}]", _float(match[1]), match[4]))
            found.append(Figure(f"{label} [{second}]", _float(match[3]), match[4]))
        if match := _CPU.match(note):
            found.append(Figure(f"{label} [CPU]", _float(match[1]), "ms CPU"))
    return found


def _float(text: str) -> float:
    return float(text.replace(",", ""))
