"""Property-based tests: any Unicode text either renders or is refused with a clear message;
never a traceback, never a partial file, never a fetch outside the asset folders."""

import csv
import re
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.commands import batch
from generator.commands.sheet import sheet_filename, write_sheet
from generator.content import patient as patient_module
from generator.errors import AftercareError

from .conftest import examples

any_text = st.text(st.characters(codec="utf-8"), max_size=240)
names = st.one_of(
    any_text,
    st.text(st.characters(categories=("L", "M", "Zs", "P", "S", "N")), min_size=1, max_size=80),
)
date_strings = st.one_of(
    st.dates().map(date.isoformat), any_text, st.from_regex(r"\d{4}-\d{2}-\d{2}", fullmatch=True)
)
FAST = settings(max_examples=examples(300), deadline=None)
RENDERS = settings(
    max_examples=examples(20),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@FAST
@given(name=any_text, provider=st.one_of(st.none(), any_text), when=date_strings)
def test_any_input_is_accepted_or_refused_with_a_message(name, provider, when):
    try:
        patient = patient_module.make(name, when, provider)
    except AftercareError as exc:
        for problem in exc.problems:  # every problem at once, each on one line
            assert problem.field in ("name", "provider", "date")
            assert problem.message and "\n" not in str(problem)
        return
    assert 0 < len(patient.name) <= 200 and patient.name == patient.name.strip()
    assert not re.search(r"[\x00-\x1f\x7f]", patient.name + (patient.provider or ""))


@FAST
@given(name=names, when=st.dates(min_value=date(1900, 1, 1), max_value=date(2199, 12, 31)))
def test_file_names_never_leave_their_folder(name, when):
    try:
        patient = patient_module.make(name, when)
    except AftercareError:
        return
    assert re.fullmatch(
        r"\d{4}-\d{2}-\d{2}-microneedling-[a-z0-9-]+\.pdf", sheet_filename("microneedling", patient)
    )


@RENDERS
@given(name=names, provider=st.one_of(st.none(), names))
def test_accepted_names_render_or_fail_cleanly(project, tmp_path_factory, name, provider):
    out = tmp_path_factory.mktemp("sheets")
    project.renderer.fetcher.refused.clear()
    try:
        patient = patient_module.make(name, "2026-11-23", provider)
        path, result = write_sheet(project, "microneedling", patient, out / "x.pdf")
    except AftercareError:
        assert list(out.iterdir()) == []  # refused: nothing written
        return
    assert path.read_bytes()[:5] == b"%PDF-" and result.pages >= 2
    assert [p.name for p in out.iterdir()] == ["x.pdf"]  # no temporary file left
    assert project.renderer.fetcher.refused == []


@settings(
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(rows=st.lists(st.lists(any_text, min_size=0, max_size=5), max_size=6))
def test_any_csv_cells_give_rows_or_row_errors(project, tmp_path_factory, rows):
    folder = tmp_path_factory.mktemp("csv")
    path = folder / "patients.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "policy", "date", "provider"])
        writer.writerows(rows)
    try:
        tasks, errors = batch.read_rows(project, path, folder / "out")
    except AftercareError as exc:  # the whole file refused: it says where
        assert "patients.csv" in str(exc)
        return
    assert len(tasks) + len(errors) <= len(rows)
    for line, message in errors:
        assert message.startswith(f"{path}:{line}: ") or f"patients.csv:{line}: " in message
        assert "\n" not in message
    assert len({task.target for task in tasks}) == len(tasks)  # unique file names
