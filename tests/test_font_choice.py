"""Issue 25, item 16: a sheet's bytes are a function of its inputs, never of what the process
rendered before or of the time: names in every script, rendered in random orders in one
process, are the bytes each makes in a fresh process."""

from __future__ import annotations

import hashlib
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import examples

pytestmark = pytest.mark.load  # a fresh process per name
NAMES = (
    "Jane Doe",  # Latin
    "Nguyễn Trần",  # Vietnamese
    "李小龙",  # Chinese
    "김민준",  # Korean
    "محمد علي",  # Arabic, right to left
    "דוד לוי",  # Hebrew
    "अनुराग",  # Devanagari
    "Ольга",  # Cyrillic
    "Jane 😀 Doe",  # emoji, through fontTools
)


def digest(name: str) -> str:
    """The SHA-256 of the sheet for `name`, made in this process."""
    from generator.content import patient as patient_module
    from generator.paths import CONTENT
    from generator.project import Project
    from generator.sheet.model import Options

    project = _projects.get("shipped") or _projects.setdefault("shipped", Project(CONTENT))
    patient = patient_module.make(name, "2026-11-23", "Dr. Rivera")
    result = project.render(
        "microneedling", patient, date(2026, 11, 23), Options(sheet_id="7K3Q-M2XD")
    )
    return hashlib.sha256(result.pdf).hexdigest()


_projects: dict = {}


@pytest.fixture(scope="module")
def fresh() -> dict[str, str]:
    """Each name's sheet, each made in a process of its own (then a second passes, so the
    clock differs too)."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=context, max_tasks_per_child=1) as pool:
        made = dict(zip(NAMES, pool.map(digest, NAMES), strict=True))
    time.sleep(1.1)
    return made


@pytest.mark.allow_missing_glyphs
@settings(max_examples=examples(4, quick=2), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(order=st.permutations(NAMES))
def test_names_in_every_script_in_any_order_make_the_bytes_of_a_fresh_process(fresh, order):
    for name in order:
        assert digest(name) == fresh[name], name
