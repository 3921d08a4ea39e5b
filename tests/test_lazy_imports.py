"""Commands import only what they use: `aftercare --help` and `aftercare policies` start
without WeasyPrint or SQLAlchemy (most of a cold start's second), as MkDocs's CLI does."""

import shutil
import subprocess
import sys

import pytest

from generator.paths import CONTENT

HEAVY = ("weasyprint", "sqlalchemy", "pypdfium2", "flask", "cffi", "pycparser")

PROBE = """
import contextlib, io, sys
import generator.cli as cli
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    try:
        code = cli.main(sys.argv[1:])
    except SystemExit as exc:  # --help
        code = exc.code
print(code, " ".join(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


def loaded_by(*argv: str, watched: tuple[str, ...] = HEAVY) -> tuple[str, list[str]]:
    """The exit code and the watched modules a fresh process has loaded after running argv."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=watched), *argv],
        capture_output=True,
        text=True,
        check=True,
    )
    code, *heavy = done.stdout.split()
    return code, heavy


@pytest.mark.parametrize("argv", [("--help",), ("policies", "--content", str(CONTENT))])
def test_light_commands_load_no_pdf_engine_or_database(argv):
    code, heavy = loaded_by(*argv)
    assert code == "0"
    assert heavy == []


def test_the_probe_sees_what_a_rendering_command_loads(tmp_path):
    """The check can fail: a command that renders loads WeasyPrint in the same probe."""
    code, heavy = loaded_by("handouts", "--content", str(CONTENT), "--out", str(tmp_path))
    assert code == "0"
    assert "weasyprint" in heavy
    assert list(tmp_path.glob("*.pdf"))


def test_a_sheet_that_is_not_printed_loads_no_printing_code(tmp_path):
    """IPP and HTTP are for `--print`: a cold `sheet` without it does not import them."""
    printing = ("generator.web.printing", "generator.web.ipp", "generator.commands.print_cli")
    out = str(tmp_path / "x.pdf")
    argv = ("sheet", "microneedling", "--name", "Test Patient", "--content", str(CONTENT))
    code, loaded = loaded_by(*argv, "--out", out, watched=(*printing, "weasyprint"))
    assert code == "0"
    assert loaded == ["weasyprint"]


def test_a_sheet_without_a_register_loads_no_database_code(tmp_path):
    """A draft is not issued, and a clinic with `register = false` keeps no register: neither
    imports SQLAlchemy (record/register.py)."""
    out = str(tmp_path / "x.pdf")
    argv = ("sheet", "microneedling", "--name", "Test Patient", "--out", out)
    code, loaded = loaded_by(*argv, "--content", str(CONTENT), "--draft")
    assert code == "0" and "weasyprint" in loaded and "sqlalchemy" not in loaded
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    clinic = content / "clinic.toml"
    clinic.write_text("register = false\n" + clinic.read_text())  # before any [table]
    code, loaded = loaded_by(*argv, "--content", str(content))
    assert code == "0" and "weasyprint" in loaded and "sqlalchemy" not in loaded
    code, loaded = loaded_by(*argv, "--content", str(CONTENT))
    assert code == "0" and "sqlalchemy" in loaded  # the check can fail
