"""Incremental builds: what each output file was made from, so unchanged ones are skipped."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from generator.files import write_atomic

MANIFEST = ".aftercare-build.json"


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
