"""docs/SECURITY.md names the test that proves each defence: every one it names exists."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def functions_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}


def named_tests(text: str) -> list[tuple[str, str | None]]:
    """(file, test or None) for every test a table cell names; bare names use the last file."""
    found = []
    for cell in re.findall(r"\|([^|\n]*tests/[^|\n]*)", text):
        current = None
        for match in re.finditer(r"`(tests/\w+\.py)(?:::(\w+))?`|`(test_\w+)`", cell):
            if match.group(1):
                current = match.group(1)
                found.append((current, match.group(2)))
            else:
                found.append((current, match.group(3)))
    return found


def test_every_test_named_in_the_security_page_exists():
    named = named_tests((ROOT / "docs" / "SECURITY.md").read_text(encoding="utf-8"))
    assert len(named) >= 40
    missing = []
    for file, name in named:
        path = ROOT / file
        if not path.exists() or (name and name not in functions_in(path)):
            missing.append(f"{file}::{name}")
    assert missing == []
