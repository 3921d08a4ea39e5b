"""Every PDF's streams compressed once, at zlib's default level: the same pages, sooner.

pydyf (WeasyPrint's PDF writer) builds a stream's bytes each time they are asked for, and
asks twice for every object of a PDF with an /ID (every sheet has one): once to write it,
once more to hash the whole file for the /ID. Each stream was so compressed twice, at level
9: about 40 ms of a 280 ms sheet. While one PDF is written, each stream's bytes are made once
here (the writer changes no object meanwhile), at level 6: half the time of level 9, for 0.5%
more bytes on a sheet (bench/bench.py). What a stream holds, and how it reads, is unchanged.
"""

from __future__ import annotations

import zlib
from contextvars import ContextVar

import pydyf

LEVEL = 6  # zlib's default; pydyf uses 9

_upstream_data = pydyf.Stream.data.fget
_upstream_write = pydyf.PDF.write
_MADE: ContextVar[dict[int, tuple[pydyf.Stream, bytes]] | None] = ContextVar(
    "aftercare_streams", default=None
)


def stream_bytes(stream: pydyf.Stream, level: int = LEVEL) -> bytes:
    """The stream as pydyf writes it (pydyf 0.13's Stream.data), compressed at `level`."""
    data = b"\n".join(pydyf._to_bytes(item) for item in stream.stream)
    extra = pydyf.Dictionary(stream.extra.copy())
    if stream.compress:
        extra["Filter"] = "/FlateDecode"
        data = zlib.compress(data, level)
    extra["Length"] = len(data)
    return b"\n".join((extra.data, b"stream", data, b"endstream"))


def _data(self: pydyf.Stream) -> bytes:
    made = _MADE.get()
    if made is None:
        return stream_bytes(self)
    entry = made.get(id(self))
    if entry is None:  # the stream is kept with its bytes, so its id is not reused meanwhile
        entry = made[id(self)] = (self, stream_bytes(self))
    return entry[1]


def _write(self: pydyf.PDF, *args, **kwargs):
    token = _MADE.set({})
    try:
        return _upstream_write(self, *args, **kwargs)
    finally:
        _MADE.reset(token)


pydyf.Stream.data = property(_data)  # type: ignore[method-assign, assignment]
pydyf.PDF.write = _write  # type: ignore[method-assign]
