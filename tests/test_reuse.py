"""Sheets made from their kind's base (generator/reuse.py) are the sheets a full render makes:
the same text in the same order, the same structure tree, metadata and claims, the same pages
to the eye; inputs the shortcut cannot make identical take the full path, byte for byte; the
bytes never depend on what the cache held; the cache is bounded and holds no patient text."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import re
import shutil
from datetime import date, timedelta

import markupsafe
import pikepdf
import pypdfium2 as pdfium
import pytest
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st
from PIL import ImageChops

from generator.content import patient as patient_module
from generator.errors import AftercareError
from generator.paths import CONTENT
from generator.project import Project
from generator.render import reuse
from generator.render.maker import SheetMaker
from generator.render.preview import PDFIUM
from generator.sheet.model import Options
from generator.sheet.model import build as build_sheet

from .conftest import DATA, TODAY, examples, pdf_pages, pdf_text
from .test_combined import synthetic_policy

pytestmark = pytest.mark.slow  # renders many sheets: make test runs it, make test-fast does not

DPI = 100
# Anti-aliasing: a glyph positioned a thousandth of an em apart may shade an edge pixel
# differently. Allowed: that many pixels differing by more than a trace, per page.
PIXEL_TOLERANCE, TRACE = 40, 24

LATIN = [
    "Jane",
    "Doe",
    "José",
    "Łukasz",
    "Zoë",
    "O'Brien",
    "Anne-Marie",
    "Ñúñez",
    "Şahin",
    "Øystein",
    "Ærø",
    "van",
    "der",
    "Berg",
    "Dvořák",
    "Ğül",
    "Mc",
    "Smith",
    "Jr.",
    "Iván",
]
OTHER = [
    "李小龙",
    "山田太郎",
    "김민준",
    "محمد",
    "שרה",
    "Иван",
    "Петрова",
    "Σοφία",
    "राज",
    "สมชาย",
    "Nguyễn",
    "Trần",
    "Đặng",
    "😀",
    "ǅemal",
    "ﬁne",
]
PROVIDERS = [
    None,
    "Dr. Rivera",
    "Dr. Ana Lí",
    "Nurse Ōkubo",
    "Dr. Ünal-Żak",
    "د. ليلى",
    "Dr. Bartholomew Featherstonehaugh-Cholmondeley of Westminster",
]


@pytest.fixture(scope="module")
def content(tmp_path_factory):
    """The demo clinic with its policy and two obviously synthetic ones (combined sheets)."""
    folder = tmp_path_factory.mktemp("reuse") / "content"
    folder.mkdir()
    for name in ("clinic.toml", "harbor-logo.svg", "microneedling.md"):
        shutil.copy(CONTENT / name, folder)
    source = (DATA / "example-procedure.md").read_text()
    (folder / "example-procedure.md").write_text(source)
    (folder / "lorem-care.md").write_text(synthetic_policy(source, "Lorem Care", "0.3", 14))
    return folder


@pytest.fixture(scope="module")
def project(content):
    return Project(content)


def names():
    words = st.lists(st.sampled_from(LATIN), min_size=1, max_size=4).map(" ".join)
    mixed = st.lists(st.sampled_from(LATIN + OTHER), min_size=1, max_size=3).map(" ".join)
    long = st.lists(st.sampled_from(LATIN), min_size=8, max_size=30).map(" ".join)
    typed = st.text(
        st.characters(codec="utf-8", exclude_categories=("Cc", "Cf", "Cs", "Co", "Cn")),
        min_size=1,
        max_size=60,
    )
    return st.one_of(words, words, mixed, long, typed).map(lambda s: s[:200])


def dates():
    leap = st.sampled_from([date(2028, 2, 29), date(2024, 2, 29), date(2026, 12, 30)])
    return st.one_of(st.dates(date(2025, 1, 1), date(2029, 12, 31)), leap)


def make_patient(name, day, provider):
    try:
        return patient_module.make(name, day.isoformat(), provider)
    except AftercareError:
        return None


def structure(pdf: bytes) -> list:
    """The structure tree in reading order: each element's depth, role, /Lang, /Alt, and its
    marked-content ids; then the catalog's /Lang, metadata and claims."""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        root = document.Root
        pages = {page.objgen: number for number, page in enumerate(document.pages)}
        out: list = [
            str(root.get("/Lang")),
            str(root.get("/MarkInfo")),
            {str(k): str(v) for k, v in document.docinfo.items()},
            bytes(root.Metadata.read_bytes()) if "/Metadata" in root else None,
            len(document.pages),
        ]
        stack = [(root.StructTreeRoot, 0)]
        while stack:
            element, depth = stack.pop()
            kids = element.get("/K")
            if kids is None:
                continue
            kids = kids if isinstance(kids, pikepdf.Array) else [kids]
            page = element.get("/Pg")
            mcids = [int(k) for k in kids if isinstance(k, int)]
            out.append(
                (
                    depth,
                    str(element.get("/S")),
                    str(element.get("/Lang")),
                    str(element.get("/Alt")),
                    pages.get(page.objgen) if page is not None else None,
                    mcids,
                )
            )
            for kid in reversed([k for k in kids if isinstance(k, pikepdf.Dictionary)]):
                stack.append((kid, depth + 1))
        return out


def rasters(pdf: bytes):
    with PDFIUM:
        document = pdfium.PdfDocument(io.BytesIO(pdf))
        try:
            return [page.render(scale=DPI / 72).to_pil().convert("L") for page in document]
        finally:
            document.close()


def assert_same_to_the_eye(reused: bytes, full: bytes) -> None:
    for number, (a, b) in enumerate(zip(rasters(reused), rasters(full), strict=True)):
        assert a.size == b.size
        difference = ImageChops.difference(a, b).point(lambda v: 255 if v > TRACE else 0)
        count = difference.histogram()[255]
        assert count <= PIXEL_TOLERANCE, f"page {number + 1}: {count} pixels differ"


def assert_identical_to_a_reader(reused: bytes, full: bytes) -> None:
    for number, (a, b) in enumerate(zip(pdf_pages(reused), pdf_pages(full), strict=True)):
        at = next(
            (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
        )
        assert a == b, f"page {number + 1}: {a[at - 60 : at + 60]!r} != {b[at - 60 : at + 60]!r}"
    assert structure(reused) == structure(full)
    assert_same_to_the_eye(reused, full)


def compare(project, slugs, patient, today, options, made=None):
    """Render both ways; return whether the shortcut was taken. The sheet the product makes
    (maker.render) is appended to `made` when it is given."""
    maker = project.maker
    policies = project.policies_in(slugs, None)
    sheet = build_sheet(project.clinic, policies, patient, today, options)
    shortcut = maker.reuse.render(sheet, options.archival)
    full = maker.render(project.clinic, policies, patient, today, options, full=True)
    normal = maker.render(project.clinic, policies, patient, today, options)
    if made is not None:
        made.append(normal)
    if shortcut is None:  # not eligible: the full path, byte for byte
        if normal.pdf != full.pdf:
            # Only where the full path itself differs from one render to the next: WeasyPrint
            # subsets colour emoji fonts differently once other sheets were made (upstream).
            again = maker.render(project.clinic, policies, patient, today, options, full=True)
            assert again.pdf != full.pdf
            assert pdf_pages(normal.pdf) == pdf_pages(full.pdf)
        return False
    assert normal.pdf == shortcut.pdf  # deterministic, whatever the cache held
    assert normal.pages == full.pages and normal.warnings == full.warnings
    assert_identical_to_a_reader(normal.pdf, full.pdf)
    return True


@pytest.mark.allow_missing_glyphs
@settings(
    # About 0.7 s of CPU an example (a base, a full render, both read back): the quick loop
    # tries 5, the everyday and edge cases below are fixed tests; `make test` tries 60.
    max_examples=examples(60, quick=5),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    name=names(),
    provider=st.sampled_from(PROVIDERS),
    day=dates(),
    printed=st.integers(0, 40),
    slugs=st.sampled_from(["microneedling", "example-procedure", "example-procedure+lorem-care"]),
    large_print=st.booleans(),
    archival=st.booleans(),
    sheet_id=st.sampled_from([None, "7K3Q-M2XD", "0000-0000", "WWWW-MMMM"]),
    paper=st.sampled_from([None, "a4"]),
)
def test_a_reused_sheet_is_the_full_render_to_a_reader(
    project, name, provider, day, printed, slugs, large_print, archival, sheet_id, paper
):
    patient = make_patient(name, day, provider)
    if patient is None:
        return
    note(repr((name, provider, day, printed, slugs, large_print, archival, sheet_id, paper)))
    options = Options(paper, large_print, archival, sheet_id=sheet_id)
    took = compare(project, slugs.split("+"), patient, day + timedelta(days=printed), options)
    event("made from a base" if took else "full path")


@pytest.mark.parametrize(
    ("name", "provider", "large_print", "archival"),
    [
        ("Jane Doe", "Dr. Rivera", False, False),
        ("Łukasz Dvořák-Ñúñez", None, False, True),
        ("Anne-Marie O'Brien", "Dr. Ana Lí", True, False),
        ("Zoë Şahin", "Dr. Rivera", True, True),
    ],
)
def test_everyday_names_take_the_shortcut_and_read_the_same(
    project, name, provider, large_print, archival
):
    patient = patient_module.make(name, "2028-02-29", provider)
    options = Options(large_print=large_print, archival=archival, sheet_id="7K3Q-M2XD")
    assert compare(project, ["microneedling"], patient, TODAY, options)
    assert compare(project, ["example-procedure", "lorem-care"], patient, TODAY, options)


@pytest.mark.allow_missing_glyphs
@pytest.mark.parametrize(
    "name",
    [
        "李小龙",  # another font
        "محمد علي",  # right to left
        "Nguyễn Trần",  # glyphs the bases do not carry
        "Jane 😀 Doe",  # emoji
        " ".join(["Bartholomew"] * 12),  # wraps on page 1, cut short in the header
        "Jane  Doe",  # typed with two spaces (a Patient made without patient.make)
    ],
)
def test_names_that_cannot_be_made_identical_take_the_full_path(project, name):
    patient = patient_module.Patient(name, date(2026, 11, 23), "Dr. Rivera")
    options = Options(sheet_id="7K3Q-M2XD")
    assert not compare(project, ["microneedling"], patient, TODAY, options)


def test_a_right_to_left_sheet_takes_the_full_path(project):
    """Right to left, a name's width moves it: such sheets are never made from a base."""
    policy = dataclasses.replace(project.policy("microneedling"), lang="ar")
    patient = patient_module.make("Jane Doe", "2026-11-23")
    sheet = build_sheet(project.clinic, policy, patient, TODAY)
    assert reuse.placeholder_sheet(sheet) is None
    assert project.maker.reuse.render(sheet, False) is None


def test_the_bytes_do_not_depend_on_the_cache(project, content):
    """A fresh process (a reprint) makes the same bytes as a warm one with many kinds."""
    patient = patient_module.make("Jane Doe", "2026-11-23", "Dr. Rivera")
    options = Options(sheet_id="7K3Q-M2XD")
    policies = project.policies_in(["microneedling"], None)
    warm = project.maker.render(project.clinic, policies, patient, TODAY, options)
    for offset in range(3):  # other kinds in between
        other = patient_module.make("Ann Lee", (TODAY + timedelta(offset)).isoformat())
        project.maker.render(project.clinic, policies, other, TODAY, options)
    again = project.maker.render(project.clinic, policies, patient, TODAY, options)
    cold = SheetMaker(content).render(project.clinic, policies, patient, TODAY, options)
    assert warm.pdf == again.pdf == cold.pdf


def test_the_cache_is_bounded_and_holds_no_patient_text(content):
    project = Project(content)
    maker = project.maker
    policies = project.policies_in(["microneedling"], None)
    maker.reuse.size = 2  # what holds for 2 holds for reuse.CACHE_SIZE, for fewer renders
    names = []
    for offset in range(maker.reuse.size + 3):
        name = f"Patient Ñame{offset}"
        names.append(name)
        patient = patient_module.make(name, (TODAY - timedelta(offset)).isoformat(), "Dr. Kim")
        maker.render(project.clinic, policies, patient, TODAY, Options(sheet_id="7K3Q-M2XD"))
    cached = maker.reuse.cached()
    assert len(cached) == 2  # 5 kinds made, the 2 latest kept
    for base in cached:
        assert base is not None
        text = pdf_text(base.pdf)
        seen = repr(base.__dict__) + text
        for box_text in (slot.box.text for slot in base.slots):
            seen += box_text
        assert not any(name in seen or "Ñame" in seen for name in names)
        assert "Dr. Kim" not in seen and "7K3Q" not in seen
        assert reuse.NAME not in text and "ZZZ" not in text  # no placeholder left in a page


def test_two_patients_of_one_kind_differ_only_in_their_lines_and_identifier(project):
    """A reused sheet is its base's bytes with the patient's lines written into the rooms
    set apart for them, and its own /ID: each sheet reads with its own name and ID only."""
    policies = project.policies_in(["microneedling"], None)
    made = {}
    for name, sheet_id in (("Jane Doe", "7K3Q-M2XD"), ("Ann Lee", "0000-0000")):
        patient = patient_module.make(name, "2026-10-02", "Dr. Rivera")
        sheet = build_sheet(project.clinic, policies, patient, TODAY, Options(sheet_id=sheet_id))
        made[name] = project.maker.reuse.render(sheet, False)
        assert made[name] is not None, name
    jane, ann = made["Jane Doe"].pdf, made["Ann Lee"].pdf
    assert len(jane) == len(ann)
    base = next(
        b for b in project.maker.reuse.cached() if b is not None and len(b.pdf) == len(jane)
    )
    rooms = [(at, at + slot.room) for at, slot in zip(base.offsets, base.slots, strict=True)]
    rooms += [(at, at + 32) for at in base.identifier]
    changed = [i for i in range(len(jane)) if jane[i] != ann[i]]
    assert changed and all(any(a <= i < b for a, b in rooms) for i in changed)
    identifiers = [
        re.search(rb"/ID \[\((\w{32})\) \((\w{32})\)\]", pdf).groups() for pdf in (jane, ann)
    ]
    assert identifiers[0][0] == identifiers[0][1] != identifiers[1][0]
    assert (
        identifiers[0][0]
        == hashlib.md5(
            jane[: base.identifier[0]]
            + base.pdf[base.identifier[0] : base.identifier[1] + 32]
            + jane[base.identifier[1] + 32 :],
            usedforsecurity=False,
        )
        .hexdigest()
        .encode()
    )
    jane_text, ann_text = pdf_text(jane), pdf_text(ann)
    assert "Jane Doe" in jane_text and "7K3Q-M2XD" in jane_text and "Ann Lee" not in jane_text
    assert "Ann Lee" in ann_text and "0000-0000" in ann_text and "Jane" not in ann_text


def with_template(content, monkeypatch, edit):
    """A project whose sheet HTML goes through `edit(html, sheet)` (a template change);
    also the unedited sheet_html."""
    project = Project(content)
    templates = project.maker.templates
    sheet_html = templates.sheet_html
    monkeypatch.setattr(templates, "sheet_html", lambda sheet: edit(sheet_html(sheet), sheet))
    return project, sheet_html


@pytest.mark.parametrize(
    "where",
    [
        ("<title>", "<title>{}: "),  # the PDF's /Title
        ("<body", '<img alt="{}" src="harbor-logo.svg" style="width:1px"><body'),  # an /Alt
        ("<h1", '<h1 style="font-size:1px">{}</h1><h1'),  # a bookmark
    ],
    ids=["title", "alternative-text", "bookmark"],
)
def test_a_name_anywhere_but_a_drawn_line_takes_the_full_path(content, where, monkeypatch):
    """Were a template to put the name in the metadata, an alternative text or a bookmark,
    a base would carry the placeholder there: such kinds are never made from a base."""
    before, after = where

    def edit(html, sheet):
        return html.replace(before, after.format(markupsafe.escape(sheet.patient.name)), 1)

    project, sheet_html = with_template(content, monkeypatch, edit)
    html = project.maker.templates.sheet_html
    patient = patient_module.make("Jane Doe", "2026-11-23", "Dr. Rivera")
    policies = project.policies_in(["microneedling"], None)
    options = Options(sheet_id="7K3Q-M2XD")
    sheet = build_sheet(project.clinic, policies, patient, TODAY, options)
    assert html(sheet).count("Jane Doe") > sheet_html(sheet).count("Jane Doe")
    assert project.maker.reuse.render(sheet, False) is None
    assert project.maker.reuse.cached() == [None]  # the kind is known to take the full path
    made = project.maker.render(project.clinic, policies, patient, TODAY, options)
    assert "Jane Doe" in pdf_text(made.pdf) and reuse.NAME not in pdf_text(made.pdf)


def test_a_placeholder_broken_across_two_lines_takes_the_full_path(content, monkeypatch):
    """On this combined A4 sheet the base's wrapping footer breaks "ZZZZ-ZZZZ" after its
    hyphen, where a real ID ("7K3Q-M2XD") does not break: the base has no whole sheet-ID
    line to fill in, so the sheet takes the full path and prints its own ID. (The footer
    now keeps the ID whole, class "whole", and its width differs: the test takes that away
    and narrows the footer to make the break.)"""

    def edit(html, _):
        html = html.replace('<span class="whole">', "<span>")
        return html.replace(
            '<div class="running-footer">', '<div class="running-footer" style="width: 135mm">'
        )

    project, _ = with_template(content, monkeypatch, edit)
    patient = patient_module.make("Jane", "2028-10-31", "Dr. Rivera")
    options = Options("a4", sheet_id="7K3Q-M2XD")
    today = date(2028, 11, 23)
    made = []
    assert not compare(project, ["example-procedure", "lorem-care"], patient, today, options, made)
    pages = pdf_pages(made[0].pdf)
    assert all("7K3Q" in page and "ZZZ" not in page for page in pages)


@pytest.mark.parametrize(
    ("element", "transform", "printed"),
    [
        ('class="header-name"', "uppercase", "JANE DOE"),  # the box's text is "ZQXJKV"
        ('class="field-value name"', "capitalize", "Jane Doe"),
    ],
)
def test_a_transformed_name_takes_the_full_path(content, monkeypatch, element, transform, printed):
    """text-transform changes a box's text itself: a base would print its placeholder
    transformed ("ZQXJKV"), or a patient's line untransformed. Such kinds take the full path."""
    styled = f'{element} style="text-transform: {transform}"'
    project, _ = with_template(
        content, monkeypatch, lambda html, _: html.replace(element, styled, 1)
    )
    patient = patient_module.make(
        "jane doe" if transform == "capitalize" else "Jane Doe", "2026-11-23"
    )
    policies = project.policies_in(["microneedling"], None)
    sheet = build_sheet(project.clinic, policies, patient, TODAY, Options(sheet_id="7K3Q-M2XD"))
    assert project.maker.reuse.render(sheet, False) is None
    made = project.maker.render(
        project.clinic, policies, patient, TODAY, Options(sheet_id="7K3Q-M2XD")
    )
    text = pdf_text(made.pdf)
    assert printed in text and "ZQX" not in text.upper()
