"""HTML -> PDF with WeasyPrint, fetching only from the project's own asset folders."""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import weasyprint
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from generator.paths import STYLES, TEMPLATES
from generator.render import tagging, weasyprint_patches

WEASYPRINT_LOGGER = logging.getLogger("weasyprint")
MISSING_GLYPH = ".notdef glyph"
# Every PDF is tagged (structure tree, language, title, alt text): PDF/UA-1. Archive copies
# are PDF/A-3a, which is tagged too and also meets PDF/A-3b, and claim PDF/UA-1 as well.
# WeasyPrint's tags are corrected as they are written: see tagging.py.
ACCESSIBLE = "pdf/ua-1"
ARCHIVAL = "pdf/a-3a"


class RefusedFetch(ValueError):
    """A resource outside the asset folders was asked for and refused."""


class RestrictedFetcher(URLFetcher):
    """Serves regular files under the given folders; refuses every other URL.

    No network address, no `data:`, no `file:` outside the folders (symbolic links are
    followed first, then checked), no devices or folders. Refusals are recorded.
    """

    def __init__(self, roots, **kwargs):
        super().__init__(allowed_protocols=("file",), allow_redirects=False, **kwargs)
        self.roots = tuple(Path(root).resolve() for root in roots)
        self.refused: list[str] = []
        self.fetched: list[Path] = []  # what was served, for tests and audits

    def fetch(self, url, headers=None):
        """Return the file behind a `file:` URL inside the roots, or raise RefusedFetch."""
        path = self._allowed_path(url)
        if path is None:
            self.refused.append(url)
            raise RefusedFetch(f"refused to fetch {url[:200]!r}: not in the asset folders")
        self.fetched.append(path)
        mime, _ = mimetypes.guess_type(path.name)
        return URLFetcherResponse(
            url, path.read_bytes(), {"Content-Type": mime or "application/octet-stream"}
        )

    @contextmanager
    def allowing(self, folder: Path | None) -> Iterator[None]:
        """Also serve files under `folder` meanwhile (a reprint's archived logo)."""
        if folder is None:
            yield
            return
        roots = self.roots
        self.roots = (*roots, Path(folder).resolve())
        try:
            yield
        finally:
            self.roots = roots

    def _allowed_path(self, url: str) -> Path | None:
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            return None
        try:
            path = Path(url2pathname(unquote(parts.path))).resolve(strict=True)
        except (OSError, RuntimeError, ValueError):
            return None
        if path.is_file() and any(path.is_relative_to(root) for root in self.roots):
            return path
        return None


@dataclass
class Result:
    """A rendered PDF, its page count, and what WeasyPrint warned about."""

    pdf: bytes
    pages: int
    warnings: list[str] = field(default_factory=list)

    @property
    def missing_glyphs(self) -> int:
        """How many different characters were drawn as empty boxes for want of a font (a
        name appears on several pages: each character counts once)."""
        return len({w for w in self.warnings if MISSING_GLYPH in w})


class Renderer:
    """A warm renderer: one FontConfiguration, parsed print CSS and fetcher, reused per sheet."""

    def __init__(self, content_dir: Path, stylesheet: str = "print.css"):
        weasyprint_patches.install()  # once per process, before anything is laid out
        self.fetcher = RestrictedFetcher([TEMPLATES, STYLES, content_dir])
        self.font_config = FontConfiguration()
        self.css = weasyprint.CSS(
            filename=str(STYLES / stylesheet),
            font_config=self.font_config,
            url_fetcher=self.fetcher,
        )
        self.base_url = TEMPLATES.as_uri() + "/"

    def render(self, html: str, archival: bool = False) -> Result:
        """Lay out and write one tagged PDF in memory; PDF/A-3a when `archival`."""
        return self.render_first_fitting(iter([html]), lambda document: True, archival)

    def render_first_fitting(
        self,
        variants: Iterator[str],
        fits: Callable[[weasyprint.Document], bool],
        archival: bool = False,
    ) -> Result:
        """Lay out each HTML variant in turn and write the first whose layout `fits` (or the
        last one): for what only the layout can tell, such as a calendar filling page 1."""
        with _captured_warnings() as warnings:
            for html in variants:
                del warnings[:]  # only the written layout's warnings count
                document = self.layout(html, archival)
                if fits(document):
                    break
            pdf = tagging.write_pdf(document, ARCHIVAL if archival else ACCESSIBLE)
        return Result(pdf, len(document.pages), warnings)

    def layout(self, html: str, archival: bool = False) -> weasyprint.Document:
        """The HTML laid out in pages, not yet written."""
        return weasyprint.HTML(
            string=html, base_url=self.base_url, url_fetcher=self.fetcher
        ).render(
            font_config=self.font_config,
            stylesheets=[self.css],
            pdf_variant=ARCHIVAL if archival else ACCESSIBLE,
        )


class _Collecting(logging.Handler):
    """A logging handler that keeps each warning's message in a list."""

    def __init__(self, records: list[str]):
        super().__init__(logging.WARNING)
        self.records = records

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record.getMessage())


@contextmanager
def _captured_warnings():
    """Collect WeasyPrint's warnings instead of printing them (they may quote the page text)."""
    records: list[str] = []
    handler = _Collecting(records)
    WEASYPRINT_LOGGER.addHandler(handler)
    try:
        yield records
    finally:
        WEASYPRINT_LOGGER.removeHandler(handler)
