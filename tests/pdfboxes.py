"""What a printed page holds, measured from the PDF: each character's box and size, and the
calendar's cell borders (the thin rectangles WeasyPrint draws for them), in points from the
page's bottom left. Layout tests assert on these, not on pictures looked at."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from generator.render.preview import PDFIUM

MM = 72 / 25.4
THIN = 3.2  # a border drawn as a rectangle at most this thick (2 pt, rounded)
TOLERANCE = 0.6  # rounding of glyph boxes against borders


@dataclass(frozen=True)
class Char:
    text: str
    left: float
    bottom: float
    right: float
    top: float
    size: float  # font size in points

    def crosses_x(self, x: float) -> bool:
        return self.left + TOLERANCE < x < self.right - TOLERANCE

    def crosses_y(self, y: float) -> bool:
        return self.bottom + TOLERANCE < y < self.top - TOLERANCE


@dataclass(frozen=True)
class Segment:
    """A thin drawn rectangle: a border or a rule. `at` is its centre line, `low`-`high` its
    extent along it."""

    vertical: bool
    at: float
    low: float
    high: float


@dataclass(frozen=True)
class Page:
    width: float
    height: float
    chars: tuple[Char, ...]
    segments: tuple[Segment, ...]

    @property
    def text(self) -> str:
        return "".join(char.text for char in self.chars)

    def find(self, phrase: str, start: int = 0) -> tuple[Char, ...]:
        """The characters of the first `phrase` at or after character `start`."""
        index = self.text.index(phrase, start)
        return self.chars[index : index + len(phrase)]

    def calendar_grid(self) -> tuple[list[float], list[tuple[float, float]]]:
        """The calendar's columns and rows: the x of each border between columns, and the
        bottom and top of each week row. A week row is where five or more vertical borders
        of the same height stand side by side (a frame drawn whole, as around the procedure
        day, is not a thin rule; the columns it sits in still are)."""
        upright = [s for s in self.segments if s.vertical]
        ruled = [
            s
            for s in upright
            if sum(abs(o.low - s.low) < 4 and abs(o.high - s.high) < 4 for o in upright) >= 5
        ]
        columns: list[float] = []
        rows: list[tuple[float, float]] = []
        for s in ruled:
            if all(abs(s.at - x) > 1 for x in columns):
                columns.append(s.at)
            if all(abs(s.low - low) > 4 or abs(s.high - high) > 4 for low, high in rows):
                rows.append((s.low, s.high))
        return sorted(columns), sorted(rows)

    def chars_crossing_cells(self) -> list[str]:
        """Each character drawn across a border of its calendar cell, with where."""
        columns, rows = self.calendar_grid()
        if len(columns) < 8:
            return []
        found = []
        for char in self.chars:
            if not char.text.strip() or not columns[0] < char.left < columns[-1]:
                continue
            middle = (char.bottom + char.top) / 2
            for low, high in rows:
                if low < middle < high:
                    found += [
                        f"{char.text!r} across x={x:.1f}" for x in columns if char.crosses_x(x)
                    ]
                    found += [
                        f"{char.text!r} across y={y:.1f}" for y in (low, high) if char.crosses_y(y)
                    ]
        return found

    def chars_outside(self, margin_mm: float = 16) -> list[str]:
        """Characters outside the page's text area across (its side margins), or off the page."""
        left, right = margin_mm * MM - TOLERANCE, self.width - margin_mm * MM + TOLERANCE
        return [
            f"{char.text!r} at x={char.left:.1f}-{char.right:.1f}"
            for char in self.chars
            if char.text.strip()
            and (
                char.left < left or char.right > right or char.bottom < 0 or char.top > self.height
            )
        ]


def pages(pdf: bytes) -> list[Page]:
    """Every page's characters and thin rectangles."""
    with PDFIUM:
        document = pdfium.PdfDocument(io.BytesIO(pdf))
        try:
            return [_page(page) for page in document]
        finally:
            document.close()


def _page(page) -> Page:
    width, height = page.get_size()
    text = page.get_textpage()
    chars = []
    for index in range(text.count_chars()):
        left, bottom, right, top = text.get_charbox(index)
        size = pdfium_c.FPDFText_GetFontSize(text.raw, index)
        chars.append(Char(text.get_text_range(index, 1), left, bottom, right, top, size))
    segments = []
    for obj in page.get_objects(max_depth=8):
        if obj.type != pdfium_c.FPDF_PAGEOBJ_PATH:
            continue
        left, bottom, right, top = obj.get_bounds()
        if right - left <= THIN and top - bottom > THIN:
            segments.append(Segment(True, (left + right) / 2, bottom, top))
        elif top - bottom <= THIN and right - left > THIN:
            segments.append(Segment(False, (bottom + top) / 2, left, right))
    return Page(width, height, tuple(chars), tuple(segments))


def overlapping(chars: tuple[Char, ...] | list[Char]) -> list[str]:
    """Pairs of visible characters whose boxes overlap by more than a third of the smaller:
    text printed on top of other text."""
    visible = [c for c in chars if c.text.strip() and c.right > c.left]
    found = []
    for i, a in enumerate(visible):
        for b in visible[i + 1 :]:
            x = min(a.right, b.right) - max(a.left, b.left)
            y = min(a.top, b.top) - max(a.bottom, b.bottom)
            if x > 0 and y > 0:
                smaller = min(
                    (a.right - a.left) * (a.top - a.bottom), (b.right - b.left) * (b.top - b.bottom)
                )
                if x * y > smaller / 3:
                    found.append(f"{a.text!r}/{b.text!r} at x={a.left:.0f}")
    return found
