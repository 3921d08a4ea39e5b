"""SVG paths of straight moves and lines (a QR code's) drawn without WeasyPrint's general
path parser, which re-parses every number through a series of regular expressions: a sheet's
QR code is some 800 commands, about 8 ms of a full render. The drawing is the same, call for
call (tests/test_svgpaths.py compares the two on QR codes and other paths); any path with
another command, a fraction or an exponent takes WeasyPrint's own parser.
"""

from __future__ import annotations

import re
from math import pi

from weasyprint import svg as upstream_svg

# Only M/m x y, H/h x, V/v y and Z/z, each with exactly its own integer arguments.
_SIMPLE = re.compile(
    r"\s*(?:[Mm]\s*-?\d+[\s,]+-?\d+|[HhVv]\s*-?\d+|[Zz])(?:\s*(?=[MmHhVvZz])|\s*$)"
)
_COMMAND = re.compile(r"([MmHhVvZz])\s*(-?\d+)?(?:[\s,]+(-?\d+))?")

_upstream_path = upstream_svg.TAGS["path"]  # WeasyPrint's, as imported


def _is_simple(string: str) -> bool:
    end = 0
    for match in _SIMPLE.finditer(string):
        if match.start() != end:
            return False
        end = match.end()
    return end == len(string) and end > 0


def path(svg, node, font_size):
    """Draw a path node: WeasyPrint's path(), for the simple paths above in one pass."""
    string = node.get("d", "")
    if not _is_simple(string):
        return _upstream_path(svg, node, font_size)
    stream, vertices = svg.stream, node.vertices
    current_point: tuple[float, float] = 0, 0
    stream.move_to(*current_point)
    last_letter = None
    first_path_point = None
    for letter, first, second in _COMMAND.findall(string):
        if last_letter in (None, "z", "Z") and letter not in "mM":
            vertices.append(current_point)
            first_path_point = current_point
        if last_letter in (None, "m", "M", "z", "Z"):
            first_path_point = None
        if letter not in "mMzZ" and first_path_point is None:
            first_path_point = current_point
        old_x, old_y = current_point
        if letter in "hH":
            x = float(first) + (old_x if letter == "h" else 0)
            angle = 0 if x > old_x else pi
            vertices.append((pi - angle, angle))
            stream.line_to(x, old_y)
            current_point = x, old_y
        elif letter in "vV":
            y = float(first) + (old_y if letter == "v" else 0)
            angle = pi / 2 if y > old_y else -pi / 2
            vertices.append((pi - angle, angle))
            stream.line_to(old_x, y)
            current_point = old_x, y
        elif letter in "mM":
            x, y = float(first), float(second)
            if last_letter and last_letter not in "zZ":
                vertices.append(None)
            if letter == "m":
                x, y = x + old_x, y + old_y
            stream.move_to(x, y)
            current_point = x, y
        elif first_path_point:  # zZ
            vertices.append(None)
            stream.close()
            current_point = first_path_point
        if letter not in "zZ":
            vertices.append(current_point)
        last_letter = letter
    return None


def install() -> None:
    """Draw the SVG `path` elements with `path` (from weasyprint_patches.install, once)."""
    upstream_svg.TAGS["path"] = path
