"""The built wheel works anywhere: installed into a fresh venv, run from an empty folder far
from any checkout, `init`, `check`, `sheet` and `serve` work, and what they write (output/,
var/) lands in that folder, never where the package is installed.

The wheel is built with `pip wheel` from the checkout. It is installed with pip into a venv
made for the test; its declared runtime dependencies (and theirs, nothing else: not the test
tools, not the checkout) are linked in from this venv, so the test needs no network and takes
seconds, and `pip check` confirms they are what the wheel asks for. With
AFTERCARE_WHEEL_FULL_INSTALL=1, pip resolves and installs them from the indexes instead.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from generator.render.digest import layout_digest

from .conftest import pdf_text
from .test_init import make_it_ours

pytestmark = pytest.mark.load
ROOT = Path(__file__).resolve().parent.parent
# What a clone has that the build does not read (and what earlier builds left).
NOT_SOURCE = (".git", ".venv", "node_modules", "output", "var", "build", "dist", "*.egg-info")
NOT_SOURCE += ("__pycache__", ".*_cache", ".hypothesis", "docs", "*.mo")
LAYOUT_DIGEST = "from generator.render.digest import layout_digest; print(layout_digest())"


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv with only the wheel (and its dependencies) installed: its bin folder."""
    base = tmp_path_factory.mktemp("wheel")
    dist, source = base / "dist", base / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_SOURCE))  # build writes
    pip = [sys.executable, "-m", "pip", "--quiet", "--disable-pip-version-check"]
    build = [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", dist, source]
    subprocess.run(build, check=True, cwd=base)
    [wheel] = dist.glob("aftercare-*.whl")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    python = venv / "bin" / "python"
    if os.environ.get("AFTERCARE_WHEEL_FULL_INSTALL"):
        subprocess.run([*pip, "--python", python, "install", wheel], check=True, cwd=base)
    else:
        site = next((venv / "lib").glob("python3*/site-packages"))
        (site / "runtime-dependencies.pth").write_text(f"{link_dependencies(base / 'deps')}\n")
        install = [*pip, "--python", python, "install", "--no-index", "--no-deps", wheel]
        subprocess.run(install, check=True, cwd=base)
        # Every dependency the wheel declares is there, and nothing else is.
        subprocess.run([*pip, "--python", python, "check"], check=True, cwd=base)
    return venv / "bin"


def link_dependencies(folder: Path) -> Path:
    """`folder` with links to the installed files of aftercare's declared runtime
    dependencies, and of theirs (never the test tools, never the checkout)."""
    folder.mkdir()
    for found in runtime_closure():
        site = Path(found.locate_file(""))
        for top in {Path(f).parts[0] for f in found.files or () if not str(f).startswith("..")}:
            if not (folder / top).exists():
                (folder / top).symlink_to(site / top)
    return folder


def runtime_closure() -> list[metadata.Distribution]:
    """The distributions aftercare needs to run, as the wheel's metadata names them."""
    seen: dict[str, metadata.Distribution] = {}
    wanted = [Requirement("aftercare")]
    while wanted:
        requirement = wanted.pop()
        name = canonicalize_name(requirement.name)
        if name in seen:
            continue
        seen[name] = metadata.distribution(name)
        for text in seen[name].requires or ():
            needed = Requirement(text)
            extras = requirement.extras or {""}
            if needed.marker is None or any(needed.marker.evaluate({"extra": e}) for e in extras):
                wanted.append(needed)
    del seen["aftercare"]  # the checkout's editable install: the wheel replaces it
    return list(seen.values())


def environment() -> dict[str, str]:
    """This machine's environment without anything pointing at the checkout or its state."""
    dropped = ("PYTHONPATH", "AFTERCARE_DATABASE_URL", "AFTERCARE_STATE_DIR", "AFTERCARE_TOKEN")
    return {k: v for k, v in os.environ.items() if k not in dropped and not k.startswith("PYTEST")}


def aftercare(bin_dir: Path, folder: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [bin_dir / "aftercare", *args],
        cwd=folder,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_installed_package_is_the_wheel_with_everything_it_reads(installed):
    found = subprocess.run(
        [installed / "python", "-c", "import generator, generator.web; print(generator.__file__)"],
        cwd="/",
        env=environment(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    package = Path(found).parent
    assert ROOT not in package.parents and package.parent.name == "site-packages"
    shipped = package / "_data"
    for name in ["templates/sheet.html.j2", "templates/desk.js", "styles/print.css"]:
        assert (shipped / name).is_file(), name
    for catalog in (ROOT / "translations").glob("*/LC_MESSAGES/messages.po"):
        compiled = shipped / catalog.relative_to(ROOT).with_suffix(".mo")
        assert compiled.is_file(), compiled  # compiled when the wheel was built
    assert (shipped / "content/microneedling.md").is_file()  # what `init` starts from
    assert (shipped / "deploy/aftercare-desk.service").is_file()  # docs/DEPLOY.md copies it
    # What shapes a sheet is the same installed as in the checkout: a reprint made by the
    # one of a sheet issued by the other is not reported as made under another layout.
    digest = subprocess.run(
        [installed / "python", "-c", LAYOUT_DIGEST],
        cwd="/",
        env=environment(),
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert digest == layout_digest()
    # Every module of the checkout made it into the wheel, in every subpackage, and nothing
    # else (such as a module moved since a last build).
    modules = sorted(p.relative_to(ROOT / "generator") for p in (ROOT / "generator").rglob("*.py"))
    installed_modules = sorted(p.relative_to(package) for p in package.rglob("*.py"))
    assert len(modules) > 40 and installed_modules == modules


def test_init_check_sheet_and_serve_from_an_empty_folder(installed, tmp_path):
    folder = tmp_path / "clinic"
    folder.mkdir()
    made = aftercare(installed, folder, "init")
    assert made.returncode == 0, made.stderr
    assert (folder / "content/clinic.toml").is_file() and (folder / ".gitignore").is_file()
    first = aftercare(installed, folder, "check")
    assert first.returncode == 1 and "content/clinic.toml:5: name: still the placeholder" in (
        first.stderr
    )
    make_it_ours(folder / "content")
    checked = aftercare(installed, folder, "check")
    assert checked.returncode == 0, checked.stderr
    sheet = aftercare(installed, folder, "sheet", "microneedling", "--name", "Jane Doe")
    assert sheet.returncode == 0, sheet.stderr
    written = folder / sheet.stdout.strip().splitlines()[-1]
    assert written.parent == folder / "output" / "sheets"
    assert "Lorem Test Clinic" in pdf_text(written.read_bytes())
    assert (folder / "var" / "register.sqlite3").is_file()  # the register, in the folder
    site_packages = next((installed.parent / "lib").glob("python3*/site-packages"))
    assert not list(site_packages.rglob("*.sqlite3")) and not list(site_packages.rglob("*.pdf"))
    served(installed, folder)


def served(bin_dir: Path, folder: Path) -> None:
    """`aftercare serve` from the folder: health, the desk's assets and a sheet, then SIGTERM."""
    process = subprocess.Popen(
        [bin_dir / "aftercare", "serve", "--port", "0", "--workers", "1"],
        cwd=folder,
        env=environment(),
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    port: list[int] = []
    ready = threading.Event()

    def read():
        for line in process.stderr:
            lines.append(line)
            if found := re.search(r"http://127\.0\.0\.1:(\d+)/", line):
                port.append(int(found[1]))
                ready.set()
        ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert ready.wait(120) and port, "".join(lines)
        connection = http.client.HTTPConnection("127.0.0.1", port[0], timeout=60)
        connection.request("GET", "/healthz")
        health = connection.getresponse()
        assert health.status == 200 and json.loads(health.read())["status"] == "ok"
        connection.request("GET", "/assets/desk.css")
        assert connection.getresponse().read().strip()
        body = json.dumps({"policy": "microneedling", "name": "Jane Doe", "date": "2026-11-23"})
        connection.request("POST", "/api/sheets", body, {"Content-Type": "application/json"})
        answer = connection.getresponse()
        assert answer.status == 200 and "Lorem Test Clinic" in pdf_text(answer.read())
        connection.close()
        assert (folder / "var" / "desk-session.key").is_file()
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(60) == 0, "".join(lines)
        reader.join(5)
        process.stderr.close()
