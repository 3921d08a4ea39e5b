"""A base for a new procedure date laid out from a sibling's: page 1 anew, the rest reused.

A sheet's kind includes its procedure date, so every new date used to mean a whole new
layout. But on a standard sheet the instructions start page 2 by a forced break (`.instructions
{ break-before: page }`), and from there on the only texts that depend on the date are the
phases' dates beside their headings (`<span class="part-when">`). So, for a base (reuse.py)
whose HTML matches a *sibling* laid out before (same HTML up to the masthead, the same HTML
from the instructions on but for those dates), only page 1 is laid out, from an HTML that stops
at the instructions (empty sections keep the page count, so "Page 1 of N" is the full
render's); pages 2+ are the sibling's laid-out pages with each date's text box replaced by one
shaped from the new date. The document is then written as any other, so what it prints,
its tags, bookmarks and fonts come from its boxes.

What makes it the same layout as a full one, checked each time (any failure: a full layout):
- The sibling: left to right; no warnings; page 1 holds no part of the instructions, which
  start page 2 after a forced break; each date is one text box, alone in its span, the last
  thing on a line that has other text before it (its heading's title: so the line breaks
  before it are the title's), on a line aligned to the start, with nothing floated beside.
- The new page 1: the same number of pages as the sibling, so page 1 ends where the
  instructions start (a calendar that grew onto page 2 fails this).
- Each new date: one line, in the same fonts as the old one, the same height and baseline,
  and with its line still narrower than the heading by a margin: the line breaks as before,
  nothing after it moves, no page breaks differently. The heading's bookmark label is the old
  one with the date replaced (it ends with the date, which it holds once).

tests/test_dates.py proves it the strong way: a base made here is byte for byte the base a
full layout makes, for random dates over every policy shape, so a reprint in a fresh process
(which lays out in full) gives the same bytes as the first print. The cache holds layouts of
bases only (placeholder names, never a patient's) and is bounded per process.
"""

from __future__ import annotations

import hashlib
import html as html_module
import itertools
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from weasyprint.document import Page
from weasyprint.formatting_structure import boxes
from weasyprint.text.line_break import split_first_line

MASTHEAD = '<header class="masthead">'
INSTRUCTIONS = '<section class="instructions">'
END = "</body>"
# A phase's dates beside its heading: the only date-dependent text from the instructions on.
_WHEN = re.compile(r'(<span class="part-when">)([^<]*)(</span>)')
MARGIN_PX = 0.5  # a date's line must stay this much narrower than its heading
CACHE_SIZE = 4  # sibling layouts kept per process (a few MB each)
# A layout context for lines shaped alone (a date's span never wraps; reuse.py's lines too).
NO_HYPHENATION = SimpleNamespace(dictionaries={})


@dataclass
class _Date:
    """One date's text box in the sibling's layout, and the boxes that hold it."""

    page: int  # index in the sibling's pages (1 or more)
    path: list  # the boxes from the page box down to the date's text box
    fonts: frozenset  # the fonts its text is shaped in
    after: list  # empty text boxes after it on its line (white space taken off): they move


@dataclass
class _Sibling:
    document: Any  # weasyprint.Document, laid out in full
    dates: list[_Date]


class _Unusable(Exception):
    """The sibling's layout cannot be reused."""


def split(html: str) -> tuple[str, str, str, str] | None:
    """The sheet's HTML cut in four: up to the masthead (head, running header and footer),
    page 1's content, the instructions and what follows them, and the end; None when it is
    not a sheet of that shape."""
    if html.count(MASTHEAD) != 1 or html.count(INSTRUCTIONS) != 1 or html.count(END) != 1:
        return None
    top, start, end = html.index(MASTHEAD), html.index(INSTRUCTIONS), html.index(END)
    if not top < start < end:
        return None
    return html[:top], html[top:start], html[start:end], html[end:]


def key(parts: tuple[str, str, str, str], salt: str = "") -> str:
    """What a sibling must share: everything but page 1's content and the phases' dates."""
    head, _, rest, end = parts
    masked = _WHEN.sub(r"\1\3", rest)
    return hashlib.sha256("\0".join((salt, head, masked, end)).encode()).hexdigest()


def whens(rest: str) -> list[str]:
    """The phases' dates from the instructions on, as the text boxes hold them."""
    return [html_module.unescape(match[2]) for match in _WHEN.finditer(rest)]


class Dates:
    """Sibling layouts of bases by `key`, and the layout of a base from one."""

    def __init__(self, size: int = CACHE_SIZE):
        self.size = size
        self._cache: OrderedDict[str, _Sibling] = OrderedDict()
        self._lock = threading.Lock()
        self.spliced = 0  # how many layouts were made from a sibling (tests, the benchmark)

    def layout(self, html: str, lay_out: Callable[[str], Any], warnings: list[str], salt: str = ""):
        """The HTML laid out: from a sibling when one matches and every check holds, else in
        full (and then kept as a sibling when it can be one). `lay_out` lays out HTML in
        full; `warnings` collects the warnings of each layout; `salt` names what else shapes
        the layout (the PDF variant)."""
        parts = split(html)
        if self.size == 0 or parts is None or 'dir="ltr"' not in parts[0]:
            return lay_out(html)
        found = key(parts, salt)
        with self._lock:
            sibling = self._cache.get(found)
            if sibling is not None:
                self._cache.move_to_end(found)
        if sibling is not None:
            mark = len(warnings)
            document = _splice(sibling, parts, lay_out, warnings)
            if document is not None and len(warnings) == mark:
                self.spliced += 1
                return document
            del warnings[mark:]  # a full layout follows: its own warnings only
        document = lay_out(html)
        if sibling is None and not warnings:
            try:
                kept = _Sibling(document, _find_dates(document, whens(parts[2])))
            except _Unusable:
                return document
            with self._lock:
                self._cache[found] = kept
                while len(self._cache) > self.size:
                    self._cache.popitem(last=False)
        return document


def _classes(box) -> list[str]:
    element = getattr(box, "element", None)
    return (element.get("class") or "").split() if element is not None else []


def _find_dates(document, expected: list[str]) -> list[_Date]:
    """Each date's text box on pages 2+, checked as the module says."""
    pages = document.pages
    if len(pages) < 2:
        raise _Unusable
    if any("instructions" in _classes(box) for box in pages[0]._page_box.descendants()):
        raise _Unusable  # the instructions start on page 1
    first = _first_in_flow(pages[1]._page_box)
    if (
        first is None
        or "instructions" not in _classes(first)
        or first.style["break_before"] != ("page")
    ):
        raise _Unusable
    found: list[_Date] = []
    for number, page in enumerate(pages[1:], start=1):
        _collect(page._page_box, [], number, found)
    if [date.path[-1].text for date in found] != expected:
        raise _Unusable  # a date split, missing or transformed
    return found


def _first_in_flow(page_box):
    """The outermost box of page 2's flow that is not the root or body."""
    box = page_box
    while True:
        children = [child for child in getattr(box, "children", ()) if child.is_in_normal_flow()]
        children = [child for child in children if not isinstance(child, boxes.MarginBox)]
        if not children:
            return None
        box = children[0]
        if box.element_tag not in ("html", "body"):
            return box


def _collect(box, path: list, page: int, found: list[_Date]) -> None:
    path = [*path, box]
    if isinstance(box, boxes.InlineBox) and "part-when" in _classes(box):
        found.append(_checked(path, page))
        return
    if isinstance(box, boxes.MarginBox):
        return
    for child in getattr(box, "children", ()):
        _collect(child, path, page, found)


def _checked(path: list, page: int) -> _Date:
    """A date's span (last in `path`), with its one text box, if it may be replaced."""
    span = path[-1]
    if len(span.children) != 1 or not isinstance(span.children[0], boxes.TextBox):
        raise _Unusable
    text = span.children[0]
    lines = [i for i, box in enumerate(path) if isinstance(box, boxes.LineBox)]
    if len(lines) != 1:
        raise _Unusable
    line, block = path[lines[0]], path[lines[0] - 1]
    if (
        line.style["direction"] != "ltr"
        or line.style["text_align_all"] not in ("start", "left")
        or line.style["text_align_last"] not in ("auto", "start", "left")
        or text.style["text_transform"] != "none"
        or text.style["white_space"] != "nowrap"
        or text.justification_spacing
        or abs(line.position_x - block.content_box_x()) > 1e-9
    ):
        raise _Unusable
    # The date is the line's last box but for empty ones, and some text comes before it.
    below = path[lines[0] :]
    after = []
    for parent, child in itertools.pairwise(below):
        following = parent.children[parent.children.index(child) + 1 :]
        if not all(isinstance(box, boxes.TextBox) and not box.text for box in following):
            raise _Unusable
        after.extend(following)
    before = []
    for box in line.descendants():
        if box is text:
            break
        before.append(box)
    if not any(isinstance(box, boxes.TextBox) and box.text.strip() for box in before):
        raise _Unusable
    return _Date(page, [*path, text], _shaped(text.text, text.style)[-1], after)


def _shaped(text: str, style) -> tuple:
    """`text` shaped on one unbounded line with `style`, as the layout shapes a date, and the
    fonts of its runs: (layout, length, resume, width, height, baseline, fonts)."""
    from weasyprint.text.ffi import ffi
    from weasyprint.text.fonts import get_pango_font_key

    shaped = split_first_line(text, style, NO_HYPHENATION, None, 0, False)
    layout = shaped[0]
    layout.reactivate(style)
    try:
        line, _ = layout.get_first_line()
        fonts = set()
        run = line.runs
        while run != ffi.NULL:
            key_, _, size = get_pango_font_key(run.data.item.analysis.font)
            fonts.add((key_, size))
            run = run.next
    finally:
        layout.deactivate()
    return (*shaped, frozenset(fonts))


def _splice(sibling: _Sibling, parts, lay_out, warnings: list[str]):
    """The new HTML's layout: page 1 laid out, the sibling's later pages with new dates."""
    head, page_one, rest, end = parts
    pages = sibling.document.pages
    new_whens = whens(rest)
    if len(new_whens) != len(sibling.dates):
        return None
    stand_ins = '<section class="instructions"></section>' + '<div class="instructions"></div>' * (
        len(pages) - 2
    )
    first = lay_out(head + page_one + stand_ins + end)
    if len(first.pages) != len(pages):
        return None
    replaced: dict[int, dict[int, Any]] = {}  # page -> id(old box) -> new box
    labels: dict[int, str] = {}  # id(old heading) -> its new bookmark label
    for date, text in zip(sibling.dates, new_whens, strict=True):
        swap = _replace(date, text)
        if swap is None:
            return None
        replaced.setdefault(date.page, {}).update(swap[0])
        labels.update(swap[1])
    new_pages = [first.pages[0]]
    for number, page in enumerate(pages[1:], start=1):
        changes = replaced.get(number)
        if not changes:
            new_pages.append(page)
            continue
        new_pages.append(Page(_rebuilt(page._page_box, changes, labels)))
    return first.copy(new_pages)


def _replace(date: _Date, text: str):
    """The copies of the date's boxes that hold `text`, and its heading's new bookmark
    label; None if the new text cannot take the old one's place unchanged."""
    old = date.path[-1]
    if text == old.text:
        return {}, {}
    at = next(i for i, box in enumerate(date.path) if isinstance(box, boxes.LineBox))
    block, line, inlines = date.path[at - 1], date.path[at], date.path[at + 1 : -1]
    layout, length, resume, width, height, baseline, fonts = _shaped(text, old.style)
    if resume is not None or not length or layout.text != text or fonts != date.fonts:
        return None
    if height != old.height or baseline + old.margin_top != old.baseline:
        return None
    delta = width - old.width
    if line.width + delta > block.width - MARGIN_PX:
        return None
    new_text = old.copy_with_text(text)
    new_text.width = width
    new_text.pango_layout = layout
    changes = {id(old): new_text}
    for box in [line, *inlines]:  # the line and the spans around the date grow with it
        changes[id(box)] = box.copy()
        changes[id(box)].width = box.width + delta
    for box in date.after:  # and what is left after it on the line moves with its end
        changes[id(box)] = box.copy()
        changes[id(box)].position_x = box.position_x + delta
    labels = {}
    for box in reversed(date.path[:at]):  # the heading that holds the line: its label
        label = box.bookmark_label
        if label:
            if label.count(old.text) != 1 or not label.rstrip().endswith(old.text):
                return None
            labels[id(box)] = label.replace(old.text, text)
            break
    return changes, labels


def _rebuilt(box, changes: dict[int, Any], labels: dict[int, str]):
    """`box` with the changed boxes in place: every box on the way to one is copied (the
    sibling's own boxes are never changed: other dates are made from them too)."""
    new = changes.get(id(box))
    children = getattr(box, "children", None)
    if children is not None:
        new_children = [_rebuilt(child, changes, labels) for child in children]
        if any(a is not b for a, b in zip(new_children, children, strict=True)):
            new = (new or box).copy()
            new.children = new_children
    if id(box) in labels:
        new = (new or box).copy()
        new.bookmark_label = labels[id(box)]
    return box if new is None else new
