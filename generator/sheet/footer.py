"""The footer's widths, from Inter's metrics: the room its version, hash, date and sheet ID
take, so that the title gets the rest (cut with '…' if it must be) and `check` can say which
titles will be cut.

The room is worked out for the widest sheet ID there can be, not the sheet's own: the layout
of a footer is then the same whatever the ID, which the reuse of a base sheet (render/reuse.py)
needs, since it writes each patient's ID into the base's place for it."""

from __future__ import annotations

import re
import subprocess
from functools import cache

FOOTER_PT = 9.0  # print.css: .running-footer
PT_MM = 25.4 / 72
FALLBACK_EM = 1.0  # a character Inter does not have (Arabic, CJK): counted as wide as can be
ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32, as record/register.py
ID_RE = re.compile(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}\b")
SAFETY_MM = 0.5  # rounding, and the kerning the sum of advances leaves out


def rest_mm(text: str, size: float = FOOTER_PT) -> float:
    """The width in mm that the footer's text after the title needs, with any sheet ID in
    it counted as the widest ID."""
    widest = max(ID_ALPHABET, key=lambda char: text_width(char, size))
    text = ID_RE.sub(f"{widest * 4}-{widest * 4}", text)
    return round(text_width(text, size) * PT_MM + SAFETY_MM, 1)


def text_width(text: str, size: float = FOOTER_PT) -> float:
    """The width of `text` in points, in Inter at `size` points."""
    widths, em = _inter_widths()
    return sum(widths.get(ord(char), FALLBACK_EM * em) for char in text) * size / em


@cache
def _inter_widths() -> tuple[dict[int, int], int]:
    """Inter's advance width of each character, and its units per em; none if not found."""
    try:
        path = subprocess.run(
            ["fc-match", "-f", "%{file}", "Inter:style=Regular"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout
        from fontTools.ttLib import TTFont  # WeasyPrint's own dependency

        with TTFont(path, lazy=True) as font:
            metrics = font["hmtx"].metrics
            return (
                {code: metrics[name][0] for code, name in font.getBestCmap().items()},
                font["head"].unitsPerEm,
            )
    except (OSError, subprocess.SubprocessError, KeyError, ValueError):
        return {}, 1000
