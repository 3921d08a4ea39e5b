"""Just enough IPP to ask CUPS about a queue and a job (Get-Printer-Attributes,
Get-Job-Attributes), found the way CUPS's own commands find it: `CUPS_SERVER`, then
`~/.cups/client.conf`, then `client.conf` in `CUPS_SERVERROOT` (/etc/cups), then the local
socket or localhost:631. Jobs are submitted with `lp` (printing.py); this only reads.
"""

from __future__ import annotations

import http.client
import os
import socket
import struct
from pathlib import Path

GET_PRINTER_ATTRIBUTES, GET_JOB_ATTRIBUTES = 0x000B, 0x0009
OPERATION, END = 0x01, 0x03
INTEGERS = {0x21, 0x23}  # integer, enum
BOOLEAN = 0x22
TEXTS = {0x41, 0x42, 0x44, 0x45, 0x47, 0x48, 0x49}  # text, name, keyword, uri, ...
DEFAULT_SOCKET = Path("/run/cups/cups.sock")
TIMEOUT = 5.0  # seconds for one question to CUPS


class IppError(Exception):
    """CUPS could not be reached or did not answer as IPP."""


def cups_server() -> str:
    """Where CUPS is: "host[:port]" or a socket path, as `lp` would find it."""
    server = os.environ.get("CUPS_SERVER", "").strip()
    if server:
        return server
    root = Path(os.environ.get("CUPS_SERVERROOT") or "/etc/cups")
    for conf in (Path.home() / ".cups" / "client.conf", root / "client.conf"):
        named = _server_name(conf)
        if named:
            return named
    return str(DEFAULT_SOCKET) if DEFAULT_SOCKET.exists() else "localhost:631"


def _server_name(conf: Path) -> str | None:
    try:
        lines = conf.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    for line in lines:
        key, _, value = line.strip().partition(" ")
        if key.lower() == "servername" and value.strip():
            return value.strip()
    return None


class _SocketConnection(http.client.HTTPConnection):
    def __init__(self, path: str):
        super().__init__("localhost", timeout=TIMEOUT)
        self.path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(TIMEOUT)
        self.sock.connect(self.path)


def _connection(server: str) -> http.client.HTTPConnection:
    server = server.split("/version=")[0]
    if server.startswith("/"):
        return _SocketConnection(server)
    host, _, port = server.rpartition(":") if server.count(":") == 1 else (server, "", "")
    return http.client.HTTPConnection(host or server, int(port or 631), timeout=TIMEOUT)


def _attribute(tag: int, name: str, value: bytes) -> bytes:
    raw = name.encode()
    return struct.pack(">BH", tag, len(raw)) + raw + struct.pack(">H", len(value)) + value


def request(operation: int, attributes: list[tuple[int, str, object]], path: str) -> dict:
    """Send one IPP request (operation attributes as (tag, name, value)); the answer's
    attributes as {name: value or [values]}, with "status" the IPP status code."""
    body = struct.pack(">BBHI", 2, 0, operation, 1) + bytes([OPERATION])
    body += _attribute(0x47, "attributes-charset", b"utf-8")
    body += _attribute(0x48, "attributes-natural-language", b"en")
    for tag, name, value in attributes:
        values = value if isinstance(value, list) else [value]
        for index, item in enumerate(values):
            raw = struct.pack(">i", item) if isinstance(item, int) else str(item).encode()
            body += _attribute(tag, name if index == 0 else "", raw)
    body += bytes([END])
    connection = _connection(cups_server())
    try:
        connection.request("POST", path, body, {"Content-Type": "application/ipp"})
        answer = connection.getresponse()
        data = answer.read()
    except OSError as exc:
        raise IppError(f"cannot reach CUPS at {cups_server()}: {exc}") from None
    finally:
        connection.close()
    if answer.status != 200 or len(data) < 9:
        raise IppError(f"CUPS answered HTTP {answer.status}")
    return parse(data)


def parse(data: bytes) -> dict:
    """The attributes of an IPP answer (every group together), and its "status"."""
    found: dict = {"status": struct.unpack(">H", data[2:4])[0]}
    offset, last = 8, ""
    while offset < len(data):
        tag = data[offset]
        offset += 1
        if tag == END:
            break
        if tag < 0x10:  # the start of a group
            continue
        (length,) = struct.unpack(">H", data[offset : offset + 2])
        name = data[offset + 2 : offset + 2 + length].decode(errors="replace")
        offset += 2 + length
        (size,) = struct.unpack(">H", data[offset : offset + 2])
        raw = data[offset + 2 : offset + 2 + size]
        offset += 2 + size
        value: object = raw
        if tag in INTEGERS and size == 4:
            value = struct.unpack(">i", raw)[0]
        elif tag == BOOLEAN:
            value = bool(raw and raw[0])
        elif tag in TEXTS:
            value = raw.decode(errors="replace")
        if name:
            last = name
            found[name] = value
        elif last:  # another value of the attribute before
            earlier = found[last]
            found[last] = [*earlier, value] if isinstance(earlier, list) else [earlier, value]
    return found


def printer(queue: str, names: list[str]) -> dict:
    """The named attributes of a queue (status 0x0406: no such queue)."""
    uri = f"ipp://localhost/printers/{queue}"
    return request(
        GET_PRINTER_ATTRIBUTES,
        [(0x45, "printer-uri", uri), (0x44, "requested-attributes", names)],
        f"/printers/{queue}",
    )


def job(queue: str, job_id: int, names: list[str]) -> dict:
    """The named attributes of one job."""
    uri = f"ipp://localhost/printers/{queue}"
    return request(
        GET_JOB_ATTRIBUTES,
        [
            (0x45, "printer-uri", uri),
            (0x21, "job-id", job_id),
            (0x44, "requested-attributes", names),
        ],
        "/jobs/",
    )
