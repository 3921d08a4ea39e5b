"""Every shell example in the README and the guides runs as written, in a fresh clinic folder,
or says why it is not run (`<!-- not run: reason -->` on the line before its block).

Commands run in order, page by page, in one folder per page holding the shipped content and
the synthetic second procedure; the sample sheet ID the pages use (K7QM-2X9A) is replaced by
the ID of a sheet made first; `# -> PATH` after a command names a file it must write."""

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = (
    pytest.mark.docs
)  # runs every documented command: make test runs it, make test-fast does not

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
BLOCK = re.compile(
    r"(?:<!-- not run: (?P<why>[^>]*?) -->\n[ \t]*)?```(?:sh|bash|shell)\n(?P<body>.*?)```", re.S
)
SAMPLE_ID = "K7QM-2X9A"
AFTERCARE = str(Path(sys.executable).with_name("aftercare"))


def blocks(page: Path) -> list[tuple[str | None, list[str]]]:
    """(why it is not run, or None; its commands) for every shell block of a page."""
    found = []
    for match in BLOCK.finditer(page.read_text(encoding="utf-8")):
        text = match["body"].replace("\\\n", " ")
        found.append((match["why"], [line.strip() for line in text.splitlines() if line.strip()]))
    return found


def test_every_block_is_run_or_says_why_not():
    unexplained = []
    for page in PAGES:
        for why, commands in blocks(page):
            runnable = all(c.startswith(("#", ".venv/bin/aftercare ")) for c in commands)
            if why is None and not runnable:
                unexplained.append(f"{page.relative_to(ROOT)}: {commands[0]}")
            if why is not None and not why.strip():
                unexplained.append(f"{page.relative_to(ROOT)}: empty reason")
    assert unexplained == []


RUN = [(page, commands) for page in PAGES for why, commands in blocks(page) if why is None]


@pytest.fixture
def clinic(tmp_path, monkeypatch) -> Path:
    """A fresh clinic folder: the shipped content, the synthetic second procedure, a CSV."""
    folder = tmp_path / "clinic"
    shutil.copytree(ROOT / "content", folder / "content")
    shutil.copy(ROOT / "tests" / "data" / "example-procedure.md", folder / "content")
    (folder / "patients.csv").write_text(
        "name,policy,date,provider\nJane Doe,microneedling,2026-11-23,Dr. Rivera\n"
        "Lorem Ipsum,example-procedure,2026-11-24,\n",
        encoding="utf-8",
    )
    return folder


def run(folder: Path, command: str) -> subprocess.CompletedProcess:
    argv = shlex.split(command, comments=True)
    argv[0] = AFTERCARE
    env = {**os.environ, "AFTERCARE_STATE_DIR": str(folder / "var")}
    env.pop("AFTERCARE_DATABASE_URL", None)
    return subprocess.run(argv, cwd=folder, capture_output=True, text=True, env=env)


@pytest.mark.parametrize(
    "page",
    sorted({page for page, _ in RUN}),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_the_examples_of_a_page_run_as_written(page, clinic):
    from generator import paths

    if not hasattr(paths, "WORK"):  # output/ from the checkout: would write into it
        pytest.skip("output/ is resolved from the checkout, not the working folder")
    first = run(
        clinic,
        ".venv/bin/aftercare sheet microneedling --name 'Jane Doe' --date 2026-11-23 "
        "--provider 'Dr. Rivera' --out first.pdf",
    )
    assert first.returncode == 0, first.stderr
    [sheet_id] = re.findall(r"Sheet (\w{4}-\w{4})", first.stderr)
    for commands in (c for p, c in RUN if p == page):
        for command in commands:
            if command.startswith("# -> "):
                written = clinic / command.removeprefix("# -> ").strip()
                assert written.is_file(), f"{command}: not written"
                continue
            if command.startswith("#"):
                continue
            done = run(clinic, command.replace(SAMPLE_ID, sheet_id))
            assert done.returncode == 0, f"{command}\n{done.stderr}"
