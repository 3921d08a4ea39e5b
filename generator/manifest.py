"""Incremental builds: what each output file was made from, so unchanged ones are skipped."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from . import __version__
from .files import write_atomic
from .paths import ROOT, STYLES, TEMPLATES, TRANSLATIONS

MANIFEST = ".aftercare-build.json"


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
                digest.update(path.relative_to(ROOT).as_posix().encode())
                digest.update(path.read_bytes())
    for path in catalogs():
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def catalogs() -> list[Path]:
    """The translation catalogs (.po: the .mo files are built from them), in a stable order."""
    return sorted(TRANSLATIONS.rglob("*.po"))


# What the look of a sheet depends on, beyond its content: the code that turns content into
# HTML and PDF, the templates and styles, and the PDF engine. A change to anything else (the
# desk, the CLI) leaves reprints identical.
LAYOUT_CODE = (
    "sheet.py",
    "schedule.py",
    "qr.py",
    "render.py",
    "pdf.py",
    "tagging.py",
    "writing.py",
    "reuse.py",
    "fitting.py",
    "scripts.py",
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
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@dataclass
class BuildReport:
    """What a build wrote, skipped as unchanged, and removed as stale."""

    written: list[Path]
    unchanged: list[Path]
    removed: list[Path]

    def summary(self, what: str) -> str:
        """One line: how many written, unchanged, removed."""
        line = f"{what}: {len(self.written)} written, {len(self.unchanged)} unchanged"
        return line + (f", {len(self.removed)} removed" if self.removed else "")


class Manifest:
    """The input fingerprint of each file a build wrote, kept beside the files."""

    def __init__(self, folder: Path):
        self.path = Path(folder) / MANIFEST
        try:
            self.entries: dict[str, str] = json.loads(self.path.read_text())
        except (OSError, ValueError):
            self.entries = {}
        self.seen: set[str] = set()

    def is_current(self, target: Path, fingerprint: str) -> bool:
        """Whether `target` exists and was made from exactly these inputs."""
        name = target.relative_to(self.path.parent).as_posix()
        self.seen.add(name)
        return target.is_file() and self.entries.get(name) == fingerprint

    def record(self, target: Path, fingerprint: str) -> None:
        """Note the fingerprint of a file just written."""
        self.entries[target.relative_to(self.path.parent).as_posix()] = fingerprint

    def remove_stale(self) -> list[Path]:
        """Delete files an earlier build made that this build no longer makes."""
        removed = []
        for name in sorted(set(self.entries) - self.seen):
            path = self.path.parent / name
            path.unlink(missing_ok=True)
            removed.append(path)
            del self.entries[name]
        return removed

    def save(self) -> None:
        """Write the manifest atomically."""
        write_atomic(self.path, json.dumps(self.entries, indent=1, sort_keys=True).encode())
