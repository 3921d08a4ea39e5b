"""Where the project's own folders are."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
STYLES = ROOT / "styles"
CONTENT = ROOT / "content"
OUTPUT = ROOT / "output"
SHEETS = OUTPUT / "sheets"
HANDOUTS = OUTPUT / "handouts"
SITE = OUTPUT / "site"
VAR = ROOT / "var"  # kept but never committed: the register and its key
