"""Issue 27, batch: rows are made by kind (policies, language, date), not in CSV order, and
each worker takes rows of one kind together; what the user gets is the same, row by row.
An interrupted batch starts no new row, in one process or in workers."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from generator.commands import batch
from generator.parallel import batch_pool
from generator.project import Project
from generator.record.register import Register

from .conftest import pdf_text
from .test_batch_holes import entries
from .test_cli import add_lorem_care

HEADER = "name,policy,date,provider\n"
# Two policies on three dates, interleaved as a day's list comes: no two neighbours alike.
ROWS = [
    ("Zyxwa Qplomb Ann", "example-procedure", "2026-11-23"),
    ("Zyxwa Qplomb Ben", "lorem-care", "2026-11-23"),
    ("Zyxwa Qplomb Cid", "example-procedure", "2026-11-20"),
    ("Zyxwa Qplomb Dot", "lorem-care", "2026-11-20"),
    ("Zyxwa Qplomb Eve", "example-procedure", "2026-11-23"),
    ("Zyxwa Qplomb Fay", "example-procedure", "2026-11-17"),
    ("Zyxwa Qplomb Gus", "lorem-care", "2026-11-23"),
]


def write_rows(tmp_path, rows) -> object:
    path = tmp_path / "patients.csv"
    path.write_text(HEADER + "".join(f"{n},{p},{d},\n" for n, p, d in rows))
    return path


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_rows_made_out_of_order_each_get_their_own_file_id_and_entry(
    run, synthetic_content, tmp_path, jobs
):
    add_lorem_care(synthetic_content)
    database = f"sqlite:///{tmp_path / 'register.sqlite3'}"
    path = write_rows(tmp_path, ROWS)
    out = tmp_path / "out"
    result = run(
        "batch", path, "--out", out, "--jobs", jobs, "--content", synthetic_content,
        "--database", database,
    )  # fmt: skip
    assert result.code == 0, result.err
    assert "Sheets: 7 written, 0 failed" in result.err
    listed = (out / "sheet-ids.csv").read_text().splitlines()
    assert listed[0] == "row,file,id"
    assert [line.split(",")[0] for line in listed[1:]] == ["2", "3", "4", "5", "6", "7", "8"]
    register = Register(database)
    try:
        for line, (name, slug, day) in zip(listed[1:], ROWS, strict=True):
            _row, file_name, sheet_id = line.split(",")
            assert file_name == f"{day}-{slug}-{name.lower().replace(' ', '-')}.pdf"
            text = pdf_text((out / file_name).read_bytes())
            assert name in text and f"Sheet {sheet_id}" in text
            entry = register.get(sheet_id)
            assert entry.procedure_date == date.fromisoformat(day)
            assert [source.slug for source in entry.policies] == [slug]
            assert entry.name_hmac == register.digest(name)
    finally:
        register.dispose()
    assert entries(database) == 7
    assert sorted(p.name for p in out.glob("*.pdf")) == sorted(line.split(",")[1] for line in
                                                               listed[1:])  # fmt: skip


def test_an_interrupted_batch_has_made_rows_of_one_kind_together(
    run, synthetic_content, tmp_path, monkeypatch
):
    """In one process the rows are made kind by kind: stopped after two sheets, the two rows
    of example-procedure on 2026-11-17 and 2026-11-20 (the earliest dates) are made, not the
    first two rows of the file; the rerun makes the rest and keeps them."""
    add_lorem_care(synthetic_content)
    database = f"sqlite:///{tmp_path / 'register.sqlite3'}"
    path = write_rows(tmp_path, ROWS)
    out = tmp_path / "out"

    def interrupted(done, total):
        if done == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr("generator.cli.Progress.for_terminal", lambda label: interrupted)
    args = ("batch", path, "--out", out, "--jobs", "1", "--content", synthetic_content)
    stopped = run(*args, "--database", database)
    assert stopped.code == 130
    listed = (out / "sheet-ids.csv").read_text().splitlines()
    assert [line.split(",")[0] for line in listed[1:]] == ["4", "7"]
    assert sorted(p.name for p in out.glob("*.pdf")) == [
        "2026-11-17-example-procedure-zyxwa-qplomb-fay.pdf",
        "2026-11-20-example-procedure-zyxwa-qplomb-cid.pdf",
    ]
    assert entries(database) == 2
    monkeypatch.setattr("generator.cli.Progress.for_terminal", lambda label: None)
    again = run(*args, "--database", database)
    assert again.code == 0, again.err
    relisted = (out / "sheet-ids.csv").read_text().splitlines()
    assert [line.split(",")[0] for line in relisted[1:]] == ["2", "3", "4", "5", "6", "7", "8"]
    assert set(listed[1:]) <= set(relisted[1:])  # the same IDs for the sheets already made
    assert entries(database) == 7


def test_an_interrupted_batch_in_workers_keeps_every_file_listed_and_recorded(
    run, tmp_path, monkeypatch
):
    database = f"sqlite:///{tmp_path / 'register.sqlite3'}"
    path = tmp_path / "patients.csv"
    path.write_text(
        HEADER + "".join(f"Zyxwa Qplomb {i:03d},microneedling,2026-11-23,\n" for i in range(24))
    )
    out = tmp_path / "out"

    def interrupted(done, total):
        raise KeyboardInterrupt  # as soon as the first rows are heard of

    monkeypatch.setattr(
        "generator.cli.Progress.for_terminal",
        lambda label: interrupted if label == "sheets" else None,
    )
    monkeypatch.setattr(batch_pool, "CHUNK", 3)
    args = ("batch", path, "--out", out, "--jobs", "2", "--database", database)
    stopped = run(*args)
    assert stopped.code == 130
    assert "interrupted: files already written are complete" in stopped.err
    listed = (out / "sheet-ids.csv").read_text().splitlines()
    made = sorted(p.name for p in out.glob("*.pdf"))
    assert 1 <= len(made) < 24
    assert made == sorted(line.split(",")[1] for line in listed[1:])  # each file listed
    assert entries(database) == len(made)  # and recorded, nothing more
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []  # nothing half-made
    monkeypatch.setattr("generator.cli.Progress.for_terminal", lambda label: None)
    again = run(*args)
    assert again.code == 0, again.err
    relisted = (out / "sheet-ids.csv").read_text().splitlines()
    assert len(relisted) == 25 and set(listed[1:]) <= set(relisted[1:])
    assert entries(database) == 24


def test_a_worker_told_to_stop_starts_no_new_row(tmp_path, monkeypatch):
    project = Project()
    path = tmp_path / "patients.csv"
    path.write_text(HEADER + "Zyxwa Qplomb,microneedling,2026-11-23,\n")
    tasks, errors = batch.read_rows(project, path, tmp_path / "out")
    assert len(tasks) == 1 and errors == []
    stop = threading.Event()
    monkeypatch.setattr(batch_pool, "_project", project)
    monkeypatch.setattr(batch_pool, "_stop", stop)
    stop.set()
    assert batch_pool._render_chunk(tasks) == []
    assert not (tmp_path / "out").exists()
    stop.clear()
    [outcome] = batch_pool._render_chunk(tasks)
    assert outcome.error is None and outcome.path == tasks[0].target and outcome.path.exists()


def test_each_worker_is_handed_rows_of_one_kind_at_a_time(tmp_path):
    """The plan: every row once; a chunk holds one kind (policies, language, date) and at most
    CHUNK rows, as even as can be; kinds come one after the other, dates in order."""
    project = Project()
    path = tmp_path / "patients.csv"
    days = ["2026-11-23", "2026-11-21", "2026-11-23", "2026-11-22", "2026-11-21"] * 8
    path.write_text(
        HEADER + "".join(f"Zyxwa Qplomb {i:03d},microneedling,{d},\n" for i, d in enumerate(days))
    )
    tasks, _ = batch.read_rows(project, path, tmp_path / "out")
    chunks = batch_pool.plan(tasks, jobs=2)
    assert sorted(t.key for chunk in chunks for t in chunk) == sorted(t.key for t in tasks)
    assert all(len({t.patient.procedure_date for t in chunk}) == 1 for chunk in chunks)
    assert all(len(chunk) <= batch_pool.CHUNK for chunk in chunks)
    firsts = [chunk[0].patient.procedure_date.isoformat() for chunk in chunks]
    assert firsts == sorted(firsts)
    assert [len(c) for c in chunks] == [4] * 10  # 16, 8 and 16 rows a date, 5 at most a chunk
    assert all([t.key for t in c] == sorted(t.key for t in c) for c in chunks)  # rows in order
