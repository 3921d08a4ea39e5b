"""Page 1 of a PDF as a PNG picture, for the desk's check before printing."""

from __future__ import annotations

import threading

PDFIUM = threading.Lock()  # PDFium must not be called from two threads at once


def first_page_png(pdf: bytes) -> bytes:
    """Page 1 as a PNG, to check name, date and procedure at a glance (one call at a time:
    PDFium crashes when two threads use it together)."""
    with PDFIUM:
        return _first_page_png(pdf)


def _first_page_png(pdf: bytes) -> bytes:
    import io

    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=110 / 72).to_pil()
    finally:
        document.close()
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=False)
    return buffer.getvalue()
