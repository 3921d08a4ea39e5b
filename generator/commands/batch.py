"""`aftercare batch`: one personalised sheet per CSV row; a bad row never stops the others.
The policy cell names one policy, or up to three done on the same day as `a+b`."""

from __future__ import annotations

import contextlib
import csv
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from generator.commands.sheet import sheet_filename
from generator.content import patient as patient_module
from generator.content.patient import Patient
from generator.errors import AftercareError, Problem, display_path
from generator.parallel import batch_ids
from generator.parallel.batch_ids import IDS_FILE
from generator.parallel.batch_pool import Task
from generator.record.register import open_register
from generator.sheet.model import DEFAULT_OPTIONS, Options, split_slugs

REQUIRED = ("name", "policy", "date")
OPTIONAL = ("provider", "lang")
MAX_CSV_BYTES = 10 * 10**6  # a day's list is a few hundred rows; 10 MB is far beyond
MAX_ROWS = 20_000
PROGRESS_EVERY = 500  # rows checked between two updates of the progress bar


@dataclass
class BatchReport:
    """Sheets written and rows that failed (each a one-line message with its row)."""

    written: list[Path] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)  # (row line, message)
    missing_glyphs: int = 0  # characters printed as empty boxes, over all sheets
    ids: list[tuple[int, Path, str]] = field(default_factory=list)  # (row, file, sheet ID)
    rows: list[tuple[int, Path]] = field(default_factory=list)  # (row, file), to print in order
    peak_rss_mib: float = 0.0
    kept: int = 0  # of `written`: sheets a rerun kept from the last run (sheet-ids.csv)

    def messages(self) -> list[str]:
        """The failures in row order."""
        return [message for _line, message in sorted(self.failed)]

    def summary(self) -> str:
        """The final line: sheets written now, kept from the last run (if any), failed."""
        kept = f"{self.kept} kept from the last run, " if self.kept else ""
        return f"Sheets: {len(self.written) - self.kept} written, {kept}{len(self.failed)} failed"


def read_rows(
    project,
    csv_path: Path,
    out_dir: Path,
    options: Options = DEFAULT_OPTIONS,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[Task], list[tuple]]:
    """Validate every row: tasks for the good ones, one message per bad one. Files over
    MAX_CSV_BYTES or MAX_ROWS rows are refused whole."""
    where = display_path(csv_path)
    try:
        size = Path(csv_path).stat().st_size
        if size > MAX_CSV_BYTES:
            raise AftercareError(
                Problem(
                    f"is {size / 1e6:.1f} MB; a batch reads at most {MAX_CSV_BYTES / 1e6:g} MB "
                    f"({MAX_ROWS} rows): split it into smaller files",
                    csv_path,
                )
            )
        with open(csv_path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            columns = [c.strip().lower() for c in (reader.fieldnames or [])]
            _check_header(csv_path, columns)
            reader.fieldnames = columns
            records: list[tuple[int, dict]] = []
            for record in reader:
                if len(records) == MAX_ROWS:
                    raise AftercareError(
                        Problem(
                            f"has more than {MAX_ROWS} rows, the most a batch reads: split it "
                            "into smaller files",
                            csv_path,
                        )
                    )
                records.append((reader.line_num, record))
    except OSError as exc:
        raise AftercareError(Problem(f"cannot read: {exc.strerror}", csv_path)) from None
    except UnicodeDecodeError as exc:
        raise AftercareError(
            Problem(f"not UTF-8 text (byte {exc.start}); save the sheet as 'CSV UTF-8'", csv_path)
        ) from None
    except csv.Error as exc:
        raise AftercareError(Problem(f"not readable as CSV: {exc}", csv_path)) from None
    tasks: list[Task] = []
    errors: list[tuple[int, str]] = []
    used: dict[str, int] = {}
    for done, (line, record) in enumerate(records, 1):
        if progress and (done % PROGRESS_EVERY == 0 or done == len(records)):
            progress(done, len(records))
        if not any((value or "").strip() for value in record.values() if isinstance(value, str)):
            continue  # blank line
        try:
            slugs, lang, patient = _read_row(project, record, options)
        except AftercareError as exc:
            errors.append((line, f"{where}:{line}: " + "; ".join(str(p) for p in exc.problems)))
            continue
        target = out_dir / _unique_name(slugs, patient, used)
        tasks.append(Task(line, slugs, patient, target, date.today(), options, lang=lang))
    return tasks, errors


def _read_row(
    project, record: dict, options: Options
) -> tuple[tuple[str, ...], str | None, Patient]:
    """One row's procedures (`a+b` in the policy cell), language and patient; every problem
    of the row at once. A policy not issuable in the row's language is refused."""
    if None in record:
        raise AftercareError(Problem("has more cells than the header has columns"))
    problems = []
    lang = (record.get("lang") or "").strip() or None
    slugs: tuple[str, ...] = ()
    try:
        slugs = split_slugs(record.get("policy") or "")
        project.policies_in(slugs, lang, options.draft)
    except AftercareError as exc:
        problems.extend(exc.problems)
    try:
        if not (record.get("date") or "").strip():
            raise AftercareError(Problem("is required", field="date"))
        patient = patient_module.make(
            record.get("name"), record["date"].strip(), record.get("provider")
        )
    except AftercareError as exc:
        problems.extend(exc.problems)
    if problems:
        raise AftercareError(*problems)
    return slugs, lang, patient


def _check_header(path: Path, columns: list[str]) -> None:
    """Every required column once, no other: an unknown column is named by its position
    only (a file without its header row would otherwise echo a patient's name)."""
    missing = [c for c in REQUIRED if c not in columns]
    unknown = [str(n) for n, c in enumerate(columns, 1) if c not in REQUIRED + OPTIONAL]
    twice = [c for c in REQUIRED + OPTIONAL if columns.count(c) > 1]
    if missing or unknown or twice:
        parts = []
        if missing:
            parts.append(f"missing column(s) {', '.join(missing)}")
        if unknown:
            parts.append(f"unknown column(s) in position {', '.join(unknown)}")
        for column in twice:
            places = [str(n) for n, c in enumerate(columns, 1) if c == column]
            parts.append(f"column {column} given more than once (positions {', '.join(places)})")
        raise AftercareError(
            Problem(
                f"{'; '.join(parts)}; the header must be "
                "name,policy,date,provider,lang (provider and lang optional)",
                path,
                1,
            )
        )


def _unique_name(slugs: tuple[str, ...], patient: Patient, used: dict[str, int]) -> str:
    """The usual file name; '-2', '-3'... for later rows that would share it."""
    name = sheet_filename(slugs, patient)
    used[name] = used.get(name, 0) + 1
    if used[name] > 1:
        name = name.removesuffix(".pdf") + f"-{used[name]}.pdf"
    return name


def run_batch(
    project,
    csv_path: Path,
    out_dir: Path,
    jobs: int | None = None,
    progress=None,
    options: Options = DEFAULT_OPTIONS,
    database: str | None = None,
    read_progress=None,
) -> BatchReport:
    """Write one sheet per good row and record it; report every bad row. With a register,
    `sheet-ids.csv` beside the sheets lists each row's file and sheet ID as it is made, and a
    rerun keeps the sheets it lists (batch_ids) and makes only the rest."""
    from generator.parallel.batch_pool import run

    tasks, errors = read_rows(project, Path(csv_path), Path(out_dir), options, read_progress)
    register = open_register(project.clinic, database)
    report = BatchReport(failed=errors)
    ids_file = Path(out_dir) / IDS_FILE
    if register is not None:  # the workers record each sheet they write, there
        kept = batch_ids.already_made(register, tasks, ids_file)
        batch_ids.rewrite(ids_file, kept)  # drops lines of sheets that are gone
        report.ids = [
            (row, Path(out_dir) / name, sheet_id) for row, (name, sheet_id) in kept.items()
        ]
        report.written = [Path(out_dir) / name for name, _ in kept.values()]
        report.rows = [(row, Path(out_dir) / name) for row, (name, _) in kept.items()]
        report.kept = len(kept)
        tasks = [
            replace(
                task,
                options=replace(task.options, sheet_id=register.unused_id()),
                register_url=register.url,
                ids_file=ids_file,
            )
            for task in tasks
            if task.key not in kept
        ]
    by_key = {task.key: task for task in tasks}
    where = display_path(csv_path)
    try:
        with contextlib.closing(run(project, tasks, jobs, progress)) as outcomes:  # type: ignore[type-var]
            for outcome in outcomes:
                report.peak_rss_mib = max(report.peak_rss_mib, outcome.peak_rss_mib)
                if outcome.error:
                    report.failed.append((outcome.key, f"{where}:{outcome.key}: {outcome.error}"))
                elif outcome.path is not None:
                    report.written.append(outcome.path)
                    report.rows.append((outcome.key, outcome.path))
                    report.missing_glyphs += outcome.missing_glyphs
                    sheet_id = by_key[outcome.key].options.sheet_id
                    if sheet_id:
                        report.ids.append((outcome.key, outcome.path, sheet_id))
    finally:  # also when interrupted: in row order, every line the workers appended
        if register is not None:
            batch_ids.rewrite(ids_file, batch_ids.read(ids_file))
    report.ids.sort()
    report.written.sort()
    return report
