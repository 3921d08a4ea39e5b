"""Where aftercare's own files are, and where a clinic's are.

What aftercare ships (templates, styles, translation catalogs, the demo content that
`aftercare init` starts from) is read with importlib.resources from the installed package;
in a checkout with an editable install, from the repository's top-level folders. What a clinic
writes and keeps (content/, output/, var/) is in the working folder, never where the package is
installed: `--content`, `--out` and AFTERCARE_STATE_DIR move it.
"""

import os
from importlib.resources import files
from pathlib import Path

# The folder that holds the package: a checkout, or site-packages.
ROOT = Path(__file__).resolve().parent.parent


def shipped(name: str) -> Path:
    """One of the folders aftercare ships: inside the installed wheel, or the checkout's own."""
    packaged = files("generator").joinpath("_data", name)
    if packaged.is_dir():  # a wheel install (setup.py copies the folders there)
        return Path(str(packaged))
    return ROOT / name  # a checkout


TEMPLATES = shipped("templates")
STYLES = shipped("styles")
TRANSLATIONS = shipped("translations")
DEMO_CONTENT = shipped("content")

# The working folder: the clinic's content, what is generated, what is kept.
WORK = Path.cwd()
CONTENT = WORK / "content"
OUTPUT = WORK / "output"
SHEETS = OUTPUT / "sheets"
HANDOUTS = OUTPUT / "handouts"
SITE = OUTPUT / "site"
# Kept but never committed: the desk's session key, the register and its key.
# AFTERCARE_STATE_DIR moves it, e.g. to /var/lib/aftercare under systemd.
VAR = Path(os.environ.get("AFTERCARE_STATE_DIR") or WORK / "var").absolute()


def state_dir() -> Path:
    """The state folder as the environment says now: AFTERCARE_STATE_DIR, else VAR."""
    state = os.environ.get("AFTERCARE_STATE_DIR")
    return Path(state).absolute() if state else VAR


# Said when there is no content folder: the working folder is not a clinic's folder (yet).
NO_CONTENT = "content folder not found: `aftercare init` starts one here, or give --content DIR"
