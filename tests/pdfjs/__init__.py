"""PDFs read as Firefox's viewer reads them: Mozilla pdf.js (pinned in package.json,
installed by `make setup-test` with `npm ci`) run by Node on tests/pdfjs/read.mjs.

`read(pdf, ...)` gives, for each PDF, each page's size, its text runs in content order (each
either tied to the structure tree by a marked-content id, or an artifact) and its structure
tree as pdf.js builds it for the accessibility tree, with each leaf's text filled in.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("read.mjs")
PDFJS = ROOT / "node_modules" / "pdfjs-dist" / "package.json"


def missing() -> str | None:
    """Why pdf.js cannot run here, or None."""
    if shutil.which("node") is None:
        return "node is not installed"
    if not PDFJS.exists():
        return "pdfjs-dist is not installed: run `make setup-test` (npm ci)"
    return None


def require() -> None:
    """Skip the calling test when pdf.js cannot run; in CI that is a failure instead."""
    reason = missing()
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"pdf.js tests cannot run: {reason}")
    pytest.skip(reason)


@dataclass
class Page:
    """One page as pdf.js sees it."""

    width: float
    height: float
    runs: list[dict]  # {"mc": id or None, "artifact": bool, "text": str}, in content order
    tree: dict | None  # {"role", "children", "lang"?, "alt"?, "bbox"?} or content leaves

    def nodes(self) -> Iterator[tuple[dict, str | None]]:
        """Every structure node, depth first, with the language it is read in (its own
        /Lang or the nearest ancestor's; None where only the document's applies)."""
        stack = [(self.tree, None)] if self.tree else []
        while stack:
            node, lang = stack.pop()
            lang = node.get("lang", lang)
            yield node, lang
            stack.extend((c, lang) for c in reversed(node["children"]) if "role" in c)

    def content_ids(self) -> list[str]:
        """Marked-content ids in structure order (the order a screen reader reads)."""
        return [leaf["id"] for leaf in self.leaves()]

    def leaves(self) -> list[dict]:
        """Content leaves of the structure tree, in structure order."""
        found: list[dict] = []

        def walk(item: dict) -> None:
            if item.get("type") == "content":
                found.append(item)
            for child in item.get("children", ()):
                walk(child)

        if self.tree:
            walk(self.tree)
        return found

    def roles(self) -> set[str]:
        """Every structure role on the page."""
        return {node["role"] for node, _ in self.nodes()}

    def text_runs(self) -> list[dict]:
        """The runs that are real content (not artifacts), in content order."""
        return [run for run in self.runs if not run["artifact"]]


def text(node: dict) -> str:
    """The text under a structure node, white space made single spaces."""
    parts: list[str] = []

    def walk(item: dict) -> None:
        if item.get("type") == "content":
            parts.append(item["text"])
        for child in item.get("children", ()):
            walk(child)

    walk(node)
    return " ".join(" ".join(parts).split())


@dataclass
class Document:
    """One PDF as pdf.js sees it."""

    lang: str | None
    pages: list[Page]


def read(*pdfs: bytes) -> list[Document]:
    """Each PDF read by pdf.js, in one Node process."""
    require()
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for index, pdf in enumerate(pdfs):
            path = Path(folder) / f"{index}.pdf"
            path.write_bytes(pdf)
            paths.append(str(path))
        done = subprocess.run(
            ["node", str(SCRIPT), *paths],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert done.returncode == 0, done.stderr
    return [
        Document(found["lang"], [Page(**page) for page in found["pages"]])
        for found in json.loads(done.stdout)
    ]
