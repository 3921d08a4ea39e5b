"""Issue 25, batch (8-11): repeated columns refused; rows named by number, never by a name;
`sheet-ids.csv` lists every sheet made, even when interrupted, and a rerun keeps them; size
and row limits; progress while rows are checked."""

from __future__ import annotations

import errno

import pytest
import sqlalchemy as sa

from generator.commands import batch
from generator.project import Project

from .conftest import pdf_pages

HEADER = "name,policy,date,provider\n"


def rows(count: int) -> str:
    return HEADER + "".join(
        f"Zyxwa Qplomb {i:03d},microneedling,2026-11-23,\n" for i in range(count)
    )


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("name,policy,date,name", "column name given more than once (positions 1, 4)"),
        ("name,policy,date,date", "column date given more than once (positions 3, 4)"),
    ],
)
def test_a_repeated_column_is_refused(run, tmp_path, header, message):
    path = tmp_path / "patients.csv"
    path.write_text(f"{header}\nJane Doe,microneedling,2026-11-23,John Roe\n")
    result = run("batch", path, "--out", tmp_path / "out")
    assert result.code == 1 and f"patients.csv:1: {message}" in result.err
    assert not (tmp_path / "out").exists()


def test_a_file_without_its_header_row_names_no_patient(run, tmp_path):
    path = tmp_path / "patients.csv"
    path.write_text("Zyxwa Qplomb,microneedling,2026-11-23\n")
    result = run("batch", path, "--out", tmp_path / "out")
    assert result.code == 1
    assert "missing column(s) name, policy, date; unknown column(s) in position 1, 2, 3" in (
        result.err
    )
    assert "zyxwa" not in result.err.lower() and "qplomb" not in result.err.lower()


def test_a_row_that_cannot_be_written_is_named_by_number_not_by_its_file(
    run, tmp_path, monkeypatch
):
    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("generator.files.os.fsync", full)
    path = tmp_path / "patients.csv"
    path.write_text(rows(2))
    result = run("batch", path, "--out", tmp_path / "out", "--jobs", "1")
    assert result.code == 1
    assert "patients.csv:2: " in result.err and "patients.csv:3: " in result.err
    assert "cannot write: No space left on device (the row's sheet)" in result.err
    assert "zyxwa" not in result.err.lower() and "qplomb" not in result.err.lower()


def entries(url: str) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as db:
        count = db.execute(sa.text("SELECT count(*) FROM sheets")).scalar()
    engine.dispose()
    return count


def test_an_interrupted_batch_lists_every_sheet_it_made_and_a_rerun_keeps_them(
    run, tmp_path, monkeypatch
):
    database = f"sqlite:///{tmp_path / 'register.sqlite3'}"
    path = tmp_path / "patients.csv"
    path.write_text(rows(5))
    out = tmp_path / "out"
    seen = []

    def interrupted(done, total):  # after the 3rd sheet is made, before the batch hears of it
        seen.append(done)
        if done == 3:
            raise KeyboardInterrupt

    monkeypatch.setattr("generator.cli.Progress.for_terminal", lambda label: interrupted)
    stopped = run("batch", path, "--out", out, "--jobs", "1", "--database", database)
    assert stopped.code == 130
    listed = (out / "sheet-ids.csv").read_text().splitlines()
    assert listed[0] == "row,file,id" and [line.split(",")[0] for line in listed[1:]] == [
        "2", "3", "4"
    ]  # fmt: skip
    assert len(list(out.glob("*.pdf"))) == 3 == entries(database)
    before = {p.name: p.stat().st_mtime_ns for p in out.glob("*.pdf")}
    monkeypatch.setattr("generator.cli.Progress.for_terminal", lambda label: None)
    again = run("batch", path, "--out", out, "--jobs", "1", "--database", database)
    assert again.code == 0, again.err
    relisted = (out / "sheet-ids.csv").read_text().splitlines()
    assert relisted[: len(listed)] == listed  # the same IDs for the sheets already made
    assert len(relisted) == 6 and entries(database) == 5  # no entry without its file
    assert all(out.joinpath(n).stat().st_mtime_ns == t for n, t in before.items())
    for line in relisted[1:]:
        _row, name, sheet_id = line.split(",")
        assert "qplomb" not in line.lower().split(",", 2)[2]  # the ID column is an ID
        assert f"Sheet {sheet_id}" in pdf_pages((out / name).read_bytes())[0]


def test_a_rerun_after_the_csv_changed_makes_a_changed_row_again(run, tmp_path):
    database = f"sqlite:///{tmp_path / 'register.sqlite3'}"
    path = tmp_path / "patients.csv"
    path.write_text(rows(2))
    out = tmp_path / "out"
    assert run("batch", path, "--out", out, "--jobs", "1", "--database", database).code == 0
    first = (out / "sheet-ids.csv").read_text().splitlines()
    path.write_text(rows(2).replace("2026-11-23,\nZyxwa Qplomb 001", "2026-11-23,Dr. Ipsum\n"
                                    "Zyxwa Qplomb 001"))  # fmt: skip
    assert run("batch", path, "--out", out, "--jobs", "1", "--database", database).code == 0
    second = (out / "sheet-ids.csv").read_text().splitlines()
    assert second[1] != first[1] and second[2] == first[2]


def test_a_csv_over_the_size_or_row_limit_is_refused_clearly(run, tmp_path, monkeypatch):
    path = tmp_path / "patients.csv"
    path.write_text(rows(4))
    monkeypatch.setattr(batch, "MAX_ROWS", 3)
    result = run("batch", path, "--out", tmp_path / "out")
    assert result.code == 1
    assert "patients.csv: has more than 3 rows, the most a batch reads: split it" in result.err
    monkeypatch.setattr(batch, "MAX_CSV_BYTES", 100)
    result = run("batch", path, "--out", tmp_path / "out")
    assert result.code == 1
    assert f"patients.csv: is {path.stat().st_size / 1e6:.1f} MB" in result.err
    assert not (tmp_path / "out").exists()


def test_checking_many_rows_reports_progress(tmp_path, monkeypatch):
    monkeypatch.setattr(batch, "PROGRESS_EVERY", 2)
    path = tmp_path / "patients.csv"
    path.write_text(rows(5))
    seen = []
    tasks, errors = batch.read_rows(
        Project(), path, tmp_path / "out", progress=lambda done, total: seen.append((done, total))
    )
    assert len(tasks) == 5 and errors == []
    assert seen == [(2, 5), (4, 5), (5, 5)]
