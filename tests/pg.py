"""A throwaway PostgreSQL server for the register's tests: Debian's postgresql package (installed
by `make setup-test`), a temporary cluster run by an unprivileged user, removed afterwards."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
FOLDERS: dict[str, Path] = {}  # a running server's URL: its folder (data files, WAL, log)


def binaries() -> Path | None:
    """The newest installed server's bin folder, or None."""
    for folder in BIN_DIRS:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    return None


@contextmanager
def temporary_server(durable: bool = False) -> Iterator[str]:
    """Start a cluster on a free loopback port; yield its SQLAlchemy URL; stop and remove it.
    Tests run it with fsync off; `durable` keeps PostgreSQL's default (fsync on), as a
    clinic's server runs, for the bench's cost per sheet."""
    folder = binaries()
    if folder is None:
        raise RuntimeError("PostgreSQL is not installed: run `make setup-test`")
    root = Path(tempfile.mkdtemp(prefix="aftercare-pg-"))
    as_user: list[str] = []
    user = pwd.getpwuid(os.getuid()).pw_name
    if os.getuid() == 0:  # initdb refuses root: run the server as Debian's postgres user
        user = "postgres"
        shutil.chown(root, user)
        as_user = ["runuser", "-u", user, "--"]
    port = _free_port()
    data = root / "data"
    sync = "" if durable else " -c fsync=off"
    run = lambda *args: subprocess.run(  # noqa: E731
        [*as_user, *map(str, args)], check=True, capture_output=True, text=True
    )
    try:
        run(folder / "initdb", "-D", data, "-U", user, "--auth=trust", "-E", "UTF8", "--no-sync")
        run(
            folder / "pg_ctl", "-D", data, "-l", root / "log", "-w", "-t", "60",
            "-o", f"-k {root} -p {port} -c listen_addresses=127.0.0.1{sync}",
            "start",
        )  # fmt: skip
        run(folder / "createdb", "-h", "127.0.0.1", "-p", port, "-U", user, "aftercare")
        url = f"postgresql+psycopg://{user}@127.0.0.1:{port}/aftercare"
        FOLDERS[url] = root
        yield url
    finally:
        FOLDERS.pop(f"postgresql+psycopg://{user}@127.0.0.1:{port}/aftercare", None)
        subprocess.run(
            [*as_user, str(folder / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
        )
        time.sleep(0.1)
        shutil.rmtree(root, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
