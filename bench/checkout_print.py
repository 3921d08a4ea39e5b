"""Checkout with a print queue (issue 24): key presses per patient, and the time from Enter
to the job in CUPS, median of 20 patients.

Starts a throwaway CUPS server with a cups-pdf queue (tests/cups.py: needs root and `make
setup-test`), the desk on the shipped content with that queue and a register, and drives
Debian's Chromium as a receptionist would: type the name, press Enter. The clock starts at
Enter and stops when CUPS lists the patient's job (IPP Get-Job-Attributes). Synthetic names.
Run: .venv/bin/python bench/checkout_print.py [--patients 20]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import waitress  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from generator.content.live import LiveContent  # noqa: E402
from generator.parallel.desk_pool import RenderPool  # noqa: E402
from generator.paths import CONTENT  # noqa: E402
from generator.record.register import Register  # noqa: E402
from generator.web import printing  # noqa: E402
from generator.web.app import create_app  # noqa: E402
from tests import cups  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Before (issue 24's count, the browser's print flow) for "Maria Garcia": Enter, click Print,
# Ctrl+P, Enter in the print dialog, Ctrl+W, click Next patient: 2 clicks + 6 keys past the
# name's 12 (18 keystrokes in all).
BEFORE_AFTER_NAME = 8


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=20)
    args = parser.parse_args()
    why = cups.missing()
    if why:
        sys.exit(f"cannot start CUPS: {why}")
    names = [f"Lorem Patient {n:02d}" for n in range(args.patients)]
    with tempfile.TemporaryDirectory() as folder, cups.temporary_server() as printer:
        printer.add_queue("FrontDesk")
        os.environ["CUPS_SERVER"] = printer.server
        content = Path(folder) / "content"
        shutil.copytree(CONTENT, content)
        pool = RenderPool(content, size=1)
        register = Register(f"sqlite:///{folder}/register.sqlite3", b"k" * 32)
        app = create_app(LiveContent(content), pool, register=register, print_queue="FrontDesk")
        server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
        threading.Thread(target=server.run, daemon=True).start()
        try:
            keys, seconds = checkout(f"http://127.0.0.1:{server.effective_port}", names)
        finally:
            server.close()
            pool.close()
            register.dispose()
    after = statistics.median(k - len(n) for k, n in zip(keys, names, strict=True))
    print(f"patients: {len(names)}")
    print(f"key presses after the name, per patient: before {BEFORE_AFTER_NAME}, after {after:g}")
    print(f"Enter to job in CUPS: median {statistics.median(seconds) * 1000:.0f} ms "
          f"(min {min(seconds) * 1000:.0f}, max {max(seconds) * 1000:.0f})")  # fmt: skip


def checkout(base: str, names: list[str]) -> tuple[list[int], list[float]]:
    """Check out each patient with the name and Enter; key presses and seconds to the job."""
    keys, seconds = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1024, "height": 768})
        page.goto(base + "/")
        for number, name in enumerate(names, start=1):
            page.keyboard.type(name)
            started = time.perf_counter()
            page.keyboard.press("Enter")
            job = printing.Job("FrontDesk", number)
            while printing.state(job).state == "unknown":
                time.sleep(0.005)
            seconds.append(time.perf_counter() - started)
            keys.append(len(name) + 1)
            page.locator("h1", has_text=f"(job {number})").wait_for()  # the next form, focused
        browser.close()
    return keys, seconds


if __name__ == "__main__":
    main()
