"""Corrections to the tags WeasyPrint 70 writes, made while a sheet is written.

WeasyPrint tags every PDF from the HTML (PDF/UA-1), but as Firefox's pdf.js reads them back
its tags have faults, and readers trust tags; upstream (Kozea/WeasyPrint) they are:

- Figure /BBox in CSS pixels from the top of the page, not PDF points from its bottom, so
  the box lies off the page (pdf/tags.py; no issue of its own, see #2482 "PDF/UA support
  improvement").
- TH without /Scope: #2508 "PDF/UA: Tags for header cells in tables are missing".
- No /Lang on any structure element: a name in Chinese or Arabic is read in English (#2482).
- Page margin boxes (running header and footer, "Page 1 of 2") are tagged content left out
  of the tree, not artifacts: #1836 "PDF/UA page header and footer".
- Floats are painted before all in-flow text (CSS 2 painting order), so the content order
  starts with the calendar's floated labels (#2470 is the same for `overflow: hidden`).
- One variant per file: PDF/A-3a drops the PDF/UA-1 claim (#2467 "PDF/A with PDF/UA").
- Glyphs map to text (ToUnicode) once per font, in logical order: right-to-left ligatures read
  reversed, a mirrored bracket reads as its twin in every other line, and the '…' that
  `text-overflow: ellipsis` draws reads as all the text it hides. glyphtext.py maps each
  glyph as drawn, inside `write_pdf`.

`write_pdf` fixes them with wrapped WeasyPrint functions, active only inside it (so a plain
`Document.write_pdf` is upstream's), and a finisher, WeasyPrint's own hook, over the PDF
objects before they are written. Nothing here is random or timed: same document, same bytes.
tests/test_pdf_structure.py checks the result with pdf.js, and that plain WeasyPrint still has
each fault: when upstream fixes one, that test fails and the part here can go.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from itertools import islice

import pydyf
from weasyprint import draw as upstream_draw
from weasyprint.formatting_structure import boxes
from weasyprint.layout.absolute import AbsolutePlaceholder
from weasyprint.pdf import tags as upstream_tags

from generator.render import glyphtext

PT_PER_PX = 0.75  # WeasyPrint writes CSS pixels at zoom 1: 72 pt / 96 px

# PDF/A-3 accepts only the XMP properties of its own schemas unless an extension schema
# describes them: this one describes pdfuaid:part (ISO 14289-1, 5).
PDFUA_XMP = b"""<rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/" \
pdfuaid:part="1" /><rdf:Description rdf:about="" \
xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" \
xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" \
xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#"><pdfaExtension:schemas><rdf:Bag>\
<rdf:li rdf:parseType="Resource">\
<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>\
<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>\
<pdfaSchema:schema>PDF/UA identification schema</pdfaSchema:schema>\
<pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">\
<pdfaProperty:name>part</pdfaProperty:name><pdfaProperty:valueType>Integer</pdfaProperty:valueType>\
<pdfaProperty:category>internal</pdfaProperty:category>\
<pdfaProperty:description>PDF/UA version identifier</pdfaProperty:description>\
</rdf:li></rdf:Seq></pdfaSchema:property></rdf:li></rdf:Bag></pdfaExtension:schemas>\
</rdf:Description>"""


@dataclass
class _Writing:
    """What the wrapped functions note while one PDF is written."""

    page_heights: dict[int, float] = field(default_factory=dict)  # CSS px, by page index
    floats: dict[int, list[tuple[int, int]]] = field(default_factory=dict)  # id(stream): ops


_WRITING: ContextVar[_Writing | None] = ContextVar("aftercare_tagging", default=None)


def write_pdf(document, variant: str, then: Callable[[pydyf.PDF], None] | None = None) -> bytes:
    """The laid-out `document` as a tagged PDF of `variant` ("pdf/ua-1", or "pdf/a-3a",
    which then claims PDF/UA-1 too), with the tags corrected as above; `then` sees the PDF's
    objects last, before they are written (reuse.py)."""
    token = _WRITING.set(_Writing())
    try:
        archival = variant.startswith("pdf/a")

        def finisher(document, pdf):
            _finish(document, pdf, archival=archival)
            if then is not None:
                then(pdf)

        with glyphtext.active():
            return document.write_pdf(pdf_identifier=True, pdf_variant=variant, finisher=finisher)
    finally:
        _WRITING.reset(token)


# ---------- While drawing: page furniture as artifacts, floats noted ----------------------

_upstream_draw_stacking_context = upstream_draw.draw_stacking_context


def _draw_stacking_context(stream, stacking_context):
    """Upstream's, but a margin box is drawn as one /Artifact with no tags inside, and the
    operators of a float are noted (with the colour and font it relies on set inside it)."""
    writing = _WRITING.get()
    box = stacking_context.box
    if writing is None or stream._tags is None:
        return _upstream_draw_stacking_context(stream, stacking_context)
    if isinstance(box, boxes.MarginBox):
        with stream.artifact():
            tags, stream._tags = stream._tags, None
            try:
                _upstream_draw_stacking_context(stream, stacking_context)
            finally:
                stream._tags = tags
        return None
    if box.is_floated():
        # A float is drawn inside q/Q; forgetting the colour, opacity and font the stream
        # believes current makes it set its own, so that it can be moved (see _reorder).
        stream._current_color = stream._current_color_stroke = None
        stream._current_alpha = stream._current_alpha_stroke = None
        stream._current_font = None
        start = len(stream.stream)
        _upstream_draw_stacking_context(stream, stacking_context)
        if len(stream.stream) > start:
            writing.floats.setdefault(id(stream), []).append((start, len(stream.stream)))
        return None
    return _upstream_draw_stacking_context(stream, stacking_context)


# ---------- While tagging: boxes in points, scopes, languages ------------------------------

_upstream_build_box_tree = upstream_tags._build_box_tree


def _build_box_tree(box, parent, pdf, page_number, nums, annotations, tags):
    """Upstream's, with each element corrected from its box; margin boxes have no tags."""
    writing = _WRITING.get()
    if writing is None:
        yield from _upstream_build_box_tree(box, parent, pdf, page_number, nums, annotations, tags)
        return
    if isinstance(box, boxes.MarginBox):
        return
    if isinstance(box, boxes.PageBox):
        writing.page_heights[page_number] = box.margin_height()
    own = box._box if isinstance(box, AbsolutePlaceholder) else box
    tag = None if own.element is None else own.element_tag
    # The page, html and body boxes pass their children's elements on: those are done.
    passing = isinstance(own, boxes.PageBox) or tag in ("html", "body")
    for element in _upstream_build_box_tree(box, parent, pdf, page_number, nums, annotations, tags):
        if not passing:
            _correct(element, own, writing.page_heights[page_number])
        yield element


def _correct(element: pydyf.Dictionary, box, page_height: float) -> None:
    """Figure box in points from the page's bottom; TH scope; the HTML element's lang."""
    attributes = element.get("A")
    if element["S"] == "/Figure" and attributes is not None and "BBox" in attributes:
        left, top, right, bottom = attributes["BBox"]
        attributes["BBox"] = pydyf.Array(
            round(value * PT_PER_PX, 3)
            for value in (left, page_height - bottom, right, page_height - top)
        )
    html = box.element
    if html is None:
        return
    label = html.get("aria-label")
    if label and element["S"] in ("/TD", "/TH"):  # a calendar cell's sentence, a weekday's name
        element["Alt"] = pydyf.String(label)
    if element["S"] == "/TH" and attributes is not None:
        scope = (html.get("scope") or "").lower()
        attributes["Scope"] = "/Row" if scope in ("row", "rowgroup") else "/Column"
    lang = html.get("lang")
    if lang:
        element["Lang"] = pydyf.String(lang)  # kept only where it differs (see _finish)


# ---------- Before writing: languages where they differ, content in reading order, XMP -----


def _finish(document, pdf, archival: bool) -> None:
    """WeasyPrint's finisher hook: runs on the PDF objects before they are written."""
    writing = _WRITING.get()
    assert writing is not None

    def resolve(reference):
        return pdf.objects[int(reference.split()[0])]

    catalog_lang = pdf.catalog.get("Lang")
    document_lang = (catalog_lang.string if catalog_lang is not None else "").lower()
    structure = resolve(pdf.catalog["StructTreeRoot"])
    order = _walk(resolve, resolve(structure["K"][0]), document_lang)
    for page_reference in pdf.page_references:
        stream = resolve(resolve(page_reference)["Contents"])
        floats = writing.floats.get(id(stream))
        if floats:
            ranks = {mcid: rank for rank, mcid in enumerate(order.get(page_reference, ()))}
            stream.stream = _reorder(stream.stream, floats, ranks)
    if archival:
        metadata = resolve(pdf.catalog["Metadata"])
        xmp = b"".join(metadata.stream)
        if b"pdfuaid" not in xmp:
            metadata.stream = [xmp.replace(b"</rdf:RDF>", PDFUA_XMP + b"</rdf:RDF>", 1)]


def _walk(resolve, document, document_lang: str) -> dict[bytes, list[int]]:
    """Each page's marked-content ids in structure order; on the way, drop each /Lang that
    says what its parent already says (an element inside a section of its own language)."""
    order: dict[bytes, list[int]] = {}
    stack: list = [(document, document_lang, None)]
    while stack:
        item, inherited, page = stack.pop()
        if isinstance(item, int):
            order.setdefault(page, []).append(item)
            continue
        lang = item.get("Lang")
        if lang is not None:
            if lang.string.lower() == inherited:
                del item["Lang"]
            else:
                inherited = lang.string.lower()
        page = item.get("Pg", page)
        for kid in reversed(item["K"]):
            if isinstance(kid, int):
                stack.append((kid, inherited, page))
            else:
                child = resolve(kid)
                if child.get("Type") == "/StructElem":
                    stack.append((child, inherited, page))
    return order


def _reorder(ops: list, floats: list[tuple[int, int]], ranks: dict[int, int]) -> list:
    """The page's operators with each float moved to where its text is read: before the
    first marked content (or q/Q group holding some) at its own q/Q level whose structure
    rank follows its own.

    A float is one q ... Q group that sets its own state, and moves only forward within its
    level, never past a change of that level's matrix or clip, so it paints the same.
    """
    depths, places = _places(ops, floats, ranks)
    targets: dict[int, list[tuple[int, int]]] = {}
    for start, end in floats:
        if any(s <= start and end <= e and (s, e) != (start, end) for s, e in floats):
            continue  # a float in a float moves with it
        own = [
            ranks[op["MCID"]]
            for op in ops[start:end]
            if isinstance(op, dict) and op.get("MCID") in ranks
        ]
        if not own:
            continue
        rank = min(own)
        level = places.get(depths[start], [])
        for index, kind, other in islice(level, bisect_left(level, (end, "", 0)), None):
            if kind == "end" or other > rank:
                if index > end:
                    targets.setdefault(index, []).append((start, end))
                break
    if not targets:
        return ops
    moved = bytearray(len(ops))
    for pairs in targets.values():
        for start, end in pairs:
            moved[start:end] = b"\x01" * (end - start)
    result = []
    for index, op in enumerate(ops):
        for start, end in targets.get(index, ()):
            result.extend(ops[start:end])
        if not moved[index]:
            result.append(op)
    return result


def _places(ops: list, floats: list[tuple[int, int]], ranks: dict[int, int]):
    """Each operator's q depth, and by depth (a level) the places, in order, where a float
    of that level may go, (index, "mc", structure rank of what starts there), or may not go
    past, (index, "end", 0): a new clip or matrix, or the Q that closes the level."""
    in_float = bytearray(len(ops))
    for start, end in floats:
        in_float[start:end] = b"\x01" * (end - start)
    places: dict[int, list[tuple[int, str, int]]] = {}
    opened: list[int] = []  # the index of the q that opened each level
    depths, text, marked = [], 0, 0
    for index, op in enumerate(ops):
        depths.append(len(opened))
        if op == b"q":
            opened.append(index)
        elif op == b"Q":
            places.setdefault(len(opened), []).append((index, "end", 0))
            opened.pop()
        elif op in (b"BT", b"ET"):
            text += 1 if op == b"BT" else -1
        elif op in (b"BDC", b"BMC", b"EMC"):
            marked += -1 if op == b"EMC" else 1
        elif op in (b"W", b"W*") or (isinstance(op, bytes) and op.endswith(b" cm")):
            places.setdefault(len(opened), []).append((index, "end", 0))
        elif isinstance(op, str) and not (text or marked or in_float[index]):  # "/Span" <<>> BDC
            after = ops[index + 1] if index + 2 < len(ops) and ops[index + 2] == b"BDC" else None
            if isinstance(after, dict) and "MCID" in after:
                rank = ranks.get(after["MCID"], -1)
                # At each outer level, the place is before the group that holds it.
                for level, place in enumerate([*opened, index]):
                    places.setdefault(level, []).append((place, "mc", rank))
    return depths, places


def install() -> None:
    """Put this module's wrappers into WeasyPrint, wrapping what is there now (called once,
    in order, by weasyprint_patches.install)."""
    global _upstream_build_box_tree, _upstream_draw_stacking_context
    _upstream_build_box_tree = upstream_tags._build_box_tree
    _upstream_draw_stacking_context = upstream_draw.draw_stacking_context
    upstream_tags._build_box_tree = _build_box_tree
    upstream_draw.draw_stacking_context = _draw_stacking_context
