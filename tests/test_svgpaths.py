"""A QR code's path drawn by generator/svgpaths.py is drawn as WeasyPrint's own parser draws
it, call for call; any other path is left to WeasyPrint."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.render import svgpaths
from generator.sheet import qr

from .conftest import examples


class _Stream:
    def __init__(self):
        self.calls = []

    def __getattr__(self, name):
        return lambda *args: self.calls.append((name, args))


class _Node(dict):
    def __init__(self, d):
        super().__init__(d=d)
        self.vertices = []


class _SVG:
    inner_width = inner_height = inner_diagonal = 100

    def __init__(self):
        self.stream = _Stream()

    def point(self, x, y, font_size):
        from weasyprint.svg.utils import size

        return size(x, font_size, 100), size(y, font_size, 100)


def drawn(function, d):
    svg, node = _SVG(), _Node(d)
    function(svg, node, 12)
    return [(name, tuple(map(repr, args))) for name, args in svg.stream.calls], node.vertices


def same(d):
    ours, theirs = drawn(svgpaths.path, d), drawn(svgpaths._upstream_path, d)
    assert ours == theirs, d
    return svgpaths._is_simple(d)


@settings(max_examples=examples(40), deadline=None)
@given(st.text(alphabet="0123456789ABCDEFabcdef#=-/.:", min_size=1, max_size=60))
def test_a_qr_code_is_drawn_call_for_call_as_weasyprint_draws_it(data):
    d = re.search(r' d="([^"]+)"', qr.svg(f"https://example.test/{data}"))[1]
    assert same(d)  # and it took the quick way


@pytest.mark.parametrize(
    "d",
    [
        "M0 0h5v1h-5z",
        "m3 4h2v2H1V0zM7 7h1",
        "M1,2 h3 v-4 z z",
        "z M0 0 v3",
        "h4 v4 z",
        "M1 1",
    ],
)
def test_simple_paths_are_drawn_as_weasyprint_draws_them(d):
    assert same(d)


@pytest.mark.parametrize(
    "d",
    ["", "M0 0L5 5", "M0 0h5.5", "M0 0h1e2", "M0 0c1 1 2 2 3 3", "M0 0h5 6", "M0 0 1 1"],
)
def test_other_paths_are_left_to_weasyprint(d):
    assert not svgpaths._is_simple(d)
    assert drawn(svgpaths.path, d) == drawn(svgpaths._upstream_path, d)


def test_a_sheet_is_the_same_bytes_either_way(monkeypatch):
    from weasyprint import svg as upstream_svg

    from generator.content import patient as patient_module
    from generator.project import Project

    from .conftest import TODAY

    project = Project()
    patient = patient_module.make("Jane Doe", "2026-11-20", "Dr. Rivera")
    policies = [project.policy("microneedling")]

    def render():
        return project.maker.render(project.clinic, policies, patient, TODAY, full=True).pdf

    ours = render()
    monkeypatch.setitem(upstream_svg.TAGS, "path", svgpaths._upstream_path)
    assert render() == ours
