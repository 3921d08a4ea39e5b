"""Lists and line breaks as clinics write them, for Python-Markdown.

Python-Markdown nests a list only under four spaces, while editors (and CommonMark) nest at
two or three: "1." then "   - sub" printed "1. Moisturize - Use a gentle… - Apply…". It has
no backslash line break either. `CommonMarkLists` is a Python-Markdown extension that (1)
re-indents list items by the nesting their author meant, in the four-space steps
Python-Markdown reads, before it parses (a preprocessor: the parser itself is unchanged), and
(2) reads a backslash at the end of a line as a line break. Two trailing spaces already are.

Why not a packaged extension: mdx_truly_sane_lists (the usual choice, last released 2022)
nests at a fixed two spaces and then flattens the four-space lists this project's policies
already use, and drops a list item's second paragraph; no maintained Python-Markdown extension
nests by the parent's marker. The rule here: an item indented at least two columns more than
the item above it nests under it (two under "-", two or three under "1."); one column more
does not (`nesting_problems` finds those lines for `check`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markdown import Extension
from markdown.inlinepatterns import SubstituteTagInlineProcessor
from markdown.preprocessors import Preprocessor
from markupsafe import Markup, escape

ITEM_RE = re.compile(r"^(?P<indent> *)(?P<marker>[-*+]|\d{1,9}[.)])(?P<gap> +|$)")
FENCE_RE = re.compile(r"^ *(```|~~~)")
NEST = 2  # columns past the parent's marker at which an item nests
STEP = " " * 4  # Python-Markdown's indent


@dataclass
class _Item:
    indent: int  # the marker's column


def reindent(lines: list[str]) -> tuple[list[str], list[int]]:
    """The lines with list items and their continuation lines indented in steps of four by
    their nesting; and the indexes of items indented one column past an item above them,
    which do not nest."""
    out: list[str] = []
    stray: list[int] = []
    stack: list[_Item] = []
    in_fence, previous_blank = False, True
    for index, line in enumerate(lines):
        if FENCE_RE.match(line):
            in_fence = not in_fence
        blank = not line.strip()
        indent = len(line) - len(line.lstrip(" "))
        item = None if in_fence else ITEM_RE.match(line)
        if in_fence or blank:
            out.append(line)
        elif item:
            while stack and indent < stack[-1].indent + NEST:
                if indent == stack[-1].indent + 1:
                    stray.append(index)
                stack.pop()
            out.append(STEP * len(stack) + line.lstrip(" "))
            stack.append(_Item(indent))
        elif stack and not previous_blank:  # the item's paragraph goes on
            out.append(STEP * len(stack) + line.lstrip(" "))
        elif stack:  # after a blank line: a paragraph of the item it is indented under
            depth = sum(1 for open_item in stack if indent >= open_item.indent + NEST)
            del stack[depth:]
            out.append(STEP * depth + line.lstrip(" ") if depth else line)
        else:
            out.append(line)
        previous_blank = blank
    return out, stray


def nesting_problems(text: str) -> list[int]:
    """The 0-based line numbers of list items that will not nest (one column of indent)."""
    return reindent(text.splitlines())[1]


class _ListIndents(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        return reindent(lines)[0]


class CommonMarkLists(Extension):
    """Nested lists at two or three spaces, and backslash line breaks (see the module)."""

    def extendMarkdown(self, md) -> None:
        # After tabs become spaces (normalize_whitespace, 30), before raw HTML blocks (20).
        md.preprocessors.register(_ListIndents(md), "commonmark_lists", 25)
        # Before backslash escapes (180), which would keep the backslash as text.
        md.inlinePatterns.register(
            SubstituteTagInlineProcessor(r"\\\n", "br"), "backslash_break", 185
        )


# ---------- On paper: what is kept whole, and emoji spacing --------------------------------

KEEP_ITEMS, KEEP_ROWS = 8, 6  # a list of up to 8 items, a table of up to 6 rows, kept whole
TAG_RE = re.compile(r"<(/?)(ul|ol|li|table|tr)\b([^>]*)>")
EMOJI_RE = re.compile(
    "([\U0001f300-\U0001faff\u2600-\u27bf\u2b50\u2b55\u2934\u2935\u3030\u303d\u3297\u3299]"
    "\ufe0f?(?:\u200d[\U0001f300-\U0001faff\u2600-\u27bf]\ufe0f?)*)"
)


def keep_whole(html: str) -> Markup:
    """Policy HTML with class="keep" on each list of up to KEEP_ITEMS items (sub-items
    counted) and each table of up to KEEP_ROWS rows besides its header: print.css keeps
    them on one page when they fit. `html` is sanitised (policy.to_safe_html)."""
    keep: list[int] = []  # offsets just past the tag names to mark
    stack: list[list[int]] = []  # [offset, tag is table, count]
    for match in TAG_RE.finditer(html):
        closing, tag = match[1], match[2]
        if tag in ("li", "tr"):
            if not closing:
                for entry in stack:
                    if (tag == "tr") == bool(entry[1]):
                        entry[2] += 1
        elif not closing:
            stack.append([match.start(2) + len(tag), tag == "table", 0])
        elif stack:
            offset, table, count = stack.pop()
            if count <= (KEEP_ROWS + 1 if table else KEEP_ITEMS):
                keep.append(offset)
    for offset in sorted(keep, reverse=True):
        html = f'{html[:offset]} class="keep"{html[offset:]}'
    return Markup(html)


def emoji_gaps(html: str) -> Markup:
    """Text or HTML with each emoji in a span of its own, which print.css gives room after:
    set in the emoji font, the space after it was almost nothing."""
    parts = re.split(r"(<[^>]*>)", str(html))
    return Markup(
        "".join(
            part if part.startswith("<") else EMOJI_RE.sub(r'<span class="emoji">\1</span>', part)
            for part in parts
        )
    )


def whole_dates(text: str) -> Markup:
    """A date or a range of dates ("Thu, Jan 7, 2027 – Sun, Mar 7, 2027") that may break
    between its two dates but never inside one: each date is kept whole (print.css)."""
    parts = [escape(part) for part in str(text).split(" – ")]
    return Markup(" – ").join(Markup('<span class="whole">{}</span>').format(p) for p in parts)
