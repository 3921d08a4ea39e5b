"""Writing a PDF: what pydyf and WeasyPrint repeat, done once. The same pages, sooner.

- pydyf (WeasyPrint's PDF writer) builds an object's bytes each time they are asked for, and
  asks twice for every object of a PDF with an /ID (every sheet has one): once to write it,
  once more to hash the file for the /ID. Each stream was so compressed twice, at level 9:
  about 40 ms of a 280 ms sheet. While one PDF is written, each of its objects' bytes are
  made once here (the writer changes no object meanwhile), and streams are compressed at
  level 6: half the time of level 9, for 0.1% more bytes on a sheet.
- While a PDF with no patient text is written (a base of reuse.py: `keeping()`), its font
  subsets and their compressed bytes are kept for the next such PDF (LRU, by font and glyphs):
  a base's fonts carry the alphabet, so they rarely change from one kind to the next. Nothing
  is kept from a patient's own sheet: a font subset there holds the glyphs of the name.

`inspecting(callback)` shows each object's bytes (a stream's before compression) to the
callback as the PDF is written, at no extra cost: reuse.py looks for placeholders that way.
"""

from __future__ import annotations

import hashlib
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

import pydyf
from weasyprint.pdf import fonts as upstream_fonts

LEVEL = 6  # zlib's default; pydyf uses 9
KEPT = 64  # compressed streams and font subsets kept, each

_KINDS = (pydyf.Stream, pydyf.Dictionary, pydyf.Array, pydyf.String)
_upstream_data = {kind: kind.data.fget for kind in _KINDS}
_upstream_write = pydyf.PDF.write
_upstream_subset = upstream_fonts.Font.subset


@dataclass
class _Writing:
    """One PDF being written: its own objects, their bytes once made, who looks at them."""

    own: set[int]
    inspect: Callable[[bytes], None] | None
    made: dict[int, tuple[object, bytes]] = field(default_factory=dict)


_WRITING: ContextVar[_Writing | None] = ContextVar("aftercare_writing", default=None)
_INSPECT: ContextVar[Callable[[bytes], None] | None] = ContextVar("aftercare_inspect", default=None)
_KEEPING: ContextVar[bool] = ContextVar("aftercare_keeping", default=False)
_COMPRESSED: OrderedDict[bytes, bytes] = OrderedDict()
_SUBSETS: OrderedDict[tuple, bytes] = OrderedDict()
_LOCK = threading.Lock()  # the desk renders reprints in its request threads


def _kept(cache: OrderedDict, key):
    with _LOCK:
        found = cache.get(key)
        if found is not None:
            cache.move_to_end(key)
        return found


def _keep(cache: OrderedDict, key, value) -> None:
    with _LOCK:
        cache[key] = value
        while len(cache) > KEPT:
            cache.popitem(last=False)


def is_font_file(stream: pydyf.Stream) -> bool:
    """Whether the stream is an embedded font file (WeasyPrint's build_fonts_dictionary)."""
    return "Length1" in stream.extra or stream.extra.get("Subtype") == "/OpenType"


def compressed(data: bytes, level: int = LEVEL, keep: bool = False) -> bytes:
    """`data` compressed; once per process when it is to be kept (a font file)."""
    if not keep:
        return zlib.compress(data, level)
    key = hashlib.blake2b(data, digest_size=20, salt=bytes([level])).digest()
    found = _kept(_COMPRESSED, key)
    if found is None:
        found = zlib.compress(data, level)
        _keep(_COMPRESSED, key, found)
    return found


def stream_bytes(stream: pydyf.Stream, level: int = LEVEL) -> bytes:
    """The stream as pydyf writes it (pydyf 0.13's Stream.data), compressed at `level`."""
    data = b"\n".join(pydyf._to_bytes(item) for item in stream.stream)
    writing = _WRITING.get()
    if writing is not None and writing.inspect is not None:
        writing.inspect(data)
    extra = pydyf.Dictionary(stream.extra.copy())
    if stream.compress:
        extra["Filter"] = "/FlateDecode"
        data = compressed(data, level, keep=_KEEPING.get() and is_font_file(stream))
    extra["Length"] = len(data)
    return b"\n".join((extra.data, b"stream", data, b"endstream"))


def _made(obj) -> bytes:
    if isinstance(obj, pydyf.Stream):
        return stream_bytes(obj)
    return next(_upstream_data[kind] for kind in type(obj).__mro__ if kind in _upstream_data)(obj)


def _data(self) -> bytes:
    """An object's bytes: made once while a PDF is written (a stream always, as pydyf makes
    its object and cross-reference streams as it writes; other objects if the PDF's own)."""
    writing = _WRITING.get()
    if writing is None:
        return _made(self)
    entry = writing.made.get(id(self))
    if entry is not None:
        return entry[1]
    data = _made(self)
    if not isinstance(self, pydyf.Stream):
        if id(self) not in writing.own:
            return data  # a part of another object: made when that one is
        if writing.inspect is not None:
            writing.inspect(data)
    writing.made[id(self)] = (self, data)  # kept alive with its bytes: its id is not reused
    return data


def _write(self: pydyf.PDF, *args, **kwargs):
    own = {id(obj) for obj in self.objects} | {id(self.info)}
    token = _WRITING.set(_Writing(own, _INSPECT.get()))
    try:
        return _upstream_write(self, *args, **kwargs)
    finally:
        _WRITING.reset(token)


@contextmanager
def keeping() -> Iterator[None]:
    """Keep the font subsets and compressed font files of the PDFs written meanwhile, and
    take them from earlier ones: only for PDFs that hold no patient text."""
    token = _KEEPING.set(True)
    try:
        yield
    finally:
        _KEEPING.reset(token)


@contextmanager
def inspecting(callback: Callable[[bytes], None]) -> Iterator[None]:
    """Show `callback` the bytes of every object of the PDFs written meanwhile (a stream's
    before compression), each once."""
    token = _INSPECT.set(callback)
    try:
        yield
    finally:
        _INSPECT.reset(token)


def _subset(self, to_unicode, hinting):
    """WeasyPrint's Font.subset, kept per font and glyph set while `keeping()`."""
    if not to_unicode or not _KEEPING.get():
        return _upstream_subset(self, to_unicode, hinting)
    key = (
        self.hash,
        self.index,
        hashlib.blake2b(self.file_content, digest_size=20).digest(),
        tuple(sorted(to_unicode)),
        bool(hinting),
        bool(self.missing),
    )
    found = _kept(_SUBSETS, key)
    if found is None:
        _upstream_subset(self, to_unicode, hinting)
        _keep(_SUBSETS, key, self.file_content)
    else:
        self.file_content = found
    return None


def install() -> None:
    """Put this module's wrappers into WeasyPrint, wrapping what is there now (called once,
    in order, by weasyprint_patches.install)."""
    global _upstream_data, _upstream_write, _upstream_subset
    _upstream_data = {kind: kind.data.fget for kind in _KINDS}
    _upstream_write = pydyf.PDF.write
    _upstream_subset = upstream_fonts.Font.subset
    for kind in _KINDS:
        kind.data = property(_data)  # type: ignore[method-assign, assignment]
    pydyf.PDF.write = _write  # type: ignore[method-assign]
    upstream_fonts.Font.subset = _subset  # type: ignore[method-assign]
