"""A throwaway CUPS print server for the printing tests: Debian's cupsd (installed by `make
setup-test`) run as root with `User lp` from a temporary ServerRoot, listening on a free
loopback port and its own socket, with cups-pdf queues that write each job as a PDF into a
temporary folder.

cups-pdf reads its settings from /etc/cups/cups-pdf.conf only, so the daemon runs in a mount
namespace of its own (unshare) where a temporary cups-pdf.conf is mounted over that file:
nothing outside the temporary folder is written or changed. cups-pdf turns PostScript into
PDF with Ghostscript; the queues turn the sheet into PostScript with pdftocairo (a queue
default), whose fonts keep their glyph names, so the PDF that arrives has the sheet's text.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CUPSD = Path("/usr/sbin/cupsd")
BACKEND = Path("/usr/lib/cups/backend/cups-pdf")
PPD = Path("/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd")

CUPSD_CONF = """\
Listen 127.0.0.1:{port}
Listen {root}/cups.sock
LogLevel info
DefaultAuthType None
WebInterface No
Browsing Off
JobRetryLimit 0
PreserveJobHistory Yes
<Location />
  Order allow,deny
  Allow all
</Location>
<Policy default>
  <Limit All>
    Order deny,allow
    Allow all
  </Limit>
</Policy>
"""
FILES_CONF = """\
User lp
Group lp
SystemGroup root
ServerRoot {root}
ServerBin /usr/lib/cups
DataDir /usr/share/cups
CacheDir {root}/cache
StateDir {root}/state
RequestRoot {root}/spool
TempDir {root}/spool/tmp
AccessLog {root}/log/access_log
ErrorLog {root}/log/error_log
PageLog {root}/log/page_log
Sandboxing Relaxed
"""
CUPS_PDF_CONF = """\
Out {root}/out
AnonDirName {root}/out
Spool {root}/cups-pdf-spool
Log {root}/log
Grp root
"""


def missing() -> str | None:
    """Why a CUPS server cannot be started here, or None."""
    if os.geteuid() != 0:
        return "cupsd runs as root (with User lp): run the printing tests as root"
    for path in (CUPSD, BACKEND, PPD, Path("/usr/bin/lp")):
        if not path.exists():
            return f"{path} is missing: run `make setup-test` (cups, cups-bsd, cups-pdf)"
    if shutil.which("unshare") is None:
        return "unshare (util-linux) is missing"
    probe = subprocess.run(
        ["unshare", "--mount", "true"], capture_output=True, check=False, timeout=10
    )
    if probe.returncode != 0:
        return "this machine does not allow a private mount namespace (unshare --mount)"
    return None


class Cups:
    """A running print server: its address for CUPS_SERVER, and the PDFs its queues wrote."""

    def __init__(self, root: Path, port: int):
        self.root, self.port = root, port
        self.server = f"127.0.0.1:{port}"
        self.out = root / "out"

    def env(self) -> dict[str, str]:
        """The environment of a command that prints here."""
        return {**os.environ, "CUPS_SERVER": self.server}

    def admin(self, *command: str) -> str:
        """Run a CUPS command (lpadmin, cupsdisable...) against this server."""
        done = subprocess.run(
            list(command), env=self.env(), capture_output=True, text=True, timeout=30
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def add_queue(self, name: str) -> None:
        """A cups-pdf queue, enabled and accepting jobs."""
        self.admin(
            "lpadmin", "-p", name, "-E", "-v", "cups-pdf:/", "-P", str(PPD),
            "-o", "pdftops-renderer-default=pdftocairo",
        )  # fmt: skip

    def printed(self) -> list[Path]:
        """The PDFs written so far, in job order."""
        return sorted(self.out.glob("*.pdf"), key=_job_number)

    def wait_for(self, count: int, timeout: float = 60.0) -> list[Path]:
        """The PDFs once `count` of them are complete (or fail after `timeout` s)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.printed()
            if len(found) >= count and not self.busy():
                return found
            time.sleep(0.1)
        raise AssertionError(f"{len(self.printed())} of {count} jobs arrived within {timeout} s")

    def jobs(self, queue: str) -> set[int]:
        """The numbers of every job sent to `queue`, done or not."""
        listed = self.admin("lpstat", "-W", "all", "-o", queue)
        return {int(n) for n in re.findall(rf"^{re.escape(queue)}-(\d+)\s", listed, re.M)}

    def files(self, queue: str, count: int = 0) -> list[Path]:
        """The PDFs `queue` wrote, in job order, once at least `count` are complete."""
        deadline = time.monotonic() + 60
        while True:
            jobs = self.jobs(queue)
            found = [path for path in self.printed() if _job_number(path) in jobs]
            if (len(found) >= count and not self.busy()) or time.monotonic() > deadline:
                return found
            time.sleep(0.1)

    def texts(self, queue: str, count: int) -> list[str]:
        """The text of each PDF `queue` wrote, in job order, once `count` are complete."""
        return [text(path) for path in self.files(queue, count)]

    def busy(self) -> bool:
        """Whether any job is still queued or printing on an enabled queue."""
        done = subprocess.run(
            ["lpstat", "-o"], env=self.env(), capture_output=True, text=True, timeout=30
        )
        return bool(done.stdout.strip())


def _job_number(path: Path) -> int:
    return int(path.stem.rsplit("job_", 1)[-1])


@contextmanager
def temporary_server() -> Iterator[Cups]:
    """Start cupsd in a temporary folder on a free loopback port; yield it; stop it and
    remove the folder. The folder is made here, not in pytest's tmp_path: the filters run as
    user lp, which cannot enter pytest's folders (0700), as with tests/pg.py."""
    root = Path(tempfile.mkdtemp(prefix="aftercare-cups-"))
    for folder in ("cache", "state", "spool/tmp", "log", "out", "cups-pdf-spool", "ppd"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o755)
    port = _free_port()
    (root / "cupsd.conf").write_text(CUPSD_CONF.format(port=port, root=root))
    (root / "cups-files.conf").write_text(FILES_CONF.format(root=root))
    (root / "cups-pdf.conf").write_text(CUPS_PDF_CONF.format(root=root))
    script = (
        f"mount --bind {root}/cups-pdf.conf /etc/cups/cups-pdf.conf && exec {CUPSD} -f "
        f"-c {root}/cupsd.conf -s {root}/cups-files.conf"
    )
    log = (root / "log" / "cupsd.out").open("wb")
    daemon = subprocess.Popen(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for_port(port, daemon, root)
        yield Cups(root, port)
    finally:
        daemon.terminate()
        try:
            daemon.wait(timeout=10)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()
        log.close()
        shutil.rmtree(root, ignore_errors=True)


def _wait_for_port(port: int, daemon: subprocess.Popen, root: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if daemon.poll() is not None:
            raise RuntimeError("cupsd stopped: " + (root / "log" / "cupsd.out").read_text())
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError("cupsd did not start within 20 s")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def text(pdf: Path) -> str:
    """The text of a PDF a queue wrote (pdftotext)."""
    done = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, timeout=60)
    return done.stdout
