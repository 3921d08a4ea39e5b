"""What each translation was last offered with: the source text it was made from and its own
review. It is how a translation whose source's text changed comes back only with a new review
of the translation (issue 25): pasting the source's new `source_hash` is not a review, so the
translation must also carry a `reviewed_on` later than the review it was offered with before.

The record is `translation-reviews.json` in the state folder (AFTERCARE_STATE_DIR, default
`var/`), by content folder. Every reader of the content writes to it when it offers a
translation (the desk as it reloads, `aftercare sheet` and the other commands, `check`) and
reads it to judge one. It holds slugs, languages, source hashes and review dates: no patient
data. A folder without a record (a new installation) offers a translation that is current and
reviewed, as before, and is recorded from then on. A record that cannot be read is never
replaced: no translation is offered until it is restored or deleted.
"""

from __future__ import annotations

import fcntl
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from generator import paths
from generator.errors import AftercareError, Problem
from generator.files import write_atomic

FILE_NAME = "translation-reviews.json"
FORMAT = 1
ABOUT = (
    "aftercare: the source text (its clinical hash) and the review each translation was last "
    "offered with, by content folder (docs/languages.md)"
)
ADVICE = (
    "restore it from a backup of the state folder, or delete it (translations are then "
    "offered as on a new installation)"
)


@dataclass(frozen=True)
class Offered:
    """What a translation was last offered with: its source's clinical hash, its review."""

    source_hash: str
    reviewed_on: date


class ReviewRecord:
    """The record of one content folder's translations, read when made; `offer` adds to it.

    `damaged` is the problem when the file cannot be read (translations are then not
    offered); `problems` says when an offer could not be written (the translation is offered,
    and its review is not remembered)."""

    def __init__(self, content_dir: Path, state_dir: Path | None = None):
        self.path = Path(state_dir or paths.state_dir()) / FILE_NAME
        self.folder = str(Path(content_dir).resolve())
        self.damaged: Problem | None = None
        self.problems: list[Problem] = []
        folders = self._read()
        self._mine: dict[str, Offered] = (folders or {}).get(self.folder, {})

    def last(self, slug: str, lang: str) -> Offered | None:
        """What the translation of `slug` into `lang` was last offered with, if it was."""
        return self._mine.get(f"{slug}.{lang}")

    def offer(self, slug: str, lang: str, source_hash: str, reviewed_on: date) -> None:
        """Remember that the translation is offered for the source text `source_hash` with its
        review of `reviewed_on` (written only when that is news)."""
        key, offered = f"{slug}.{lang}", Offered(source_hash, reviewed_on)
        if self.damaged is not None or not _newer(offered, self._mine.get(key)):
            return
        self._mine[key] = offered
        try:
            with _locked(self.path):
                folders = self._read()  # again: another desk or command may have written
                if folders is None:
                    return
                mine = folders.setdefault(self.folder, {})
                if _newer(offered, mine.get(key)):
                    mine[key] = offered
                    write_atomic(self.path, _dumped(folders))
        except (OSError, AftercareError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else exc.problems[0].message
            self.problems.append(
                Problem(
                    f"cannot be written ({reason}): the review of {slug}.{lang}.md it offers "
                    "is not remembered, so a later change of its source's text cannot ask for "
                    "a new one; give the state folder's owner write access",
                    self.path,
                )
            )

    def _read(self) -> dict[str, dict[str, Offered]] | None:
        """Every folder's record, {} when there is none; None (and `damaged`) when the file
        is there but cannot be read as a record."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except (OSError, UnicodeDecodeError) as exc:
            return self._damage(exc.strerror if isinstance(exc, OSError) else "not UTF-8 text")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            return self._damage(f"not JSON (line {exc.lineno}, column {exc.colno})")
        versioned = isinstance(data, dict) and isinstance(data.get("format"), int)
        if versioned and data["format"] > FORMAT:
            return self._damage(f"format {data['format']} is newer than this aftercare reads")
        try:
            return {
                folder: {key: _offered(value) for key, value in entries.items()}
                for folder, entries in data["folders"].items()
            }
        except (TypeError, KeyError, ValueError, AttributeError):
            return self._damage("not a record of translation reviews")

    def _damage(self, reason: str | None) -> dict[str, dict[str, Offered]] | None:
        """Say why the file cannot be read (it is left as it is); None."""
        self.damaged = Problem(f"cannot be read: {reason}: {ADVICE}", self.path)
        return None


def _offered(value: dict) -> Offered:
    if not isinstance(value["source_hash"], str):
        raise ValueError("source_hash")
    return Offered(value["source_hash"], date.fromisoformat(value["reviewed_on"]))


def _newer(offered: Offered, known: Offered | None) -> bool:
    """Whether `offered` is news: a later review, or the same day's review of another text
    (two desks may judge at once; the later review is kept)."""
    if known is None or offered.reviewed_on > known.reviewed_on:
        return True
    return offered.reviewed_on == known.reviewed_on and offered.source_hash != known.source_hash


def _dumped(folders: dict[str, dict[str, Offered]]) -> bytes:
    data = {
        "about": ABOUT,
        "format": FORMAT,
        "folders": {
            folder: {
                key: {"source_hash": o.source_hash, "reviewed_on": o.reviewed_on.isoformat()}
                for key, o in sorted(entries.items())
            }
            for folder, entries in sorted(folders.items())
        },
    }
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode()


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One writer at a time (desks and commands may share a state folder): a lock file
    beside the record, since the record itself is replaced by each write."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(path.with_name(f".{path.name}.lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
