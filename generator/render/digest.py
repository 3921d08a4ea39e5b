"""What the look of a sheet depends on, as one digest: a reprint made under another digest
may differ from the original; and the digest of what a handout or page is built from, so
an unchanged one is not built again."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from generator import __version__
from generator.paths import ROOT, STYLES, TEMPLATES, TRANSLATIONS


def catalogs() -> list[Path]:
    """The translation catalogs (.po: the .mo files are built from them), in a stable order."""
    return sorted(TRANSLATIONS.rglob("*.po"))


def _label(path: Path) -> str:
    """A file's name in a digest, the same wherever the package is installed: templates/...,
    styles/..., translations/... (a wheel keeps them in generator/_data), generator/..."""
    for shipped in (TEMPLATES, STYLES, TRANSLATIONS):
        if path.is_relative_to(shipped):
            return f"{shipped.name}/{path.relative_to(shipped).as_posix()}"
    return path.relative_to(ROOT).as_posix()


# What the look of a sheet depends on, beyond its content: the code that turns content into
# HTML and PDF, the templates and styles, and the PDF engine. A change to anything else (the
# desk, the CLI) leaves reprints identical.
LAYOUT_CODE = (
    "sheet/model.py",
    "sheet/schedule.py",
    "sheet/qr.py",
    "sheet/name_scripts.py",
    "sheet/calendar_view.py",
    "sheet/footer.py",
    "content/markup.py",
    "render/templates.py",
    "render/fitting.py",
    "render/maker.py",
    "render/pdf.py",
    "render/tagging.py",
    "render/reuse.py",
    "render/write_cache.py",
    "render/weasyprint_patches.py",
    "render/shaping.py",
    "render/svgpaths.py",
    "render/font_timestamps.py",
    "i18n.py",
)


@cache
def layout_digest() -> str:
    """A digest of everything that shapes a sheet's layout, read once per process."""
    import zlib

    import pydyf
    import weasyprint  # late: commands that render nothing start fast

    engine = f"weasyprint {weasyprint.__version__} pydyf {pydyf.__version__}"
    engine += f" zlib {zlib.ZLIB_RUNTIME_VERSION}"  # the compressed bytes are zlib's
    digest = hashlib.sha256(engine.encode())
    paths = [ROOT / "generator" / name for name in LAYOUT_CODE]
    for folder in (TEMPLATES, STYLES):
        paths += sorted(p for p in folder.rglob("*") if p.is_file())
    paths += catalogs()  # the words a sheet prints in its language
    for path in paths:
        digest.update(_label(path).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def fingerprint(paths, *extra: str) -> str:
    """A digest of the code, these input files and `extra`: rebuild when it changes."""
    digest = hashlib.sha256(code_digest().encode())
    for path in paths:
        digest.update(Path(path).read_bytes())
    for part in extra:
        digest.update(part.encode())
    return digest.hexdigest()


@cache
def code_digest() -> str:
    """The generator's version, code, templates, styles and catalogs, read once per process."""
    digest = hashlib.sha256(__version__.encode())
    for folder in (ROOT / "generator", TEMPLATES, STYLES):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix != ".pyc":
                digest.update(_label(path).encode())
                digest.update(path.read_bytes())
    for path in catalogs():
        digest.update(_label(path).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()
