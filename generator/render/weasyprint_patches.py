"""Every change this project makes to WeasyPrint 70, installed in one place, once, in order.

WeasyPrint has no hooks for what the sheets need, so these modules wrap some of its functions:

0. `glyphtext` maps each drawn glyph to its own text, in the order readers put it back (RTL
   ligatures, mirrored brackets, conjuncts, the ellipsis): it wraps `draw_first_line` and
   `build_fonts_dictionary`, innermost, so the codes it chooses are what the others see.
1. `tagging` fixes the structure tree (tags, reading order) as a PDF is written: it wraps
   `_build_box_tree` and `draw_stacking_context`.
2. `reuse` marks the placeholders of a base while it is written: it wraps `draw_first_line`
   and `build_fonts_dictionary` again, *around* tagging's wrapper, so a base's fonts are both
   tagged correctly and given the placeholders' alphabet.
3. `write_cache` keeps what pydyf recomputes (object bytes, compressed streams, font subsets):
   it wraps `pydyf.PDF.write`, the `data` properties and `Font.subset`.
4. `shaping` keeps the lines WeasyPrint splits (`split_first_line`, as the inline and
   preferred-width layouts call it) for the next sheet; `svgpaths` draws a QR code's SVG path
   in one pass (the `path` entry of the SVG tags). Neither touches what the others wrap.
5. `font_timestamps` makes fontTools keep a font's own `head.modified` when WeasyPrint saves
   it through fontTools (colour emoji), instead of the time of saving.

Each module's `install()` captures what is in place when it runs and wraps that, so the order
above is the order of the wrappers. `install()` runs when `generator.render.pdf` is imported,
before any document is laid out; nothing else patches WeasyPrint.

Before WeasyPrint is imported at all, `before_import()` (called by the CLI's `main`, for every
command) lets `weasyprint_ffi` give `weasyprint.text.ffi` its C declarations parsed once and
cached, instead of parsed by pycparser at every start: WeasyPrint's module runs unchanged, with
a stand-in for `cffi.FFI` while it runs (see that module). It wraps nothing else. A process
that imports WeasyPrint without it (a spawned desk worker, a test) parses them as before.
"""

from __future__ import annotations

_installed = False


def before_import() -> None:
    """What must be in place before WeasyPrint is imported: its C declarations from the cache
    (weasyprint_ffi). Costs nothing until WeasyPrint is imported."""
    from generator.render import weasyprint_ffi

    weasyprint_ffi.install()


def install() -> None:
    """Install the wrappers of glyphtext, tagging, reuse, write_cache, shaping, svgpaths and
    font_timestamps, in that order (once)."""
    global _installed
    if _installed:
        return
    _installed = True
    from generator.render import (
        font_timestamps,
        glyphtext,
        reuse,
        shaping,
        svgpaths,
        tagging,
        write_cache,
    )

    glyphtext.install()
    tagging.install()
    reuse.install()
    write_cache.install()
    shaping.install()
    svgpaths.install()
    font_timestamps.install()  # fontTools, not WeasyPrint: fonts saved without today's time
