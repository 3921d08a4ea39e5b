"""Shared fixtures: a warm project, PDF readers, synthetic content and a CLI runner."""

from __future__ import annotations

import gc
import io
import logging
import os
import re
import shutil
import time
from datetime import date
from pathlib import Path

import jinja2
import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image

from generator.paths import CONTENT
from generator.project import Project
from generator.render.preview import PDFIUM

TODAY = date(2026, 11, 23)
# `make test-fast` sets AFTERCARE_QUICK=1: property tests try a fifth as many examples there;
# `make test` (and CI) runs them all.
QUICK = os.environ.get("AFTERCARE_QUICK") == "1"


def examples(count: int, quick: int | None = None) -> int:
    """How many examples a property test tries: `count`, or in the quick loop `quick` (by
    default a fifth of `count`, at least 5)."""
    if not QUICK:
        return count
    return max(5, count // 5) if quick is None else quick


DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session", autouse=True)
def register_in_a_temporary_folder(tmp_path_factory):
    """Sheets made by the tests are recorded in a register of their own, never in var/."""
    folder = tmp_path_factory.mktemp("register")
    os.environ["AFTERCARE_DATABASE_URL"] = f"sqlite:///{folder / 'register.sqlite3'}"
    os.environ["AFTERCARE_REGISTER_KEY"] = "tests-only-register-key-0123456789abcdef"
    return os.environ["AFTERCARE_DATABASE_URL"]


@pytest.fixture(scope="session", autouse=True)
def state_in_a_temporary_folder(tmp_path_factory):
    """What the content readers remember (the record of translation reviews) goes to a
    folder of the tests' own, never var/: `paths.state_dir()` reads VAR when it is asked."""
    from generator import paths

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(paths, "VAR", tmp_path_factory.mktemp("state"))
        yield


class _CompiledTemplates(jinja2.BytecodeCache):
    """Compiled template code kept in memory, by template and source checksum."""

    def __init__(self):
        self.code: dict[tuple[str, str], object] = {}

    def load_bytecode(self, bucket):
        bucket.code = self.code.get((bucket.key, bucket.checksum))

    def dump_bytecode(self, bucket):
        self.code[bucket.key, bucket.checksum] = bucket.code


@pytest.fixture(scope="session", autouse=True)
def templates_compiled_once():
    """Every Project makes its own Jinja environment (generator/render.py), each made alike:
    in one test process they share each template's compiled code (Jinja's bytecode cache,
    which compiles again when the source changed) instead of compiling sheet.html.j2 anew for
    each of the ~200 Projects the tests make (about 0.04 s of CPU each)."""
    from generator.render import templates as render

    made, compiled = render.environment, _CompiledTemplates()

    def environment() -> jinja2.Environment:
        env = made()
        env.bytecode_cache = compiled
        return env

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(render, "environment", environment)
        yield


@pytest.fixture
def register(tmp_path):
    """An empty register of the test's own (SQLite), with a test key."""
    from generator.record.register import Register

    reg = Register(f"sqlite:///{tmp_path / 'register.sqlite3'}", b"k" * 32)
    yield reg
    reg.dispose()


@pytest.fixture(scope="session")
def project() -> Project:
    """The shipped content with one warm renderer for the whole run."""
    return Project(CONTENT)


def pdf_pages(pdf: bytes) -> list[str]:
    """The text of each page, with runs of white space made single spaces."""
    with PDFIUM:  # PDFium crashes the process when two threads use it at once
        document = pdfium.PdfDocument(io.BytesIO(pdf))
        try:
            return [normalise(page.get_textpage().get_text_range()) for page in document]
        finally:
            document.close()


def pdf_text(pdf: bytes) -> str:
    """All text of a PDF, white space normalised."""
    return " ".join(pdf_pages(pdf))


def normalise(text: str) -> str:
    """Single spaces; curly quotes straightened, as a reader would compare them."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\ufffe", "")
    return re.sub(r"\s+", " ", text).strip()


def qr_codes(pdf: bytes, page: int = 0, scale: float = 3.0) -> list[str]:
    """Decode every QR code on a rendered page, as a phone camera would."""
    with PDFIUM:
        document = pdfium.PdfDocument(io.BytesIO(pdf))
        try:
            image = document[page].render(scale=scale).to_pil()
        finally:
            document.close()
    return [
        r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode
    ]


def zbar_qr_codes(image: Image.Image) -> list[str]:
    """Decode every QR code in an image with zbar, a second reader that differs from zxing."""
    from pyzbar import pyzbar  # needs Debian's libzbar0 (scripts/setup-system): only here

    return [r.data.decode() for r in pyzbar.decode(image, symbols=[pyzbar.ZBarSymbol.QRCODE])]


def pdf_metadata(pdf: bytes) -> dict:
    """The PDF's document information dictionary."""
    with PDFIUM:
        document = pdfium.PdfDocument(io.BytesIO(pdf))
        try:
            return document.get_metadata_dict()
        finally:
            document.close()


def wait_for(condition, seconds: float = 60.0) -> bool:
    """Whether `condition()` became true within `seconds` (polled every 50 ms)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture(scope="session")
def pool():
    """One pool of warm render processes for every desk and API test."""
    from generator.parallel.desk_pool import RenderPool

    pool = RenderPool(CONTENT, size=2, timeout=60)
    yield pool
    pool.close()


@pytest.fixture(scope="session")
def live_content():
    """The shipped content as the desk serves it."""
    from generator.content.live import LiveContent

    return LiveContent(CONTENT)


@pytest.fixture
def client(live_content, pool):
    """The desk and API without an access token, through Flask's test client."""
    from generator.web.app import create_app

    return create_app(live_content, pool).test_client()


@pytest.fixture
def synthetic_content(tmp_path) -> Path:
    """A content folder with the demo clinic and an obviously synthetic policy."""
    folder = tmp_path / "content"
    folder.mkdir()
    shutil.copy(CONTENT / "clinic.toml", folder)
    shutil.copy(CONTENT / "harbor-logo.svg", folder)
    shutil.copy(DATA / "example-procedure.md", folder)
    return folder


class CliResult:
    """What a user sees from one run of the CLI."""

    def __init__(self, code: int, out: str, err: str):
        self.code, self.out, self.err = code, out, err

    @property
    def last_line(self) -> str:
        """The last line printed on stdout."""
        return self.out.strip().splitlines()[-1] if self.out.strip() else ""


@pytest.fixture
def run(capsys):
    """Run `aftercare ARGS...` in this process and capture exit code and output."""

    # Imported here: it loads WeasyPrint and SQLAlchemy (about 1 s), which xdist's controller
    # process, loading this file too, never needs.
    from generator import cli

    def runner(*args: str) -> CliResult:
        try:
            code = cli.main([str(a) for a in args])
        except SystemExit as exc:  # argparse usage errors
            code = exc.code
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return runner


@pytest.fixture(autouse=True)
def fail_on_missing_glyph(request, caplog):
    """A missing glyph (an empty box on paper) fails the test, as WeasyPrint logs it."""
    caplog.set_level(logging.WARNING, logger="weasyprint")
    yield
    if request.node.get_closest_marker("allow_missing_glyphs"):
        return
    missing = [r.getMessage() for r in caplog.records if ".notdef glyph" in r.getMessage()]
    assert not missing, f"WeasyPrint drew missing glyphs: {missing}"


MODULE_MARK = re.compile(r"^pytestmark = pytest\.mark\.(\w+)\b", re.MULTILINE)


def pytest_ignore_collect(collection_path: Path, config) -> bool | None:
    """A module whose every test carries one mark (`pytestmark = pytest.mark.load`) that -m
    leaves out is not imported at all: `make test-fast` deselects those tests anyway, and
    test_fuzz.py alone builds its Schemathesis cases at import, about 7 s per xdist worker."""
    markexpr = config.option.markexpr
    if not (markexpr and collection_path.match("test_*.py")):
        return None
    found = MODULE_MARK.search(collection_path.read_text(encoding="utf-8"))
    if found and _never_selected(markexpr, found[1]):
        return True
    return None


def _never_selected(markexpr: str, mark: str) -> bool:
    """Whether -m `markexpr` leaves out every test carrying `mark`: it is a conjunction
    ("a and not b") with "not <mark>" among its terms. Anything with "or" or parentheses is
    left to pytest (the module is imported and its tests deselected as usual)."""
    if re.search(r"\bor\b|[()]", markexpr):
        return False
    terms = [term.strip() for term in re.split(r"\band\b", markexpr)]
    return f"not {mark}" in [" ".join(term.split()) for term in terms]


def pytest_configure(config):
    config.addinivalue_line("markers", "allow_missing_glyphs: the test expects empty boxes")
    config.addinivalue_line("markers", "browser: drives Chromium (skipped by make test-fast)")
    config.addinivalue_line(
        "markers", "load: runs a real server under load (skipped by make test-fast)"
    )
    config.addinivalue_line(
        "markers", "docs: builds the documentation site (skipped by make test-fast)"
    )
    config.addinivalue_line(
        "markers",
        "slow: renders many sheets or reads them back with outside readers; make test runs it, "
        "make test-fast does not",
    )
    # A test process keeps what its tests made (fixtures, Projects, hypothesis data) and each
    # sheet makes and drops millions of objects: at Python's default thresholds (700, 10, 10)
    # the garbage collector took about 11 s of CPU per xdist worker in `make test-fast`, most
    # of it in full collections; about 4.5 s at these (peak memory about 0.5 GB a worker).
    gc.set_threshold(50_000, 20, 20)
