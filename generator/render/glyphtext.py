"""Every drawn glyph reads back as the text it shows, in the order readers put it back.

A PDF's text is its glyphs: a reader (pdf.js, poppler's pdftotext, a screen reader through
them) takes each glyph's characters from the font's ToUnicode map, in the order the glyphs are
drawn, then puts right-to-left runs back into logical order with the Unicode bidirectional
algorithm, character by character. WeasyPrint 70 (draw/text.py) maps each glyph id once per
font, to the text of the cluster where it is first drawn, in logical order. So:

- A glyph that stands for several characters in a right-to-left run (the lam-alef ligature
  "لا", a letter with its marks) is reversed with its run: "لا" reads "ال", "على" "عىل".
- A glyph drawn for different texts keeps the first: the ")" glyph Pango draws for a mirrored
  "(" in Arabic then reads "(" in every English line too, and the reverse; a Devanagari
  consonant first drawn with its reordered vowel sign reads with that vowel everywhere.

Here each glyph occurrence maps to its own cluster's text, reversed in a right-to-left run
(a mirrored bracket keeps its logical character: readers reverse, they do not mirror). The
first text drawn with a glyph keeps the glyph's own code; another text gets an alias code,
taken from the top of the 16-bit code space, that the font's encoding CMap sends to the same
glyph (CID) and its ToUnicode to that text. Codes are given in drawing order: the same
document gets the same codes, so reprints stay byte-identical. A font with no free codes (a
CJK font of 65,535 glyphs) keeps the first text, as upstream does.

An ellipsis that `text-overflow` draws stands for the text it hides (Pango makes the cut its
cluster); it reads as "…".

Active only inside `active()`: tagging.write_pdf writes every sheet in it, and reuse.py shapes
a patient's line in it, so a plain `Document.write_pdf` is upstream's (tests/test_pdf_structure.py
checks that upstream still reads "لا" reversed). `install()` wraps draw/text.py's
`draw_first_line` and pdf/fonts.py's `build_fonts_dictionary`, first of all the project's
wrappers (weasyprint_patches.py): reuse.py's wrappers then see the codes chosen here.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from math import ceil

import pydyf
from fontTools.ttLib import TTFont, TTLibError
from weasyprint import pdf as upstream_pdf
from weasyprint.draw import text as upstream_text
from weasyprint.text.ffi import ffi, pango

LAST_CODE = 0xFFFF  # aliases count down from here
FREE_MARGIN = 4096  # codes kept free above a font's glyphs (and its missing-glyph codes)
ELLIPSIS = "\u2026"
_OPENING = "([{<«‹"
_TWINS = dict(zip("()[]{}<>«»‹›", ")(][}{><»«›‹", strict=True))
FILLER = "\u200b"  # what a glyph with no character of its own reads: pdf.js skips a format mark
_ELLIPSIS_GLYPHS: dict[str, int | None] = {}  # by font hash; a handful per process
_ACTIVE: ContextVar[bool] = ContextVar("aftercare_glyphtext", default=False)


@contextmanager
def active() -> Iterator[None]:
    """Glyphs drawn and fonts written inside read as their own text (see the module)."""
    token = _ACTIVE.set(True)
    try:
        yield
    finally:
        _ACTIVE.reset(token)


@dataclass
class _Codes:
    """The glyph map of one font file in one document: what each glyph's own code reads,
    set by the first text drawn with it, and the alias codes of the other texts."""

    settled: set[int] = field(default_factory=set)
    aliases: dict[tuple[int, str], int] = field(default_factory=dict)  # (glyph, text) -> code


def aliases_of(font) -> dict[tuple[int, str], int]:
    """The alias codes drawn in `font` (a WeasyPrint Font): (glyph, text) -> code."""
    codes = getattr(font, "aftercare_codes", None)
    return codes.aliases if codes is not None else {}


# ---------- While drawing: each glyph's own text ------------------------------------------

_upstream_draw_first_line = upstream_text.draw_first_line  # set again by install()


def _draw_first_line(stream, textbox, text_overflow, block_ellipsis, matrix):
    """Upstream's, then each glyph it drew mapped to its own text (see the module)."""
    start = len(stream.stream)
    emojis = _upstream_draw_first_line(stream, textbox, text_overflow, block_ellipsis, matrix)
    if _ACTIVE.get() and len(stream.stream) > start:
        glyphs = _glyphs(stream, textbox)
        if glyphs is not None:
            _recode(stream, start, glyphs)
    return emojis


def _glyphs(stream, textbox) -> list[tuple] | None:
    """(font, glyph id or None if missing, text to read) of each glyph code the first line
    drew, in drawing order, as draw_first_line walks them; None for a bitmap font."""
    line, _ = textbox.pango_layout.get_first_line()
    utf8 = textbox.pango_layout.text.encode()
    glyphs: list[tuple] = []
    run = line.runs[0] if line.runs != ffi.NULL else ffi.NULL
    while run != ffi.NULL:
        item, string = run.data.item, run.data.glyphs
        run = run.next
        font, _ = stream.add_font(item.analysis.font)
        if font.bitmap:
            return None
        rtl = item.analysis.level % 2 == 1
        for first, last in _clusters(string):
            end = first - 1 if rtl else last + 1  # the glyph of the next cluster in the text
            inside = end in range(string.num_glyphs)
            stop = string.log_clusters[end] if inside else item.length
            start = item.offset + string.log_clusters[first]
            text = utf8[start : item.offset + stop].decode()
            drawn = [
                string.glyphs[i].glyph
                for i in range(first, last + 1)
                if string.glyphs[i].glyph != pango.PANGO_GLYPH_EMPTY
            ]
            if len(drawn) == 1 and len(text) > 1 and drawn[0] == _ellipsis_glyph(font):
                text = ELLIPSIS
            if rtl:
                text = _twin(text, utf8[:start], utf8[item.offset + stop :]) or text[::-1]
            pieces = iter(_share(text, len(drawn)))
            for glyph in drawn:
                piece = next(pieces)
                unknown = glyph & pango.PANGO_GLYPH_UNKNOWN_FLAG
                glyphs.append((font, None, None) if unknown else (font, glyph, piece))
    return glyphs


def _twin(text: str, before: bytes, after: bytes) -> str | None:
    """A bracket or quote mark in a right-to-left run, drawn mirrored around left-to-right
    text ("שרה (Sarah)"), reads as the mark drawn: readers put that text back in its own
    order, mark included. Around right-to-left text it reads as itself (None)."""
    twin = _TWINS.get(text)
    if twin is None:
        return None
    forward = text in _OPENING  # the text it encloses follows it; a closing one precedes it
    around = after.decode() if forward else before.decode()[::-1]
    for char in around:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return None
        if kind == "L":
            return twin
    return None


def _clusters(string) -> list[tuple[int, int]]:
    """The first and last glyph index of each cluster of a Pango glyph string."""
    clusters, found, first = string.log_clusters, [], 0
    for i in range(1, string.num_glyphs + 1):
        if i == string.num_glyphs or clusters[i] != clusters[first]:
            found.append((first, i - 1))
            first = i
    return found


def _share(text: str, count: int) -> list[str]:
    """`text` shared out in order over a cluster's `count` glyphs, as readers join them: a
    character each, the rest on the last; a glyph left without one reads as FILLER."""
    if count <= 1:
        return [text] * count
    pieces = [*text[: count - 1], text[count - 1 :]]
    pieces += [""] * (count - len(pieces))  # more glyphs than characters: a dotted circle
    return [piece or FILLER for piece in pieces]


def _recode(stream, start: int, glyphs: list[tuple]) -> None:
    """Rewrite the codes of the TJ operators drawn from `start` so that each glyph reads as
    its text; nothing is changed unless the operators hold exactly `glyphs`' codes."""
    ops = stream.stream
    shown = [
        index
        for index in range(start, len(ops))
        if isinstance(ops[index], bytes) and ops[index].endswith(b" TJ")
    ]
    codes = [_codes(op) for op in (ops[index] for index in shown)]
    flat = [code for op_codes in codes for _, code in op_codes]
    if len(flat) != len(glyphs) or any(
        glyph is not None and code != glyph
        for code, (_, glyph, _) in zip(flat, glyphs, strict=True)
    ):
        return  # not as expected: upstream's codes stay
    chosen = iter(
        [
            code if glyph is None else _code_for(font, glyph, text)
            for code, (font, glyph, text) in zip(flat, glyphs, strict=True)
        ]
    )
    for index, op_codes in zip(shown, codes, strict=True):
        op = bytearray(ops[index])
        for at, code in op_codes:
            new = next(chosen)
            if new != code:
                op[at : at + 4] = b"%04x" % new
        ops[index] = bytes(op)


def _codes(op: bytes) -> list[tuple[int, int]]:
    """(byte offset, code) of each 4-hex-digit glyph code in a `[<...> n <...>] TJ`."""
    found = []
    at = op.find(b"<")
    while at != -1:
        end = op.index(b">", at)
        for position in range(at + 1, end, 4):
            found.append((position, int(op[position : position + 4], 16)))
        at = op.find(b"<", end)
    return found


def _code_for(font, glyph: int, text: str) -> int:
    """The code that draws `glyph` and reads `text` in `font`: the glyph's own, or an alias."""
    codes = _state(font)
    if glyph not in codes.settled:
        codes.settled.add(glyph)
        font.to_unicode[glyph] = text
        return glyph
    if font.to_unicode.get(glyph) == text:
        return glyph
    code = codes.aliases.get((glyph, text))
    if code is None:
        code = LAST_CODE - len(codes.aliases)
        if code < font.glyph_count + len(font.missing) + FREE_MARGIN:
            return glyph  # no room: the first text stays, as upstream
        codes.aliases[(glyph, text)] = code
    return code


def _state(font) -> _Codes:
    codes = getattr(font, "aftercare_codes", None)
    if codes is None:
        codes = font.aftercare_codes = _Codes()
    return codes


def _ellipsis_glyph(font) -> int | None:
    """The glyph the font draws for '…' (read from its cmap once per process), or None."""
    if font.hash not in _ELLIPSIS_GLYPHS:
        try:
            face = TTFont(io.BytesIO(font.file_content), fontNumber=font.index, lazy=True)
            name = face.getBestCmap().get(ord(ELLIPSIS))
            _ELLIPSIS_GLYPHS[font.hash] = face.getGlyphID(name) if name else None
        except (TTLibError, OSError, KeyError, ValueError):  # upstream's mapping then
            _ELLIPSIS_GLYPHS[font.hash] = None
    return _ELLIPSIS_GLYPHS[font.hash]


# ---------- While fonts are written: the aliases in each font's CMaps ---------------------

_upstream_build_fonts_dictionary = upstream_pdf.build_fonts_dictionary  # and here


def _build_fonts_dictionary(pdf, fonts, compress, subset, options):
    """Upstream's, then each font with aliases gets them in its encoding and ToUnicode."""
    pdf_fonts = _upstream_build_fonts_dictionary(pdf, fonts, compress, subset, options)
    if not _ACTIVE.get():
        return pdf_fonts
    written = {}
    for font in fonts.values():
        if aliases_of(font) and font.hash in pdf_fonts:
            written[font.hash] = font  # upstream writes the last Font object of a file
    for font_hash, font in written.items():
        dictionary = _resolve(pdf, pdf_fonts[font_hash])
        aliases = sorted((code, glyph, text) for (glyph, text), code in aliases_of(font).items())
        _extend(_resolve(pdf, dictionary["ToUnicode"]), "bfchar", [
            f"<{code:04x}> <{text.encode('utf-16-be').hex()}>" for code, _, text in aliases
        ])  # fmt: skip
        entries = [f"<{code:04x}> {glyph}" for code, glyph, _ in aliases]
        if dictionary["Encoding"] == "/Identity-H":
            lowest = aliases[0][0]
            cmap = _identity_cmap(lowest, compress)
            _extend(cmap, "cidchar", entries)
            pdf.add_object(cmap)
            dictionary["Encoding"] = cmap.reference
        else:  # upstream's CMap for missing glyphs: every code it maps is below the aliases
            _extend(_resolve(pdf, dictionary["Encoding"]), "cidchar", entries)
    return pdf_fonts


def _resolve(pdf, reference):
    if isinstance(reference, bytes):
        reference = reference.decode()
    return pdf.objects[int(reference.split()[0])]


def _extend(cmap: pydyf.Stream, kind: str, entries: list[str]) -> None:
    """Add `entries` to a CMap stream as begin<kind> blocks of at most 100, before endcmap."""
    lines = []
    for batch in range(ceil(len(entries) / 100)):
        chunk = entries[batch * 100 : (batch + 1) * 100]
        lines += [f"{len(chunk)} begin{kind}".encode(), *(e.encode() for e in chunk)]
        lines.append(f"end{kind}".encode())
    at = cmap.stream.index(b"endcmap")
    cmap.stream[at:at] = lines


def _identity_cmap(below: int, compress: bool) -> pydyf.Stream:
    """An encoding CMap sending each 2-byte code below `below` to the CID (glyph) of the same
    number, as Identity-H does; aliases are added above."""
    system = pydyf.Dictionary(
        {"Registry": pydyf.String("Adobe"), "Ordering": pydyf.String("Identity"), "Supplement": 0}
    )
    extra = pydyf.Dictionary({"Type": "/CMap", "CMapName": "/Aftercare-Aliases-H"})
    extra["CIDSystemInfo"] = system
    return pydyf.Stream(
        [
            b"/CIDInit /ProcSet findresource begin",
            b"12 dict begin",
            b"begincmap",
            b"/CIDSystemInfo 3 dict dup begin /Registry (Adobe) def /Ordering (Identity) def",
            b"/Supplement 0 def end def",
            b"/CMapName /Aftercare-Aliases-H def",
            b"/CMapType 1 def",
            b"1 begincodespacerange",
            b"<0000> <ffff>",
            b"endcodespacerange",
            b"1 begincidrange",
            f"<0000> <{below - 1:04x}> 0".encode(),
            b"endcidrange",
            b"endcmap",
            b"CMapName currentdict /CMap defineresource pop",
            b"end",
            b"end",
        ],
        extra,
        compress=compress,
    )


def install() -> None:
    """Put this module's wrappers into WeasyPrint, wrapping what is there now (called once,
    first, by weasyprint_patches.install)."""
    global _upstream_draw_first_line, _upstream_build_fonts_dictionary
    _upstream_draw_first_line = upstream_text.draw_first_line
    _upstream_build_fonts_dictionary = upstream_pdf.build_fonts_dictionary
    upstream_text.draw_first_line = _draw_first_line
    upstream_pdf.build_fonts_dictionary = _build_fonts_dictionary
