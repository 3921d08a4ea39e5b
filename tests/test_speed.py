"""What makes every sheet cheaper without changing it (generator/writing.py): each PDF object
made once per write, streams compressed at zlib's default level, a font subset and a large
stream's compression kept for the next sheet; and a process settled after its first sheet
(generator/project.py's settle)."""

from __future__ import annotations

import gc
import zlib

import pydyf
import pytest

from generator import patient as patient_module
from generator import project as project_module
from generator import writing
from generator.sheet import Options

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


def test_fonts_are_subset_and_compressed_once_per_process(project, monkeypatch):
    """The next sheet with the same glyphs takes its font subsets and their compression from
    the last one, and is the same, byte for byte, as a sheet made with nothing kept."""
    monkeypatch.setattr(writing, "_SUBSETS", type(writing._SUBSETS)())
    monkeypatch.setattr(writing, "_COMPRESSED", type(writing._COMPRESSED)())
    subsets, compressions = [], []
    upstream_subset, upstream_compress = writing._upstream_subset, zlib.compress
    monkeypatch.setattr(
        writing, "_upstream_subset", lambda *a: subsets.append(1) or upstream_subset(*a)
    )
    monkeypatch.setattr(
        writing.zlib,
        "compress",
        lambda data, level: compressions.append(len(data)) or upstream_compress(data, level),
    )
    first = sheet(project)
    fonts = len(subsets)
    large = sum(1 for size in compressions if size >= writing.LARGE)
    assert fonts >= 3 and large >= fonts
    subsets.clear(), compressions.clear()
    again = sheet(project)
    assert again.pdf == first.pdf
    assert subsets == [] and all(size < writing.LARGE for size in compressions)


def test_inspecting_sees_every_object_of_a_pdf(project):
    """reuse.py finds placeholders this way: the title (info dictionary and XMP), the
    page text's fonts, every stream before compression."""
    seen: list[bytes] = []
    with writing.inspecting(seen.append):
        result = sheet(project)
    everything = b"\n".join(seen)
    assert b"Micro-Needling" in everything  # the title
    assert b"<x:xmpmeta" in everything or b"xmpmeta" in everything
    assert len(seen) >= result.pdf.count(b"\nstream\n")


@pytest.mark.parametrize("kept", [True, False])
def test_nothing_is_kept_between_writes_but_fonts(project, kept):
    """Bytes made while one PDF is written are dropped after it: two sheets never share
    their patient's page content."""
    a = sheet(project, "Jane Doe")
    b = sheet(project, "Ann Lee") if kept else sheet(project, "Jane Doe", "2026-11-16")
    assert writing._WRITING.get() is None
    assert ("Ann Lee" in pdf_text(b.pdf)) is kept and "Ann Lee" not in pdf_text(a.pdf)


def test_a_process_settles_after_its_first_sheet(project):
    """After a process's first sheet, what it keeps for its life is out of the garbage
    collector's reach (gc.freeze): later collections walk only what later sheets made."""
    patient = patient_module.make("Jane Doe", "2026-11-23")
    project.maker.render(project.clinic, project.policies_in(["microneedling"], None), patient)
    assert project_module._settled
    assert gc.get_freeze_count() > 10_000  # fonts, styles, templates, locales
    frozen = gc.get_freeze_count()
    project.maker.render(
        project.clinic, project.policies_in(["microneedling"], None), patient, TODAY, Options()
    )
    assert gc.get_freeze_count() == frozen  # once per process
