"""Lines shaped once per process (generator/shaping.py) change nothing: sheets made with the
kept lines are the bytes made without them; every style property shaping reads is part of
the key; no patient's words are kept."""

from __future__ import annotations

from datetime import timedelta

import pytest
from weasyprint.layout import inline, preferred

from generator.content import patient as patient_module
from generator.project import Project
from generator.render import shaping
from generator.sheet.model import Options

from .conftest import TODAY

SHEETS = [  # policies, procedure date offset, options: one page or two, A4, large print
    (["microneedling"], 0, Options()),
    (["microneedling"], -40, Options("a4")),
    (["microneedling"], -9, Options(large_print=True, archival=True)),
]


@pytest.fixture(scope="module")
def project():
    return Project()


def render(project, slugs, offset, options, name="Quentin Zebulon"):
    day = (TODAY + timedelta(days=offset)).isoformat()
    patient = patient_module.make(name, day, "Dr. Yvaine")
    policies = project.policies_in(slugs, None)
    return project.maker.render(project.clinic, policies, patient, TODAY, options, full=True)


def upstream(monkeypatch) -> None:
    for module in (inline, preferred):
        monkeypatch.setattr(module, "split_first_line", shaping._upstream)


def test_sheets_made_with_kept_lines_are_the_same_bytes(project, monkeypatch):
    """Each sheet is rendered with a warm cache of lines (other dates first), then with
    WeasyPrint's own shaping: the bytes are the same."""
    shaping.clear()
    for slugs, offset, options in SHEETS:
        render(project, slugs, offset + 3, options, "Ann Lee")  # another date: lines kept
    ours = [render(project, *sheet).pdf for sheet in SHEETS]
    assert len(shaping.cached_lines()) > 100
    upstream(monkeypatch)
    theirs = [render(project, *sheet).pdf for sheet in SHEETS]
    for index, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        assert a == b, f"sheet {index}: bytes differ"


class _Recording:
    """A computed style that notes which properties are read."""

    def __init__(self, style, seen: set[str]):
        self._style, self._seen = style, seen

    def __getitem__(self, name):
        self._seen.add(name)
        return self._style[name]

    def __getattr__(self, name):
        return getattr(self._style, name)


def test_every_style_property_shaping_reads_is_in_the_key(project, monkeypatch):
    seen: set[str] = set()
    original = shaping._upstream

    def recording(text, style, *args):
        return original(text, _Recording(style, seen), *args)

    monkeypatch.setattr(shaping, "_upstream", recording)
    shaping.clear()
    for slugs, offset, options in SHEETS:
        render(project, slugs, offset, options)
    assert {"font_family", "white_space", "lang"} <= seen  # it did record
    assert seen <= set(shaping.SHAPED_BY), sorted(seen - set(shaping.SHAPED_BY))


def test_no_patient_words_are_kept(project):
    shaping.clear()
    for sheet in SHEETS:
        render(project, *sheet)
    lines = " ".join(shaping.cached_lines()).casefold()
    assert "aftercare" in lines or "procedure" in lines  # the policy's lines are kept
    for word in ("quentin", "zebulon", "yvaine"):
        assert word not in lines


def test_nothing_is_kept_outside_a_sheet_render(project):
    """Only a sheet's render opens the cache (with its patient's words to leave out)."""
    shaping.clear()
    html = "<p>Lorem care for Quentin Zebulon</p>"
    project.maker.renderer.render(html)
    assert shaping.cached_lines() == []
