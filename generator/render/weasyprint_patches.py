"""Every change this project makes to WeasyPrint 70, installed in one place, once, in order.

WeasyPrint has no hooks for what the sheets need, so three modules wrap some of its functions:

1. `tagging` fixes the structure tree (tags, reading order, the ellipsis's text) as a PDF is
   written: it wraps `_build_box_tree`, `draw_stacking_context` and `build_fonts_dictionary`.
2. `reuse` marks the placeholders of a base while it is written: it wraps `draw_first_line`
   and `build_fonts_dictionary` again, *around* tagging's wrapper, so a base's fonts are both
   tagged correctly and given the placeholders' alphabet.
3. `write_cache` keeps what pydyf recomputes (object bytes, compressed streams, font subsets):
   it wraps `pydyf.PDF.write`, the `data` properties and `Font.subset`.

Each module's `install()` captures what is in place when it runs and wraps that, so the order
above is the order of the wrappers. `install()` runs when `generator.render.pdf` is imported,
before any document is laid out; nothing else patches WeasyPrint.
"""

from __future__ import annotations

_installed = False


def install() -> None:
    """Install the wrappers of tagging, reuse and write_cache, in that order (once)."""
    global _installed
    if _installed:
        return
    _installed = True
    from generator.render import reuse, tagging, write_cache

    tagging.install()
    reuse.install()
    write_cache.install()
