"""Faults: a full disk, a policy removed during a batch, SIGTERM in the middle of a batch.
Nothing is half-written, the message is clear, and a rerun finishes the job."""

import errno
import io
import os
import signal
import subprocess
import sys
import time

import pypdfium2 as pdfium
import pytest

from generator.commands import batch
from generator.project import Project

HEADER = "name,policy,date,provider\n"


def rows(count: int, policy: str = "microneedling") -> str:
    return HEADER + "".join(f"Lorem Patient {i:03d},{policy},2026-11-23,\n" for i in range(count))


def complete_pdfs(folder) -> list[str]:
    names = []
    for path in folder.iterdir():
        if path.name == batch.IDS_FILE:  # the sheet IDs, written whole at the end
            assert path.read_text().startswith("row,file,id\n")
            continue
        assert path.suffix == ".pdf", f"left behind: {path.name}"
        document = pdfium.PdfDocument(io.BytesIO(path.read_bytes()))  # fails on a partial file
        assert len(document) >= 2
        document.close()
        names.append(path.name)
    return sorted(names)


def test_a_full_disk_fails_each_row_clearly_and_leaves_nothing(run, tmp_path, monkeypatch):
    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("generator.files.os.fsync", full)
    path = tmp_path / "patients.csv"
    path.write_text(rows(3))
    out = tmp_path / "out"
    result = run("batch", path, "--out", out, "--jobs", "1")
    assert result.code == 1
    assert result.err.count("cannot write: No space left on device") == 3
    assert ":2: " in result.err and ":4: " in result.err
    assert list(out.iterdir()) == []


def test_a_policy_removed_during_a_batch_does_not_fail_its_rows(
    synthetic_content, tmp_path, monkeypatch
):
    project = Project(synthetic_content)
    path = tmp_path / "patients.csv"
    path.write_text(rows(4, "example-procedure"))
    read_rows = batch.read_rows

    def read_then_remove(*args, **kwargs):
        result = read_rows(*args, **kwargs)
        (synthetic_content / "example-procedure.md").unlink()  # gone before any sheet renders
        return result

    monkeypatch.setattr(batch, "read_rows", read_then_remove)
    report = batch.run_batch(project, path, tmp_path / "out", jobs=2)
    assert report.failed == [] and len(report.written) == 4
    assert len(complete_pdfs(tmp_path / "out")) == 4


@pytest.mark.load  # a real batch process, signalled mid-run
def test_sigterm_mid_batch_leaves_only_whole_files_and_a_rerun_finishes(tmp_path):
    path = tmp_path / "patients.csv"
    path.write_text(rows(40))
    out = tmp_path / "out"
    command = [
        sys.executable,
        "-m",
        "generator",
        "batch",
        str(path),
        "--out",
        str(out),
        "--jobs",
        "2",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(out.glob("*.pdf"))) < 3:
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 143, err
    assert "terminated: files already written are complete" in err
    written = complete_pdfs(out)
    assert 3 <= len(written) < 40
    rerun = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert rerun.returncode == 0, rerun.stderr
    assert len(complete_pdfs(out)) == 40
    assert os.listdir(out) == [p for p in os.listdir(out) if not p.startswith(".")]


def test_a_read_only_output_folder_is_a_clear_error(run, tmp_path, monkeypatch):
    def read_only(*args, **kwargs):  # what mkstemp meets in a read-only folder (root ignores it)
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr("generator.files.tempfile.mkstemp", read_only)
    out = tmp_path / "locked"
    out.mkdir()
    result = run("sheet", "microneedling", "--name", "Lorem", "--out", out / "x.pdf")
    assert result.code == 1
    assert result.err.strip().endswith("locked: cannot write there: Permission denied")
    assert list(out.iterdir()) == []
