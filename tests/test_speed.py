"""What makes every sheet cheaper without changing it: each PDF stream compressed once, at
zlib's default level (generator/streams.py), and a process settled after its first sheet
(generator/project.py's settle)."""

from __future__ import annotations

import gc
import zlib

import pydyf

from generator import patient as patient_module
from generator import project as project_module
from generator import streams
from generator.sheet import Options

from .conftest import TODAY, pdf_text


def test_a_stream_is_written_as_pydyf_writes_it_at_another_level():
    """streams.stream_bytes is pydyf's Stream.data but for the level: a guard for when pydyf
    changes how it writes a stream."""
    stream = pydyf.Stream([b"BT", b"/F1 12 Tf", b"[<0102>-12<0304>] TJ", "ET"], {"Foo": 1})
    stream.compress = True
    assert streams.stream_bytes(stream, level=9) == streams._upstream_data(stream)
    ours = streams.stream_bytes(stream)
    head, _, rest = ours.partition(b"\nstream\n")
    assert head == b"<</Foo 1/Filter /FlateDecode/Length %d>>" % (len(rest) - len(b"\nendstream"))
    assert (
        zlib.decompress(rest[: -len(b"\nendstream")]) == b"BT\n/F1 12 Tf\n[<0102>-12<0304>] TJ\nET"
    )
    stream.compress = False
    assert streams.stream_bytes(stream) == streams._upstream_data(stream)


def test_each_stream_of_a_sheet_is_made_once(project, monkeypatch):
    """pydyf asks for every object twice (to write it, then to hash the file for its /ID):
    each stream's bytes are made, and compressed, once per PDF."""
    made: list[int] = []
    upstream = streams.stream_bytes

    def counted(stream, level=streams.LEVEL):
        made.append(id(stream))
        return upstream(stream, level)

    monkeypatch.setattr(streams, "stream_bytes", counted)
    patient = patient_module.make("Jane Doe", "2026-11-23", "Dr. Rivera")
    result = project.maker.render(
        project.clinic, project.policies_in(["microneedling"], None), patient, TODAY, full=True
    )
    assert "Jane Doe" in pdf_text(result.pdf)
    assert made and len(made) == len(set(made))
    assert len(made) == result.pdf.count(b"\nstream\n")  # every stream in the file, once


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
