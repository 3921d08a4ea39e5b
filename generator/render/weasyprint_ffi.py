"""WeasyPrint's C declarations parsed once per machine, not at every start (issue 27).

`weasyprint.text.ffi` declares the Pango, HarfBuzz, fontconfig and GObject functions it calls
in one `ffi.cdef(text)`, which cffi parses with pycparser at every import, and opens each
library by trying several names with `ffi.dlopen`; cffi's in-line mode runs
`ctypes.util.find_library` (ldconfig, gcc and ld, as subprocesses) for each name that does not
open. Together about 0.4 s of a cold `aftercare sheet`'s 1.4 s.

cffi's out-of-line ABI mode parses ahead of time: `set_source(name, None)` makes a module of
the parsed type tables, which `_cffi_backend.FFI(...)` turns back into an FFI object in about a
millisecond; its `dlopen` opens a name as given (the names WeasyPrint tries include each
library's soname, so the same files are loaded). While `weasyprint.text.ffi` is imported, a
stand-in for `cffi.FFI` takes WeasyPrint's `cdef` text, finds the tables made from that very
text in the cache (or makes them, and keeps them) and hands everything else to the FFI object
built from them; once the module has run, its `ffi` is that object itself, so nothing after
the import goes through the stand-in. The module's own code runs unchanged: its library
names, its checks, `g_type_init`.

The cache is one file, `$XDG_CACHE_HOME/aftercare/weasyprint-ffi-<key>.py` (by default
`~/.cache/aftercare/`), the key a digest of the declarations, cffi's version and this file's
format, so another WeasyPrint or cffi uses another file. It holds cffi's generated module
behind a header with the key and a SHA-256 of the rest; it is read with `ast.literal_eval`,
never run. A file that does not match is ignored and written again (atomically); a folder
that cannot be made or that others may write is not used, and the tables are then made in
memory at each start (as slow as without the cache). Deleting the folder clears it. Nothing
of a patient's is in it.

Installed by `weasyprint_patches.before_import()`, which the CLI calls. Anything unexpected
while WeasyPrint's module runs this way (another cffi API use, a library that opens only
through `find_library`, an error) runs it again as it is, with cffi's own FFI. Linux only:
there WeasyPrint's names include the sonames.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

MODULE = "weasyprint.text.ffi"
FORMAT = 1  # of the cache file: change it when what is written changes
CFFI_MODULE_NAME = "_aftercare_weasyprint_ffi"
HEADER = f"# aftercare: WeasyPrint's C declarations as parsed by cffi ({__name__})\n"

_installed = False


def install() -> None:
    """From now on, `weasyprint.text.ffi` is imported with its declarations from the cache
    (once per process; nothing happens if WeasyPrint is already imported, or off Linux)."""
    global _installed
    if _installed or MODULE in sys.modules or not sys.platform.startswith("linux"):
        return
    _installed = True
    sys.meta_path.insert(0, _Finder())


# ---------- The cache -------------------------------------------------------------------------


def cache_folder() -> Path | None:
    """$XDG_CACHE_HOME/aftercare, or ~/.cache/aftercare; None when there is no home."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(base):
        return Path(base) / "aftercare"
    try:
        return Path.home() / ".cache" / "aftercare"
    except RuntimeError:
        return None


def cache_key(text: str) -> str:
    """A digest of the declarations, cffi's version and this cache's format."""
    import hashlib

    import _cffi_backend  # type: ignore[import-untyped]
    import cffi  # type: ignore[import-untyped]

    versions = f"{FORMAT}\0{cffi.__version__}\0{_cffi_backend.__version__}\0"
    return hashlib.sha256((versions + text).encode()).hexdigest()


def cache_path(text: str) -> Path | None:
    """Where the tables of these declarations are kept (None: nowhere)."""
    folder = cache_folder()
    return None if folder is None else folder / f"weasyprint-ffi-{cache_key(text)[:32]}.py"


def cache_text(text: str) -> str:
    """The cache file for the declarations `text`: the header, then cffi's generated module."""
    import hashlib
    import io

    from cffi import api, recompiler  # type: ignore[import-untyped]

    builder = api.FFI()  # cffi's own, even while cffi.FFI is the stand-in
    builder.cdef(text)
    generated = io.StringIO()
    recompiler.make_py_source(builder, CFFI_MODULE_NAME, generated)
    body = generated.getvalue()
    digest = hashlib.sha256(body.encode()).hexdigest()
    return f"{HEADER}# key {cache_key(text)}\n# sha256 {digest}\n{body}"


def _read(path: Path, key: str) -> str | None:
    """The generated module in a cache file, if the file is ours, whole and for `key`."""
    import hashlib

    try:
        if not (_trusted(path.parent) and _trusted(path)):
            return None
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    header, _, rest = text.partition("\n")
    key_line, _, rest = rest.partition("\n")
    digest_line, _, body = rest.partition("\n")
    if (
        header + "\n" != HEADER
        or key_line != f"# key {key}"
        or digest_line != f"# sha256 {hashlib.sha256(body.encode()).hexdigest()}"
    ):
        return None
    return body


def _trusted(path: Path) -> bool:
    """Ours and writable by nobody else (a cache others can change is not read)."""
    status = path.stat()
    return status.st_uid == os.geteuid() and not status.st_mode & 0o022


def _keep(path: Path, text: str) -> None:
    """Write the cache file atomically; a cache that cannot be written is only not kept."""
    import tempfile

    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not _trusted(path.parent):
            return
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".weasyprint-ffi-", suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except OSError:
        Path(tmp).unlink(missing_ok=True)


def _ffi_from(body: str) -> Any:
    """The FFI object of cffi's generated module, built from its literal arguments."""
    import ast

    import _cffi_backend  # type: ignore[import-untyped]

    for statement in ast.parse(body).body:
        if (
            isinstance(statement, ast.Assign)
            and [getattr(t, "id", None) for t in statement.targets] == ["ffi"]
            and isinstance(statement.value, ast.Call)
        ):
            call = statement.value
            args = [ast.literal_eval(arg) for arg in call.args]
            kwargs = {k.arg: ast.literal_eval(k.value) for k in call.keywords if k.arg}
            if args != [CFFI_MODULE_NAME] or len(kwargs) != len(call.keywords):
                break
            return _cffi_backend.FFI(*args, **kwargs)
    raise _Unexpected("no FFI(...) call of literals in the generated module")


def prebuilt(text: str) -> Any:
    """The FFI object of the declarations `text`, from the cache (made and kept if need be)."""
    path = cache_path(text)
    key = cache_key(text)
    body = None if path is None else _read(path, key)
    if body is None:
        kept = cache_text(text)
        body = kept.split("\n", 3)[3]
        if path is not None:
            _keep(path, kept)
    return _ffi_from(body)


# ---------- While WeasyPrint's module is imported ---------------------------------------------


class _Unexpected(Exception):
    """WeasyPrint's module did something the stand-in does not handle: run it as it is."""


class _StandIn:
    """What `cffi.FFI()` gives while `weasyprint.text.ffi` runs: one `cdef`, then the FFI
    object built from that text does the rest."""

    def __init__(self, *args, **kwargs):
        if args or kwargs:
            raise _Unexpected("FFI() with arguments")
        self.real: Any = None

    def cdef(self, text, *args, **kwargs) -> None:
        if self.real is not None or args or kwargs or not isinstance(text, str):
            raise _Unexpected("another cdef")
        self.real = prebuilt(text)

    def __getattr__(self, name: str) -> Any:
        if self.real is None:
            raise _Unexpected(f"ffi.{name} before cdef")
        return getattr(self.real, name)


class _Finder:
    """Finds `weasyprint.text.ffi` as usual and runs it with the stand-in (the first time)."""

    def __init__(self):
        self.done = False

    def find_spec(self, fullname, path, target=None):
        if fullname != MODULE or self.done:
            return None
        self.done = True
        from importlib.machinery import PathFinder

        spec = PathFinder.find_spec(fullname, path, target)
        if spec is not None and hasattr(spec.loader, "exec_module"):
            spec.loader = _Loader(spec.loader)  # type: ignore[assignment]  # a Loader by duck typing
        return spec


class _Loader:
    """WeasyPrint's loader, but its module runs with `cffi.FFI` standing in (see the module)."""

    def __init__(self, loader):
        self.loader = loader

    def __getattr__(self, name: str) -> Any:  # get_source and the rest, for tracebacks
        return getattr(self.loader, name)

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module) -> None:
        import contextlib
        import io

        import cffi  # type: ignore[import-untyped]

        made: list[_StandIn] = []
        cffi_ffi = cffi.FFI

        def stand_in(*args, **kwargs):
            made.append(_StandIn(*args, **kwargs))
            return made[-1]

        printed = io.StringIO()  # WeasyPrint prints its help when a library is missing
        cffi.FFI = stand_in  # type: ignore[assignment,misc]
        try:
            with contextlib.redirect_stdout(printed):
                self.loader.exec_module(module)
            if len(made) != 1 or made[0].real is None or module.ffi is not made[0]:
                raise _Unexpected("not one FFI, declared once")
        except Exception:
            cffi.FFI = cffi_ffi  # type: ignore[misc]
            self.loader.exec_module(module)  # as it is: cffi parses, and says what is wrong
            return
        finally:
            cffi.FFI = cffi_ffi  # type: ignore[misc]
        module.ffi = made[0].real  # the real object: no stand-in on any later call
        sys.stdout.write(printed.getvalue())
