"""Font files embedded the same way whatever the clock says.

WeasyPrint writes some fonts through fontTools (colour emoji fonts, with their pictures
removed; fonts HarfBuzz cannot subset), and fontTools stamps each font it saves with the time
of saving (`head.modified`). Two renders of one sheet a second apart then differed, so a
reprint was not byte for byte the original whenever its name had an emoji (issue 25, item 16).
A saved font keeps the time its own file carries instead.
"""

from __future__ import annotations

from collections.abc import Callable

from fontTools.ttLib import ttFont

_upstream_save: Callable | None = None


def _save(self, file, reorderTables=True):
    """TTFont.save, keeping the font's own `head.modified`."""
    self.recalcTimestamp = False
    assert _upstream_save is not None, "install() sets it first"
    return _upstream_save(self, file, reorderTables)


def install() -> None:
    """Wrap fontTools' TTFont.save (once)."""
    global _upstream_save
    if _upstream_save is None:
        _upstream_save = ttFont.TTFont.save
        ttFont.TTFont.save = _save  # type: ignore[method-assign]
