"""Where the project's own folders are."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
STYLES = ROOT / "styles"
CONTENT = ROOT / "content"
OUTPUT = ROOT / "output"
