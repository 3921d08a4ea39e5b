"""`sheet-ids.csv` beside a batch's sheets: `row,file,id` for every sheet written and recorded,
one line appended (and synced) by the worker as soon as its sheet's entry is stored, so an
interrupted batch lists every sheet it made. A rerun keeps each listed sheet whose file is
still there and whose register entry is of that row's patient, date and policies, and makes
only the rest."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

from generator.files import write_atomic

IDS_FILE = "sheet-ids.csv"
HEADER = ("row", "file", "id")


def append(ids_file: Path, row: int, target: Path, sheet_id: str) -> None:
    """Add one line to the list, synced to disk before the next sheet is made. Appends of
    one short line are atomic, so workers may append at once."""
    line = f"{row},{target.name},{sheet_id}\n".encode()
    fd = os.open(ids_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)


def read(ids_file: Path) -> dict[int, tuple[str, str]]:
    """{row: (file name, sheet ID)} as listed (the last line of a row wins); {} if none."""
    try:
        text = ids_file.read_text(encoding="utf-8")
    except (FileNotFoundError, UnicodeDecodeError):
        return {}
    listed: dict[int, tuple[str, str]] = {}
    for cells in csv.reader(io.StringIO(text)):
        if len(cells) == 3 and cells[0].isdigit():
            listed[int(cells[0])] = (cells[1], cells[2])
    return listed


def rewrite(ids_file: Path, listed: dict[int, tuple[str, str]]) -> None:
    """The list in row order, written whole (atomically); removed when empty."""
    if not listed:
        ids_file.unlink(missing_ok=True)
        return
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for row in sorted(listed):
        writer.writerow((row, *listed[row]))
    write_atomic(ids_file, out.getvalue().encode(), mode=0o600)


def already_made(register, tasks, ids_file: Path) -> dict[int, tuple[str, str]]:
    """The listed sheets a rerun keeps: the file is there and the register's entry under its
    ID is of the row's patient (keyed digest), procedure date and policies."""
    from generator.record.register import UnknownSheet

    kept: dict[int, tuple[str, str]] = {}
    listed = read(ids_file)
    for task in tasks:
        found = listed.get(task.key)
        if found is None or found[0] != task.target.name or not task.target.exists():
            continue
        try:
            entry = register.get(found[1])
        except UnknownSheet:
            continue
        same = (
            entry.name_hmac == register.digest(task.patient.name)
            and entry.procedure_date == task.patient.procedure_date
            and tuple(p.slug for p in entry.policies) == task.slugs
            and (entry.provider_hmac or "")
            == (register.digest(task.patient.provider) if task.patient.provider else "")
        )
        if same:
            kept[task.key] = found
    return kept
