"""What makes every sheet cheaper without changing it (generator/writing.py): each PDF object
made once per write, streams compressed at zlib's default level, a font subset and a large
stream's compression kept for the next sheet; and a process settled after its first sheet
(generator/project.py's settle)."""

from __future__ import annotations

import subprocess
import sys
import zlib

import pydyf
import pytest

from generator.content import patient as patient_module
from generator.paths import ROOT
from generator.render import write_cache as writing
from generator.render.maker import SheetMaker
from generator.sheet.model import Options

from .conftest import TODAY, pdf_text


def test_a_stream_is_written_as_pydyf_writes_it_at_another_level():
    """writing.stream_bytes is pydyf's Stream.data but for the level: a guard for when pydyf
    changes how it writes a stream."""
    stream = pydyf.Stream([b"BT", b"/F1 12 Tf", b"[<0102>-12<0304>] TJ", "ET"], {"Foo": 1})
    stream.compress = True
    assert writing.stream_bytes(stream, level=9) == writing._upstream_data[pydyf.Stream](stream)
    ours = writing.stream_bytes(stream)
    head, _, rest = ours.partition(b"\nstream\n")
    assert head == b"<</Foo 1/Filter /FlateDecode/Length %d>>" % (len(rest) - len(b"\nendstream"))
    assert (
        zlib.decompress(rest[: -len(b"\nendstream")]) == b"BT\n/F1 12 Tf\n[<0102>-12<0304>] TJ\nET"
    )
    stream.compress = False
    assert writing.stream_bytes(stream) == writing._upstream_data[pydyf.Stream](stream)


def sheet(project, name="Jane Doe", day="2026-11-23"):
    patient = patient_module.make(name, day, "Dr. Rivera")
    policies = project.policies_in(["microneedling"], None)
    return project.maker.render(project.clinic, policies, patient, TODAY, full=True)


def test_each_stream_of_a_sheet_is_made_once(project, monkeypatch):
    """pydyf asks for every object twice (to write it, then to hash the file for its /ID):
    each stream's bytes are made, and compressed, once per PDF."""
    made: list[int] = []
    upstream = writing.stream_bytes

    def counted(stream, level=writing.LEVEL):
        made.append(id(stream))
        return upstream(stream, level)

    monkeypatch.setattr(writing, "stream_bytes", counted)
    result = sheet(project)
    assert "Jane Doe" in pdf_text(result.pdf)
    assert made and len(made) == len(set(made))
    assert len(made) == result.pdf.count(b"\nstream\n")  # every stream in the file, once


FONT_MAGIC = (b"\x00\x01\x00\x00", b"OTTO", b"true")


def test_a_bases_fonts_are_subset_and_compressed_once_per_process(project, monkeypatch):
    """A base rebuilt (another process's cache, the same kind) takes its font subsets and
    their compression from the last base, and is the same, byte for byte, as one made with
    nothing kept."""
    monkeypatch.setattr(writing, "_SUBSETS", type(writing._SUBSETS)())
    monkeypatch.setattr(writing, "_COMPRESSED", type(writing._COMPRESSED)())
    subsets, compressed = [], []
    upstream_subset, upstream_compress = writing._upstream_subset, zlib.compress
    monkeypatch.setattr(
        writing, "_upstream_subset", lambda *a: subsets.append(1) or upstream_subset(*a)
    )
    monkeypatch.setattr(
        writing.zlib,
        "compress",
        lambda data, level: compressed.append(data[:4]) or upstream_compress(data, level),
    )
    policies = project.policies_in(["microneedling"], None)

    def made_by_a_new_process(name):
        patient = patient_module.make(name, "2026-09-14", "Dr. Rivera")
        maker = SheetMaker(project.content_dir)  # an empty cache of bases
        return maker.render(project.clinic, policies, patient, TODAY, Options(sheet_id="7K3Q-M2XD"))

    first = made_by_a_new_process("Jane Doe")
    assert "Jane Doe" in pdf_text(first.pdf)
    fonts = len(subsets)
    assert fonts >= 3 and sum(1 for magic in compressed if magic in FONT_MAGIC) == fonts
    subsets.clear(), compressed.clear()
    other = made_by_a_new_process("Ann Lee")
    assert "Ann Lee" in pdf_text(other.pdf) and "Jane Doe" not in pdf_text(other.pdf)
    assert subsets == [] and compressed and not any(m in FONT_MAGIC for m in compressed)
    writing._SUBSETS.clear(), writing._COMPRESSED.clear()
    assert made_by_a_new_process("Ann Lee").pdf == other.pdf  # nothing kept: the same bytes


@pytest.mark.parametrize("name", ["Ann Lee", "李小龙"])
def test_nothing_of_a_patients_sheet_is_kept(project, monkeypatch, name):
    """A patient's own sheet (a full render: another script, or forced) keeps nothing: its
    name font would hold the name's glyphs. A base's fonts are kept, and only fonts."""
    monkeypatch.setattr(writing, "_SUBSETS", type(writing._SUBSETS)())
    monkeypatch.setattr(writing, "_COMPRESSED", type(writing._COMPRESSED)())
    patient = patient_module.make(name, "2026-11-23", "Dr. Rivera")
    policies = project.policies_in(["microneedling"], None)
    made = project.maker.render(project.clinic, policies, patient, TODAY, full=True)
    assert name in pdf_text(made.pdf)
    assert writing._WRITING.get() is None  # what one write made is dropped after it
    assert not writing._SUBSETS and not writing._COMPRESSED
    SheetMaker(project.content_dir).render(project.clinic, policies, patient, TODAY)  # a base
    kept = [zlib.decompress(data)[:4] for data in writing._COMPRESSED.values()]
    assert all(magic in FONT_MAGIC for magic in kept)
    assert bool(kept) is (name == "Ann Lee")  # a CJK name takes the full path


def test_inspecting_sees_every_object_of_a_pdf(project):
    """reuse.py finds placeholders this way: every dictionary (the info dictionary, the
    catalog, the structure tree's alternative texts) and every stream before compression."""
    seen: list[bytes] = []
    with writing.inspecting(seen.append):
        result = sheet(project)
    everything = b"\n".join(seen)
    assert b"/Producer (WeasyPrint" in everything  # the info dictionary, added while written
    assert b"/StructTreeRoot" in everything  # the catalog
    assert b"/Alt (Harbor Skin Clinic logo)" in everything  # a structure element
    assert b"<x:xmpmeta" in everything  # the XMP metadata stream, uncompressed
    assert sum(1 for data in seen if data[:4] in FONT_MAGIC) >= 3  # font files, uncompressed
    assert len(seen) >= result.pdf.count(b"\nstream\n")


def test_a_process_settles_after_its_first_sheet(tmp_path):
    """In a new process: nothing is frozen before its first sheet; after it, what the process
    keeps for its life is out of the garbage collector's reach (gc.freeze), once."""
    script = """
import gc
from datetime import date
from generator.content import patient
from generator.project import Project
project = Project()
policies = project.policies_in(["microneedling"], None)
jane = patient.make("Jane Doe", "2026-11-23")
print(gc.get_freeze_count())
project.maker.render(project.clinic, policies, jane, date(2026, 11, 23))
print(gc.get_freeze_count())
project.maker.render(project.clinic, policies, jane, date(2026, 11, 24))
print(gc.get_freeze_count())
"""
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.split()
    before, after, later = (int(n) for n in out)
    assert before == 0 and after > 10_000 and later == after  # fonts, styles, templates
