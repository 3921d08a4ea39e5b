"""Lines of text shaped once per process: the same text in the same style, at the same
width, breaks and measures the same, so WeasyPrint's `split_first_line` is asked only once.

Shaping (Pango) is about a sixth of a full render. Most of a sheet's text is the same from
one sheet to the next (the instructions, labels, the footer): a batch on many procedure
dates, or a desk, lays out those lines again and again. `split_first_line` is a function of
its arguments and of the style properties listed in SHAPED_BY (tests/test_shaping.py records
every property it reads while sheets are made, and checks they are all listed); its result is
a deactivated Layout (its text and widths, no Pango object), so a copy of it serves again.
The cache is a bounded LRU, per process, used only inside `sharing(private)`, which a render
of a sheet opens with its patient's words (name, provider): a line holding any of them, in any
case, is shaped afresh and not kept, so the cache holds no patient text.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from weasyprint.layout import inline as upstream_inline
from weasyprint.layout import preferred as upstream_preferred
from weasyprint.text import line_break as upstream_line_break

# Every style property split_first_line and what it calls read (Layout.setup, set_text,
# set_tabs, get_font_description, font_features, line_size, the hyphenation step).
SHAPED_BY = (
    "direction",
    "font_family",
    "font_feature_settings",
    "font_kerning",
    "font_language_override",
    "font_size",
    "font_stretch",
    "font_style",
    "font_variant_alternates",
    "font_variant_caps",
    "font_variant_east_asian",
    "font_variant_ligatures",
    "font_variant_numeric",
    "font_variant_position",
    "font_variation_settings",
    "font_weight",
    "hyphenate_character",
    "hyphenate_limit_chars",
    "hyphenate_limit_zone",
    "hyphens",
    "lang",
    "letter_spacing",
    "line_height",
    "overflow_wrap",
    "tab_size",
    "text_decoration_line",
    "white_space",
    "word_break",
    "word_spacing",
)
KEPT = 4096  # lines; a sheet shapes about 300

_upstream = upstream_line_break.split_first_line
_CACHE: OrderedDict[tuple, tuple] = OrderedDict()
_LOCK = threading.Lock()
# While a sheet is laid out in `sharing()`: the words a kept line must not contain
# (casefolded). None: outside `sharing()`, nothing is kept or taken.
_PRIVATE: ContextVar[tuple[str, ...] | None] = ContextVar("aftercare_shaping", default=None)
# What a Layout keeps of Pango once deactivated: none of these may be left.
_PANGO = {"layout", "language", "style"}


def _key(text, style, max_width, justification_spacing, is_line_start, minimum) -> tuple:
    return (
        text,
        max_width,
        justification_spacing,
        is_line_start,
        minimum,
        id(style.font_config),
        *(_hashable(style[name]) for name in SHAPED_BY),
    )


def _plain(value) -> bool:
    return value is None or isinstance(value, (str, int, float))


def _hashable(value):
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


def split_first_line(
    text, style, context, max_width, justification_spacing, is_line_start=True, minimum=False
):
    """WeasyPrint's split_first_line, its result kept for the same arguments and style."""
    private = _PRIVATE.get()
    if private is None or (private and any(word in text.casefold() for word in private)):
        return _upstream(
            text, style, context, max_width, justification_spacing, is_line_start, minimum
        )
    key = _key(text, style, max_width, justification_spacing, is_line_start, minimum)
    with _LOCK:
        found = _CACHE.get(key)
        if found is not None:
            _CACHE.move_to_end(key)
    if found is None:
        result = _upstream(
            text, style, context, max_width, justification_spacing, is_line_start, minimum
        )
        layout = result[0]
        state = dict(vars(layout))
        if _PANGO & set(state) or not all(_plain(value) for value in state.values()):
            return result  # not deactivated as expected: not kept
        found = (state, *result[1:])
        with _LOCK:
            _CACHE[key] = found
            while len(_CACHE) > KEPT:
                _CACHE.popitem(last=False)
    state, *rest = found
    layout = upstream_line_break.Layout.__new__(upstream_line_break.Layout)
    layout.__dict__.update(state)
    return (layout, *rest)


@contextmanager
def sharing(*private: str | None) -> Iterator[None]:
    """Lines shaped meanwhile are kept and taken from the cache, except those that hold a
    word of `private` (a patient's name, its provider): these are shaped afresh, not kept."""
    words = {word.casefold() for text in private if text for word in text.split()}
    token = _PRIVATE.set(tuple(sorted(words)))
    try:
        yield
    finally:
        _PRIVATE.reset(token)


def cached_lines() -> list[str]:
    """The texts of the kept lines (for tests: they must hold no patient text)."""
    with _LOCK:
        return [key[0] for key in _CACHE]


def clear() -> None:
    """Forget every kept line."""
    with _LOCK:
        _CACHE.clear()


def install() -> None:
    """Wrap split_first_line where the inline and preferred-width layouts call it (from
    weasyprint_patches.install, once)."""
    global _upstream
    _upstream = upstream_line_break.split_first_line
    for module in (upstream_inline, upstream_preferred):
        module.split_first_line = split_first_line  # type: ignore[attr-defined]
