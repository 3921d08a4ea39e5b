"""Where the project's own folders are."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
STYLES = ROOT / "styles"
CONTENT = ROOT / "content"
OUTPUT = ROOT / "output"
SHEETS = OUTPUT / "sheets"
HANDOUTS = OUTPUT / "handouts"
SITE = OUTPUT / "site"
# Kept but never committed: the desk's session key (and later the register and its key).
# AFTERCARE_STATE_DIR moves it, e.g. to /var/lib/aftercare under systemd.
VAR = Path(os.environ.get("AFTERCARE_STATE_DIR") or ROOT / "var")
