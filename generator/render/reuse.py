"""Sheets of one kind made from one base: the second and later sheets cost a fraction of the first.

A kind is everything but the patient: the policies, language, dates, paper, large print, PDF/A,
draft. Per patient only three texts differ: the name (page 1, and the running header of pages
2+), the provider (page 1) and the sheet ID (every footer). So, once per kind, the sheet is laid
out and written as a *base* with placeholder texts in their place (never a real name). While
it is written, each placeholder's text operator (TJ) is taken out of its page's content and
given a content stream of its own, uncompressed, with room for a patient's line; the page's
/Contents becomes an array of streams, which readers take as one (ISO 32000-1, 7.8.2). Per
patient, each line is shaped again by WeasyPrint with the laid-out box's own computed style,
and its TJ is written into that room, byte for byte in place: nothing else moves, so the
cross-reference offsets, the structure tree, MCIDs and /Lang are the base's, which are a full
render's. The trailer's /ID is an MD5 of the sheet's own bytes (pydyf's is one of its objects').

What makes it identical to a full render:
- The patient's HTML must be the base's HTML with the placeholders replaced by the patient's
  texts (escaped), character for character: template logic that depends on the name (a class
  for long names, the calendar's fit, `lang`/`dir` hints) is covered by that.
- Each replaced text must lay out as the placeholder did: one line, no wider than its box (no
  ellipsis in the header, no wider provider field, no wrapped footer), in the one font the
  placeholder used (no fallback font, no missing glyph, no rise), on a left-to-right sheet,
  and its TJ must fit its room.
- The base's fonts are subset with an alphabet (printable Latin) added to the fonts of the
  placeholders, so the patient's glyphs are there; each glyph must map to the same text in
  the base's ToUnicode as in the patient's shaping, and is positioned against the base's widths.
- No placeholder may be anywhere but in its room: not in metadata, an alternative text, a
  bookmark (the base is then unusable).

Any input that fails a check takes the full path. Every check is a function of the inputs and
of the base, which is itself a function of the kind: never of what the cache holds. The base is
rebuilt the same, byte for byte, in any process (a reprint builds its own), and filling it in is
deterministic too, so a reprint gives the same bytes.

The cache is a bounded LRU per process (a SheetMaker's), keyed by a digest of the base HTML,
which holds placeholders only; it holds no patient text (tests/test_reuse.py inspects it).
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import partial

import markupsafe
import pydyf
from weasyprint import pdf as upstream_pdf
from weasyprint.draw import text as upstream_text
from weasyprint.formatting_structure import boxes
from weasyprint.matrix import Matrix
from weasyprint.pdf.stream import Stream
from weasyprint.text.line_break import split_first_line

from generator import i18n
from generator.content.patient import Patient
from generator.render import glyphtext, tagging
from generator.render.dates import NO_HYPHENATION, Dates
from generator.render.pdf import ACCESSIBLE, ARCHIVAL, Renderer, Result, _captured_warnings
from generator.render.shaping import sharing
from generator.render.write_cache import inspecting, keeping
from generator.sheet.model import Sheet

# Placeholders: Latin letters only (their lang/dir hints are a Latin name's), narrow, and
# words that no policy, clinic or translation contains.
NAME = "Zqxjkv"
PROVIDER = "Vkqzjx"
SHEET_ID = "ZZZZ-ZZZZ"
PLACEHOLDERS = {"name": NAME, "provider": PROVIDER, "sheet_id": SHEET_ID}
NAME_BYTES = 1024  # room for a name's or provider's line (about 7 bytes a glyph)
LINE_BYTES = 128  # room for a sheet ID's line beyond the placeholder's
_ID = re.compile(rb"/ID \[\(([0-9a-f]{32})\) \(\1\)\]")  # pydyf's: the same MD5 twice
# A piece of a placeholder: what is left of one that a line break cut in two (a sheet ID
# breaks after its hyphen in a wrapping footer; a name or provider where overflow-wrap lets it).
# Case-insensitive: text-transform changes a box's text itself ("ZQXJKV").
_PIECE = re.compile(
    "|".join(
        re.escape(text[i : i + 3]) for text in PLACEHOLDERS.values() for i in range(len(text) - 2)
    ),
    re.IGNORECASE,
)
CACHE_SIZE = 8
MARGIN_PX = 0.5  # a replaced line must be this much narrower than its box
# The characters a name or provider may have to take this path: printable Latin (ASCII,
# Latin-1, Latin Extended-A) and typographic apostrophes and dashes. Their glyphs are added
# to the base's fonts; anything else (other scripts, emoji) takes the full path.
ALPHABET = "".join(
    chr(code)
    for code in [*range(0x20, 0x7F), *range(0xA0, 0x180), 0x2018, 0x2019, 0x2010, 0x2013]
    if chr(code).isprintable() and code not in (0xA0, 0xAD)
)
_ALPHABET_SET = frozenset(ALPHABET)
ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ-"  # Crockford base32, as register.py


@dataclass
class _Slot:
    """One placeholder's line in the base: its laid-out box (copied, without its element),
    the width it may take, how it was drawn, and the font it was drawn in."""

    kind: str  # "name", "provider" or "sheet_id"
    page: int
    box: boxes.TextBox
    limit: float  # CSS px: the containing block's width, or the line's available width
    text_overflow: str = "clip"
    block_ellipsis: str = "none"
    font: tuple | None = None  # (font hash, size) of its Tf
    drawn: bool = False
    room: int = NAME_BYTES  # the bytes its own content stream holds


@dataclass
class _Base:
    """A kind's sheet with placeholders: PDF bytes, its slots and where their bytes are,
    and its fonts' glyph maps."""

    pdf: bytes
    pages: int
    warnings: list[str]
    slots: list[_Slot]
    offsets: list[int]  # where each slot's content stream starts in `pdf`
    identifier: tuple[int, int]  # where the two halves of the trailer's /ID start
    to_unicode: dict[str, dict[int, str]]  # by font hash: glyph id -> text
    widths: dict[str, dict[int, float]]  # by font hash: glyph id -> width (1/1000 em)


class _Unusable(Exception):
    """The base of this kind cannot be personalised: its sheets take the full path."""


@dataclass
class _Writing:
    """What the wrapped WeasyPrint functions do while a base is written."""

    slots: dict[int, int]  # id(text box) -> slot index
    all_slots: list[_Slot]
    failed: list[str] = field(default_factory=list)
    to_unicode: dict[str, dict[int, str]] = field(default_factory=dict)
    widths: dict[str, dict[int, float]] = field(default_factory=dict)


_WRITING: ContextVar[_Writing | None] = ContextVar("aftercare_reuse", default=None)


class Reuse:
    """A bounded LRU of bases, and the shortcut that personalises them (see the module)."""

    def __init__(
        self,
        renderer: Callable[[], Renderer],
        html: Callable[[Sheet], str],
        fitting: Callable[[Sheet], tuple[Iterator[str], Callable[..., bool]]],
        size: int = CACHE_SIZE,
    ):
        self._renderer = renderer
        self._html = html
        self._fitting = fitting  # a sheet's HTML variants and the check of each layout
        self.size = size
        self._cache: OrderedDict[str, _Base | None] = OrderedDict()
        self._lock = threading.Lock()
        self.dates = Dates()  # a new date's base laid out from a sibling's (dates.py)

    def render(self, sheet: Sheet, archival: bool) -> Result | None:
        """The sheet made from its kind's base, or None when it must take the full path."""
        base_sheet = placeholder_sheet(sheet)
        if base_sheet is None:
            return None
        texts = _patient_texts(sheet)
        base_html = self._html(base_sheet)
        if _substitute(base_html, texts) != self._html(sheet):
            return None
        key = hashlib.sha256(f"{archival}\n{base_html}".encode()).hexdigest()
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                base = self._cache[key]
            else:
                base = self._build(base_sheet, archival)
                self._cache[key] = base
                while len(self._cache) > self.size:
                    self._cache.popitem(last=False)
            if base is None:
                return None
            result = _personalise(base, texts)
        return result

    def cached(self) -> list[_Base | None]:
        """The cached bases (for tests: they must hold no patient text)."""
        return list(self._cache.values())

    def _build(self, base_sheet: Sheet, archival: bool) -> _Base | None:
        renderer = self._renderer()
        variants, fits = self._fitting(base_sheet)
        with _captured_warnings() as warnings, sharing():  # placeholders: nothing private
            for html in variants:
                del warnings[:]
                document = self.dates.layout(
                    html, partial(renderer.layout, archival=archival), warnings, str(archival)
                )
                if fits(document):
                    break
            try:
                slots = _find_slots(document)
            except _Unusable:
                return None
            writing = _Writing({id(slot.box): i for i, slot in enumerate(slots)}, slots)
            token = _WRITING.set(writing)
            try:
                variant = ARCHIVAL if archival else ACCESSIBLE
                written: list[bytes] = []
                with inspecting(written.append), keeping():
                    pdf = tagging.write_pdf(document, variant, then=partial(_set_apart, writing))
                if _holds_a_placeholder(written):
                    return None
            finally:
                _WRITING.reset(token)
        if writing.failed or not all(slot.drawn for slot in slots):
            return None
        for slot in slots:  # keep the style, not the document
            slot.box = slot.box.copy_with_text(slot.box.text)
            slot.box.element = None
            slot.box.pango_layout = None
        offsets = [pdf.find(_marker(index)) for index in range(len(slots))]
        identifiers = list(_ID.finditer(pdf))
        if (
            any(pdf.count(_marker(index)) != 1 for index in range(len(slots)))
            or len(identifiers) != 1
            or pdf.count(identifiers[0][1]) != 2
        ):
            return None
        identifier = identifiers[0].start(1), identifiers[0].end(1) + len(b") (")
        return _Base(
            pdf,
            len(document.pages),
            list(warnings),
            slots,
            offsets,
            identifier,
            writing.to_unicode,
            writing.widths,
        )


def placeholder_sheet(sheet: Sheet) -> Sheet | None:
    """The sheet of the same kind with placeholders for the patient's texts, or None when
    the sheet cannot be made from a base at all (blank, right to left, unusual texts)."""
    patient = sheet.patient
    if patient is None or i18n.is_rtl(sheet.lang):
        return None
    for text in (patient.name, patient.provider):
        if text is not None and (
            not text or " ".join(text.split()) != text or not _ALPHABET_SET.issuperset(text)
        ):
            return None
    if sheet.sheet_id is not None and not re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}", sheet.sheet_id):
        return None
    stand_in = Patient(NAME, patient.procedure_date, PROVIDER if patient.provider else None)
    return dataclasses.replace(
        sheet, patient=stand_in, sheet_id=SHEET_ID if sheet.sheet_id is not None else None
    )


def _patient_texts(sheet: Sheet) -> dict[str, str]:
    assert sheet.patient is not None
    texts = {"name": sheet.patient.name}
    if sheet.patient.provider:
        texts["provider"] = sheet.patient.provider
    if sheet.sheet_id:
        texts["sheet_id"] = sheet.sheet_id
    return texts


_ANY_PLACEHOLDER = re.compile("|".join(re.escape(text) for text in PLACEHOLDERS.values()))
_KIND_OF = {text: kind for kind, text in PLACEHOLDERS.items()}


def _substitute(base_html: str, texts: dict[str, str]) -> str:
    """The base's HTML with each placeholder replaced, at once, by the patient's text."""

    def replace(match: re.Match) -> str:
        kind = _KIND_OF[match[0]]
        return str(markupsafe.escape(texts[kind])) if kind in texts else match[0]

    return _ANY_PLACEHOLDER.sub(replace, base_html)


# ---------- The base: its slots, found in the layout and marked while it is written -------


def _find_slots(document) -> list[_Slot]:
    """Every text box holding a placeholder, with the width its line may take. A name or
    provider must be a box of its own; a sheet ID must follow other text on its line (so the
    line breaks before it are not the ID's doing)."""
    slots = []
    for number, page in enumerate(document.pages):
        stack: list = [(page._page_box, None)]
        while stack:
            box, container = stack.pop()
            if isinstance(box, boxes.TextBox):
                found = [kind for kind, text in PLACEHOLDERS.items() if text in box.text]
                if not found:
                    if _PIECE.search(box.text):  # a placeholder broken across two lines
                        raise _Unusable
                    continue
                kind = found[0]
                if len(found) > 1 or container is None or box.style["text_transform"] != "none":
                    raise _Unusable  # a patient's line is shaped as typed, not transformed
                if kind != "sheet_id" and box.text != PLACEHOLDERS[kind]:
                    raise _Unusable
                if kind == "sheet_id" and (
                    box.text.count(SHEET_ID) != 1 or not box.text.split(SHEET_ID)[0].strip()
                ):
                    raise _Unusable
                limit = container.width
                layout_width = getattr(box.pango_layout, "max_width", None)
                if layout_width is not None:
                    limit = min(limit, layout_width)
                slots.append(_Slot(kind, number, box, limit))
                continue
            if isinstance(box, boxes.BlockContainerBox):
                container = box
            for child in reversed(getattr(box, "children", ())):
                stack.append((child, container))
    if not any(slot.kind == "name" for slot in slots):
        raise _Unusable
    return slots


def _marker(index: int) -> bytes:
    return b"%%aftercare-slot-%04d%%" % index


_upstream_draw_first_line = upstream_text.draw_first_line


def _draw_first_line(stream, textbox, text_overflow, block_ellipsis, matrix):
    """Upstream's; while a base is written, a placeholder's TJ becomes a marker (a comment)."""
    writing = _WRITING.get()
    index = None if writing is None else writing.slots.get(id(textbox))
    if index is None:
        return _upstream_draw_first_line(stream, textbox, text_overflow, block_ellipsis, matrix)
    assert writing is not None
    slot = writing.all_slots[index]
    start = len(stream.stream)
    emojis = _upstream_draw_first_line(stream, textbox, text_overflow, block_ellipsis, matrix)
    ops = stream.stream[start:]
    shown = [i for i, op in enumerate(ops) if isinstance(op, bytes) and op.endswith(b" TJ")]
    if (
        len(shown) != 1
        or emojis
        or any(isinstance(op, bytes) and op.endswith(b" Ts") for op in ops)
    ):
        writing.failed.append(slot.kind)
    else:
        if slot.kind == "sheet_id":  # the line around the ID is the base's: room for it
            slot.room = len(ops[shown[0]]) + LINE_BYTES
        stream.stream[start + shown[0]] = _marker(index)
    slot.text_overflow, slot.block_ellipsis = text_overflow, block_ellipsis
    slot.font = stream._current_font
    slot.drawn = True
    return emojis


_upstream_build_fonts_dictionary = upstream_pdf.build_fonts_dictionary


def _build_fonts_dictionary(pdf, fonts, compress, subset, options):
    """Upstream's; while a base is written, the fonts of the placeholders get the alphabet's
    glyphs too (after every page is drawn, so no text's own mapping is changed)."""
    writing = _WRITING.get()
    if writing is not None:
        _add_alphabet(writing, fonts)
    return _upstream_build_fonts_dictionary(pdf, fonts, compress, subset, options)


def _add_alphabet(writing: _Writing, fonts: dict) -> None:
    by_hash: dict[str, list] = {}
    for font in fonts.values():
        by_hash.setdefault(font.hash, []).append(font)
    chars: dict[str, set[str]] = {}
    first: dict[str, _Slot] = {}  # the first slot drawn in each font: its size, as WeasyPrint
    for slot in writing.all_slots:
        if slot.font is not None:
            first.setdefault(slot.font[0], slot)
            chars.setdefault(slot.font[0], set()).update(
                ID_ALPHABET if slot.kind == "sheet_id" else ALPHABET
            )
    done = set(first)
    for font_hash, slot in first.items():
        for drawn_hash, to_unicode, widths in _alphabet_glyphs(
            slot, "".join(sorted(chars[font_hash]))
        ):
            for font in by_hash.get(drawn_hash, ()):
                for glyph, text in to_unicode.items():
                    if glyph not in font.to_unicode:
                        font.to_unicode[glyph] = text
                        font.widths[glyph] = widths[glyph]
    for font_hash, same in by_hash.items():
        if font_hash in done:
            writing.to_unicode[font_hash] = dict(same[-1].to_unicode)
            writing.widths[font_hash] = dict(same[-1].widths)
            for other in same[:-1]:  # several Font objects of one file: every map must agree
                for glyph, text in other.to_unicode.items():
                    if writing.to_unicode[font_hash].get(glyph) != text:
                        writing.failed.append("font")


# What shapes a line's glyphs: its font, features and language (line_break.py's Layout).
_SHAPING = (
    "font_family",
    "font_size",
    "font_style",
    "font_weight",
    "font_stretch",
    "font_kerning",
    "font_feature_settings",
    "font_variation_settings",
    "font_language_override",
    "font_variant_ligatures",
    "font_variant_position",
    "font_variant_caps",
    "font_variant_numeric",
    "font_variant_alternates",
    "font_variant_east_asian",
    "lang",
    "letter_spacing",
    "word_spacing",
    "text_transform",
)
_ALPHABETS: dict[str, tuple] = {}  # shaped once per process: same style, same glyphs
_ALPHABETS_KEPT = 64  # a few per style and language; cleared past that


def _alphabet_glyphs(slot: _Slot, chars: str) -> tuple:
    """The glyphs (font hash, glyph -> text, glyph -> width) of `chars` in the slot's style,
    fonts with missing glyphs left out; the same for every base, so shaped once."""
    style = slot.box.style
    key = hashlib.sha256(repr([chars, *(style[name] for name in _SHAPING)]).encode()).hexdigest()
    found = _ALPHABETS.get(key)
    if found is None:
        scratch = _ScratchStream({})
        _draw(scratch, slot, " ".join(chars), None)
        if len(_ALPHABETS) >= _ALPHABETS_KEPT:
            _ALPHABETS.clear()
        found = _ALPHABETS[key] = tuple(
            (drawn.hash, dict(drawn.to_unicode), dict(drawn.widths))
            for drawn in scratch._fonts.values()
            if not drawn.missing
        )
    return found


def install() -> None:
    """Put this module's wrappers into WeasyPrint, wrapping what is there now (called once,
    in order, by weasyprint_patches.install)."""
    global _upstream_draw_first_line, _upstream_build_fonts_dictionary
    _upstream_draw_first_line = upstream_text.draw_first_line
    _upstream_build_fonts_dictionary = upstream_pdf.build_fonts_dictionary
    upstream_text.draw_first_line = _draw_first_line
    upstream_pdf.build_fonts_dictionary = _build_fonts_dictionary


def _set_apart(writing: _Writing, pdf: pydyf.PDF) -> None:
    """After tagging.py's finisher, before the PDF is written: each placeholder's marker gets a
    content stream of its own, uncompressed, with room for a patient's line (a page's content
    may be an array of streams, read as one: ISO 32000-1 7.8.2), so that a patient's sheet
    is the base's bytes with that room filled in."""

    def resolve(reference):
        return pdf.objects[int(reference.split()[0])]

    markers = {_marker(index): slot for index, slot in enumerate(writing.all_slots)}
    for page_reference in pdf.page_references:
        page = resolve(page_reference)
        contents = resolve(page["Contents"])
        at = [i for i, op in enumerate(contents.stream) if isinstance(op, bytes) and op in markers]
        if not at:
            continue
        pieces = []
        for start, end in zip([-1, *at], [*at, len(contents.stream)], strict=True):
            if start >= 0:
                marker = contents.stream[start]
                pieces.append(pydyf.Stream([marker.ljust(markers[marker].room)]))
            pieces.append(
                pydyf.Stream(contents.stream[start + 1 : end], compress=contents.compress)
            )
        contents.stream = pieces[0].stream
        references = [page["Contents"]]
        for piece in pieces[1:]:
            pdf.add_object(piece)
            references.append(piece.reference)
        page["Contents"] = pydyf.Array(references)


_NEEDLES = [text.encode() for text in PLACEHOLDERS.values()]
_NEEDLES += [text.encode("utf-16-be").hex().encode() for text in PLACEHOLDERS.values()]


def _holds_a_placeholder(written: list[bytes]) -> bool:
    """Whether the base's objects, as they were written (writing.py), hold a placeholder
    anywhere but in its room (metadata, an alternative text, a bookmark): the base is then
    unusable. In a page's content, text is glyph ids: what is found there are marked-content
    properties."""
    data = b"\0".join(written)
    return any(needle in data for needle in _NEEDLES)


# ---------- Per patient: shape each slot's line again, put its glyphs in ------------------


class _ScratchStream(Stream):
    """A throw-away content stream to draw one line into; its fonts start with the base's
    widths, so the glyph positions it writes are relative to the widths the base declares."""

    def __init__(self, widths: dict[str, dict[int, float]]):
        super().__init__({}, (0, 0, 0, 0), {"ExtGState": pydyf.Dictionary()}, {}, None, {}, None)
        self._seed = widths

    def add_font(self, pango_font):
        font, size = super().add_font(pango_font)
        seed = self._seed.get(font.hash)
        if seed is not None and not font.widths:
            font.widths.update(seed)
        return font, size


def _draw(stream: Stream, slot: _Slot, text: str, limit: float | None) -> list | None:
    """Shape `text` with the slot's style and draw it into `stream` as the slot was drawn
    (unbounded when `limit` is None); None when it would not lie on one line within `limit`."""
    layout, _, resume, width, _, _ = split_first_line(
        text, slot.box.style, NO_HYPHENATION, limit, 0
    )
    wraps = slot.box.style["white_space"] in ("normal", "pre-wrap", "pre-line")
    if limit is not None and resume is not None:
        return None
    # An unbreakable line (white-space: nowrap) may overflow its box as the placeholder's
    # may: unless it is cut with an ellipsis, that changes nothing.
    bounded = limit is not None and (wraps or slot.text_overflow == "ellipsis")
    if bounded and width > limit - MARGIN_PX:  # type: ignore[operator]
        return None
    box = slot.box.copy_with_text(text)
    box.pango_layout = layout
    layout.reactivate(box.style)
    start = len(stream.stream)
    overflow, ellipsis = (slot.text_overflow, slot.block_ellipsis) if limit else ("clip", "none")
    with glyphtext.active():  # each glyph mapped as a full render maps it
        if _upstream_draw_first_line(stream, box, overflow, ellipsis, Matrix()):
            return None  # emojis are drawn apart from the text: not here
    return stream.stream[start:]


def _personalise(base: _Base, texts: dict[str, str]) -> Result | None:
    """The base with the patient's lines in their slots' room, and a trailer /ID of its own;
    or None if any line does not fit as the placeholder did."""
    if not set(texts) <= {slot.kind for slot in base.slots}:
        return None  # a patient's text with no slot to go in would print as its placeholder
    shown: dict[int, bytes] = {}
    for index, slot in enumerate(base.slots):
        text = texts.get(slot.kind)
        if text is None:
            return None
        if slot.kind == "sheet_id":
            text = slot.box.text.replace(SHEET_ID, text)
        scratch = _ScratchStream(base.widths)
        ops = _draw(scratch, slot, text, slot.limit)
        if ops is None or not _same_font(scratch, slot, ops, base):
            return None
        shown[index] = next(op for op in ops if isinstance(op, bytes) and op.endswith(b" TJ"))
        if len(shown[index]) >= slot.room:  # at least one space before the next stream
            return None
    pdf = bytearray(base.pdf)
    for index, line in shown.items():
        at = base.offsets[index]
        pdf[at : at + base.slots[index].room] = line.ljust(base.slots[index].room)
    identifier = hashlib.md5(pdf, usedforsecurity=False).hexdigest().encode()
    for at in base.identifier:
        pdf[at : at + len(identifier)] = identifier
    return Result(bytes(pdf), base.pages, list(base.warnings))


def _same_font(scratch: _ScratchStream, slot: _Slot, ops: list, base: _Base) -> bool:
    """Whether the line was drawn as the placeholder was: one run, in its font and size, with
    no rise, every glyph in the base's font mapped to the same text."""
    fonts = list(scratch._fonts.values())
    if len(fonts) != 1 or fonts[0].missing or slot.font is None:
        return False
    if glyphtext.aliases_of(fonts[0]):  # a glyph drawn for two texts: its codes are the doc's
        return False
    if scratch._current_font != slot.font:
        return False
    if sum(1 for op in ops if isinstance(op, bytes) and op.endswith((b" TJ", b" Tf"))) != 2:
        return False
    if any(isinstance(op, bytes) and op.endswith(b" Ts") for op in ops):
        return False
    mapping = base.to_unicode.get(fonts[0].hash, {})
    return all(mapping.get(glyph) == text for glyph, text in fonts[0].to_unicode.items())
