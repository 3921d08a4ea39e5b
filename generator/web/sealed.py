"""Sealing desk state under a browser session's own key, and a desk result as bytes.

`session_secret` is the 32-byte key that only the session's cookie carries; `seal` and
`unseal` are AES-GCM under it, bound to the row they belong to. A result packs as a JSON
header and its byte strings (PDF, page-1 picture, and the files of its register entry, which
whichever desk first prints it stores).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import os
import secrets
import struct
from datetime import date

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import has_request_context, session

from generator.record.register import Entry, Register, Source
from generator.web.state import Recording, Result

# ---------- Keys and sealing --------------------------------------------------------------------


def session_secret() -> bytes:
    """This browser session's own 32-byte key, kept in its signed cookie only (made on first
    use). Signing in again makes a new one: what the old session left cannot be read."""
    if not has_request_context():
        raise RuntimeError("a session's key exists only while answering its request")
    if "rk" not in session:
        session["rk"] = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    try:
        key = base64.urlsafe_b64decode(session["rk"])
    except (ValueError, TypeError):
        key = b""
    if len(key) != 32:  # not one we made: start afresh
        session["rk"] = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
        key = base64.urlsafe_b64decode(session["rk"])
    return key


def tag(text: str) -> str:
    """The database's name for a random id the browser holds: its SHA-256."""
    return hashlib.sha256(text.encode()).hexdigest()


def seal(key: bytes, context: bytes, plain: bytes) -> bytes:
    """`plain` encrypted and authenticated with AES-GCM; `context` is bound to it."""
    nonce = os.urandom(12)
    return nonce + AESGCM(key).encrypt(nonce, plain, context)


def unseal(key: bytes, context: bytes, sealed: bytes) -> bytes | None:
    """What `seal` sealed, or None with another key or context, or if altered."""
    try:
        return AESGCM(key).decrypt(sealed[:12], sealed[12:], context)
    except (InvalidTag, ValueError):
        return None


def pack(header: dict, blobs: list[bytes]) -> bytes:
    """A JSON header and byte strings in one: length, header (with each blob's size), blobs."""
    head = json.dumps({**header, "sizes": [len(blob) for blob in blobs]}).encode()
    return struct.pack(">I", len(head)) + head + b"".join(blobs)


def unpack(data: bytes) -> tuple[dict, list[bytes]]:
    """The header and byte strings that `pack` joined."""
    (size,) = struct.unpack(">I", data[:4])
    header = json.loads(data[4 : 4 + size])
    blobs, at = [], 4 + size
    for length in header.pop("sizes"):
        blobs.append(data[at : at + length])
        at += length
    return header, blobs


# ---------- A result's bytes, and its register entry ----------------------------------------------


class _Capture:
    """A stand-in register for `issuing.record`: keeps the entry and files instead of storing
    them, so that whichever desk first prints the sheet can store them."""

    def __init__(self, register: Register):
        self._register = register
        self.entry: Entry | None = None
        self.files: dict[str, bytes] = {}

    def __getattr__(self, name: str):
        return getattr(self._register, name)

    def record(self, entry: Entry, files: dict[str, bytes]) -> None:
        self.entry, self.files = entry, files


def _pending_entry(recording: Recording | None) -> tuple[Entry | None, dict[str, bytes]]:
    """The entry (and archived files) that a result's first print will store."""
    if recording is None or recording.done:
        return None, {}
    pending = recording._store
    if not isinstance(pending, functools.partial):
        raise TypeError("a desk result's recording must be a partial of issuing.record")
    capture = _Capture(pending.args[0])
    pending.func(capture, *pending.args[1:], **pending.keywords)
    return capture.entry, capture.files


def packed(result: Result) -> bytes:
    """A result as bytes, with the register entry its first print stores (if any)."""
    entry, files = _pending_entry(result.recording)
    header = {
        "filename": result.filename,
        "policy_title": result.policy_title,
        "policy_titles": list(result.policy_titles),
        "date_words": result.date_words,
        "name": result.name,
        "sheet_id": result.sheet_id,
        "note": result.note,
        "entry": _entry_json(entry) if entry else None,
        "files": list(files),
    }
    return pack(header, [result.pdf, result.preview_png, *files.values()])


def unpacked(plain: bytes, sid: str, recorder) -> Result:
    """The result that `packed` made; `recorder(entry, files)` stores its entry on first print."""
    header, blobs = unpack(plain)
    pdf, png, *files = blobs
    recording = None
    if recorder is not None and header["entry"]:
        entry = _entry_from_json(header["entry"])
        recording = Recording(
            functools.partial(recorder, entry, dict(zip(header["files"], files, strict=True)))
        )
    return Result(
        sid=sid,
        pdf=pdf,
        preview_png=png,
        filename=header["filename"],
        policy_title=header["policy_title"],
        policy_titles=tuple(header["policy_titles"]),
        date_words=header["date_words"],
        name=header["name"],
        sheet_id=header["sheet_id"],
        note=header["note"],
        recording=recording,
    )


def _entry_json(entry: Entry) -> dict:
    values = dict(entry.__dict__)
    values["policies"] = [source.__dict__ for source in entry.policies]
    values["procedure_date"] = entry.procedure_date.isoformat()
    values["printed_on"] = entry.printed_on.isoformat()
    return values


def _entry_from_json(values: dict) -> Entry:
    values = dict(values)
    values["policies"] = tuple(Source(**source) for source in values["policies"])
    values["procedure_date"] = date.fromisoformat(values["procedure_date"])
    values["printed_on"] = date.fromisoformat(values["printed_on"])
    return Entry(**values)
