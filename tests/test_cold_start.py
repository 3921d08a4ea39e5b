"""A cold start reads WeasyPrint's C declarations from a cache parsed once
(generator/render/weasyprint_ffi.py) instead of parsing them with pycparser at every start: the
sheet is the same, byte for byte, and the same libraries are loaded; a cache that does not
match is ignored and made again; one that cannot be kept costs only the time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from generator.paths import ROOT

pytestmark = [
    pytest.mark.skipif(
        not sys.platform.startswith("linux"), reason="the cache is used on Linux only"
    ),
    pytest.mark.slow,  # a dozen cold processes (about 20 s of CPU): make test runs them
]

# A fresh process renders one sheet (the CLI's path: a base, then the patient) and says what
# it made, which FFI object WeasyPrint's module holds, whether pycparser was imported and
# which shared libraries of WeasyPrint's are mapped.
PROBE = """
import hashlib, json, re, sys
{first}
from datetime import date
from generator.content import patient as patient_module
from generator.project import Project

project = Project()
patient = patient_module.make("Jane Doe", "2026-11-23", "Dr. Rivera")
result = project.render("microneedling", patient, date(2026, 11, 23))
import weasyprint.text.ffi as wffi
wanted = re.compile(r"lib(gobject|pango|pangoft2|harfbuzz|harfbuzz-subset|fontconfig)[-.]")
with open("/proc/self/maps") as maps:
    libraries = sorted({{line.split()[-1] for line in maps if wanted.search(line.split()[-1])}})
print(json.dumps({{
    "sha256": hashlib.sha256(result.pdf).hexdigest(),
    "ffi": type(wffi.ffi).__module__,
    "pycparser": "pycparser" in sys.modules,
    "libraries": libraries,
}}))
"""
# As the CLI does before anything imports WeasyPrint (cli.main); without it, WeasyPrint's own
# import, as before the cache.
PATCHED = "from generator.render import weasyprint_patches; weasyprint_patches.before_import()"
UNPATCHED = ""


def run_code(code: str, args: list[str], cache_home: Path, **env: str) -> dict:
    """A fresh Python process running `code` with `args` on this tree; the JSON it printed
    last."""
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home), "PYTHONPATH": str(ROOT), **env}
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def probe(cache_home: Path, first: str = PATCHED) -> dict:
    return run_code(PROBE.format(first=first), [], cache_home)


def cached_files(cache_home: Path) -> list[Path]:
    return sorted((cache_home / "aftercare").glob("*"))


@pytest.fixture(scope="module")
def unpatched(tmp_path_factory) -> dict:
    """The sheet as WeasyPrint's own import makes it (nothing is cached)."""
    home = tmp_path_factory.mktemp("unpatched")
    made = probe(home, UNPATCHED)
    assert made["ffi"] == "cffi.api" and made["pycparser"]
    assert cached_files(home) == []
    return made


@pytest.fixture(scope="module")
def warm_cache(tmp_path_factory) -> Path:
    """A cache folder after one sheet was made with it empty."""
    home = tmp_path_factory.mktemp("cache")
    probe(home)
    return home


def test_a_sheet_is_the_same_with_the_declarations_cached(unpatched, tmp_path):
    first = probe(tmp_path)  # the cache is made
    [kept] = cached_files(tmp_path)
    again = probe(tmp_path)  # the cache is read
    assert first["sha256"] == again["sha256"] == unpatched["sha256"]
    assert first["libraries"] == again["libraries"] == unpatched["libraries"]
    assert len(unpatched["libraries"]) >= 5
    assert first["ffi"] == again["ffi"] == "_cffi_backend"
    assert again["pycparser"] is False  # nothing parsed the declarations
    assert cached_files(tmp_path) == [kept]
    assert kept.name.startswith("weasyprint-ffi-") and kept.suffix == ".py"


def test_the_cache_holds_no_patient_data(warm_cache):
    for path in cached_files(warm_cache):
        for word in ("Jane", "Doe", "Rivera", "jane", "doe"):
            assert word not in path.name
            assert word.encode() not in path.read_bytes()


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda text: "", id="empty"),
        pytest.param(lambda text: text[: len(text) // 2], id="torn"),
        pytest.param(lambda text: text.replace("\\x03", "\\x04", 1), id="edited"),
        pytest.param(lambda text: "import os\nos.abort()\n", id="code"),
    ],
)
def test_a_cache_that_does_not_match_is_ignored_and_made_again(
    unpatched, warm_cache, tmp_path, spoil
):
    home = tmp_path / "home"
    (home / "aftercare").mkdir(parents=True, mode=0o700)
    [good] = cached_files(warm_cache)
    spoiled = home / "aftercare" / good.name
    spoiled.write_text(spoil(good.read_text()))
    spoiled.chmod(0o600)
    made = probe(home)
    assert made["sha256"] == unpatched["sha256"]
    assert made["pycparser"] is True  # parsed again, as without a cache
    assert spoiled.read_bytes() == good.read_bytes()  # and kept right


def test_a_cache_of_other_declarations_is_ignored(unpatched, warm_cache, tmp_path):
    """A file of another WeasyPrint's (or cffi's) declarations under this one's name."""
    from generator.render import weasyprint_ffi

    home = tmp_path / "home"
    (home / "aftercare").mkdir(parents=True, mode=0o700)
    [good] = cached_files(warm_cache)
    other = weasyprint_ffi.cache_text("typedef int hb_bool_t;\nint g_type_init (void);\n")
    (home / "aftercare" / good.name).write_text(other)
    (home / "aftercare" / good.name).chmod(0o600)
    made = probe(home)
    assert made["sha256"] == unpatched["sha256"] and made["ffi"] == "_cffi_backend"
    assert (home / "aftercare" / good.name).read_bytes() == good.read_bytes()


def test_a_cache_folder_others_may_write_is_not_used(unpatched, warm_cache, tmp_path):
    home = tmp_path / "home"
    folder = home / "aftercare"
    folder.mkdir(parents=True)
    [good] = cached_files(warm_cache)
    (folder / good.name).write_bytes(good.read_bytes())
    folder.chmod(0o777)
    made = probe(home)
    assert made["sha256"] == unpatched["sha256"]
    assert made["pycparser"] is True  # not read: parsed in memory, as without a cache


def test_no_place_for_a_cache_costs_only_time(unpatched, tmp_path):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    made = probe(not_a_folder)
    assert made["sha256"] == unpatched["sha256"] and made["ffi"] == "_cffi_backend"


def test_anything_unexpected_runs_weasyprints_module_as_it_is(unpatched, tmp_path):
    """If the stand-in fails (here: the cached tables cannot be had), WeasyPrint's module runs
    again with cffi's own FFI: the same sheet, as without the cache."""
    fail = (
        "from generator.render import weasyprint_ffi\n"
        "def broken(text):\n"
        "    raise RuntimeError('no tables')\n"
        "weasyprint_ffi.prebuilt = broken\n"
    )
    made = probe(tmp_path, PATCHED + "\n" + fail)
    assert made["sha256"] == unpatched["sha256"] and made["libraries"] == unpatched["libraries"]
    assert made["ffi"] == "cffi.api" and made["pycparser"] is True
    assert cached_files(tmp_path) == []


def test_the_cache_key_follows_the_declarations_and_cffi(monkeypatch):
    """Another WeasyPrint (other declarations) or another cffi gets another file."""
    import cffi

    from generator.render import weasyprint_ffi

    text = "typedef int hb_bool_t;\n"
    first = weasyprint_ffi.cache_path(text)
    assert weasyprint_ffi.cache_path(text + " ") != first
    monkeypatch.setattr(cffi, "__version__", "0.0.0")
    assert weasyprint_ffi.cache_path(text) != first


# The CLI as a process's own command, with the sheet ID fixed: sheet's bytes and whether the
# garbage collector ran after the command began.
CLI_PROBE = """
import gc, hashlib, json, sys
import generator.record.register as register
register.new_sheet_id = lambda: "ABCD-EFGH"
from generator import cli
how = sys.argv.pop(1)
code = cli.main() if how == "process" else cli.main(sys.argv[1:])
out = sys.argv[sys.argv.index("--out") + 1]
print(json.dumps({
    "code": code,
    "sha256": hashlib.sha256(open(out, "rb").read()).hexdigest(),
    "collecting": gc.isenabled(),
    "frozen": gc.get_freeze_count(),
    "pycparser": "pycparser" in sys.modules,
}))
"""


def cli_probe(tmp_path: Path, how: str) -> dict:
    state = tmp_path / how
    argv = ["sheet", "microneedling", "--name", "Jane Doe", "--date", "2026-11-23"]
    argv += ["--database", f"sqlite:///{state / 'register.sqlite3'}", "--out", str(state / "x.pdf")]
    return run_code(CLI_PROBE, [how, *argv], tmp_path / "cache", AFTERCARE_STATE_DIR=str(state))


def test_a_one_sheet_process_makes_the_same_sheet_without_collecting_garbage(tmp_path):
    """`aftercare sheet` as a process's own command collects no garbage (it ends after one
    sheet; cli._collect_no_garbage); called in a process that goes on, main() leaves the
    collector alone. The sheet is the same either way."""
    process = cli_probe(tmp_path, "process")
    called = cli_probe(tmp_path, "called")
    assert process["code"] == called["code"] == 0
    assert process["sha256"] == called["sha256"]
    assert process["collecting"] is False and process["frozen"] > 0
    assert called["collecting"] is True
    # The CLI reads WeasyPrint's declarations from the cache the first run made.
    assert process["pycparser"] is True and called["pycparser"] is False
