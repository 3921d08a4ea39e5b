"""Reading content files as UTF-8, and writing output files atomically, so a failure never
leaves a partial file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from generator.errors import AftercareError, Problem


def read_source(path: Path, what: str) -> tuple[bytes, str]:
    """A content file's bytes (kept as read, for the register's archive) and its UTF-8 text
    (a BOM is allowed); AftercareError names the file when it cannot be read."""
    try:
        raw = Path(path).read_bytes()
        return raw, raw.decode("utf-8-sig")
    except OSError as exc:
        raise AftercareError(Problem(f"cannot read {what}: {exc.strerror}", path)) from None
    except UnicodeDecodeError as exc:
        raise AftercareError(Problem(f"not UTF-8 text (byte {exc.start})", path)) from None


def write_atomic(path: Path, data: bytes, mode: int = 0o644) -> Path:
    """Write `data` to `path` through a temporary file and a rename: never a partial file.

    Personal sheets pass mode 0o600: health information is readable by its owner only.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise AftercareError(Problem(f"cannot write there: {exc.strerror}", path.parent)) from None
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise AftercareError(Problem(f"cannot write: {exc.strerror}", path)) from None
        raise
    return path


def secret_key(path: Path, size: int = 32) -> bytes:
    """A random key kept in `path` (mode 600), made on first use."""
    path = Path(path)
    try:
        key = path.read_bytes()
        if len(key) == size:
            return key
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise AftercareError(Problem(f"cannot read key: {exc.strerror}", path)) from None
    key = os.urandom(size)
    write_atomic(path, key, mode=0o600)
    return key
