"""QR codes as crisp vector SVG, quiet zone included.

A smaller code has bigger modules at the same printed size, and bigger modules survive a blurred
or low-resolution scan. The demo clinic's codes are version 4 (33 modules; 41 with the quiet
zone, so 1.02 mm a module in print.css's 42 mm). Two things keep them small: the fragment's
compact date (#d=YYYYMMDD, see sheet.fragment_date), and a run of 8 or more digits (that date)
coded as a numeric segment, 3.3 bits a digit instead of 8, which every QR reader decodes."""

from __future__ import annotations

from functools import lru_cache

import qrcode
import qrcode.constants

QUIET_ZONE = 4  # modules, as the QR specification asks
NUMERIC_RUN = 8  # from 8 digits in a row (or QR alphanumerics), a denser segment of their own


@lru_cache(maxsize=32)
def svg(data: str, label: str = "QR code") -> str:
    """An SVG of the QR code for `data`: one path, one unit per module, quiet zone kept.

    Kept for the sheets of a kind that follow (a QR code holds the page and the procedure
    date, never a name): choosing the best of eight masks is most of a reused sheet's time."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=QUIET_ZONE)
    code.add_data(data, optimize=NUMERIC_RUN)
    code.make(fit=True)
    matrix = code.get_matrix()
    size = len(matrix)
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                runs.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'shape-rendering="crispEdges" role="img" aria-label="{_attr(label)}">'
        f"<title>{_attr(label)}</title>"
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(runs)}"/></svg>'
    )


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
