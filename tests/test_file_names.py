"""Batch file names keep what they can of any letter: ASCII transliterated with anyascii
("Ł" is "L", Han and Hangul romanised), not letters dropped."""

from __future__ import annotations

import pytest

from generator.content import patient as patient_module

from .test_batch import write_csv


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Zoë Łukasiewicz", "zoe-lukasiewicz"),
        ("Søren Ærø-Straße", "soren-aero-strasse"),
        ("Nguyễn Thị Minh Khai", "nguyen-thi-minh-khai"),
        ("Дмитрий Щукин", "dmitriy-shchukin"),
        ("王小明", "wangxiaoming"),
        ("김민준", "gimminjun"),
        ("🌸", "patient"),  # nothing to keep
    ],
)
def test_a_name_is_transliterated_not_dropped(name, slug):
    assert patient_module.slug(name) == slug


def test_a_batch_names_its_files_with_every_letter_kept(run, tmp_path):
    path = write_csv(tmp_path, "Zoë Łukasiewicz,microneedling,2026-11-23,Dr. Rivera\n")
    out = tmp_path / "sheets"
    assert run("batch", path, "--out", out, "--jobs", "1").code == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "2026-11-23-microneedling-zoe-lukasiewicz.pdf",
        "sheet-ids.csv",
    ]
