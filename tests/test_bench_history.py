"""`make bench` remembers (bench/history.py): each run's figures are appended with the
commit and core count, and the next run prints each figure beside the last one of its kind,
marking a change beyond 10% as better or worse."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import history

ROWS = [
    ("warm render in one process (median of 10)", "434 ms", "target <= 120 ms; 2 pages"),
    ("first sheet of a kind (median of 7)", "300 ms", "250 ms CPU; 1.02x the full render"),
    ("batch of 200, 200 dates, 2 workers", "4.3 sheets/s", "every sheet the first"),
    ("desk API, concurrency 8: p50 / p95", "104 / 129 ms", "9.6 sheets/s; 0 errors"),
    ("1,000 sheets in one process: RSS", "119 -> 121 MiB", "8 bases cached"),
]


def test_the_figures_of_a_table_are_read_with_their_units():
    found = {f.label: (f.value, f.unit) for f in history.figures_of(ROWS)}
    assert found == {
        "warm render in one process (median of 10)": (434, "ms"),
        "first sheet of a kind (median of 7)": (300, "ms"),
        "first sheet of a kind (median of 7) [CPU]": (250, "ms CPU"),
        "batch of 200, 200 dates, 2 workers": (4.3, "sheets/s"),
        "desk API, concurrency 8: p50 / p95 [p50]": (104, "ms"),
        "desk API, concurrency 8: p50 / p95 [p95]": (129, "ms"),
        "1,000 sheets in one process: RSS [before]": (119, "MiB"),
        "1,000 sheets in one process: RSS [after]": (121, "MiB"),
    }


def test_two_rows_of_one_label_give_two_figures():
    rows = [("register: ID + entry", "12.0 ms", "on"), ("register: ID + entry", "7.1 ms", "off")]
    found = [(f.label, f.value) for f in history.figures_of(rows)]
    assert found == [("register: ID + entry", 12.0), ("register: ID + entry #2", 7.1)]


def test_a_run_is_recorded_and_the_next_prints_beside_it(tmp_path):
    path = tmp_path / "history.jsonl"
    first = history.figures_of(ROWS)
    assert history.last("quick", path) is None
    assert "nothing to compare" in history.beside(first, None)[0]
    history.record("quick", first, path)
    history.record("full", [history.Figure("other", 1, "ms")], path)  # another mode
    entry = json.loads(path.read_text().splitlines()[0])
    assert entry["cores"] == os.cpu_count() and entry["mode"] == "quick"
    assert len(entry["commit"]) >= 7 and entry["figures"]["batch of 200, 200 dates, 2 workers"]

    now = [
        history.Figure("warm render in one process (median of 10)", 217, "ms"),  # halved
        history.Figure("batch of 200, 200 dates, 2 workers", 2.0, "sheets/s"),  # halved
        history.Figure("first sheet of a kind (median of 7)", 310, "ms"),  # about the same
        history.Figure("a figure measured for the first time", 5, "ms"),
    ]
    lines = history.beside(now, history.last("quick", path))
    assert entry["commit"] in lines[0]
    by_label = {line.split("  ")[1].strip(): line for line in lines[1:]}
    assert "was 434.0" in by_label[now[0].label] and "(0.50x)  better" in by_label[now[0].label]
    assert "(0.47x)  WORSE" in by_label[now[1].label]
    assert by_label[now[2].label].endswith("(1.03x)")
    assert by_label[now[3].label].endswith("(new)")


def test_a_history_line_that_does_not_parse_is_skipped(tmp_path):
    path = tmp_path / "history.jsonl"
    history.record("quick", history.figures_of(ROWS[:1]), path)
    with open(path, "a") as handle:
        handle.write("{not json\n")
    assert len(history.entries(path)) == 1
    assert history.last("quick", path, cores=(os.cpu_count() or 1) + 1) is None
