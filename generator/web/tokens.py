"""Access tokens for the desk: what makes one acceptable, and how to make a good one."""

from __future__ import annotations

import secrets
from pathlib import Path

from generator.errors import AftercareError, Problem

MIN_LENGTH = 16
MIN_DISTINCT = 10


def check(token: str, file: Path | None, what: str) -> str:
    """`token` if it is printable ASCII, 16+ characters and 10+ distinct ones; else an error."""
    if not all(0x21 <= ord(char) <= 0x7E for char in token):
        problem = "must be printable ASCII (letters, digits, punctuation; no spaces)"
    elif len(token) < MIN_LENGTH:
        problem = f"must be at least {MIN_LENGTH} characters"
    elif len(set(token)) < MIN_DISTINCT:
        problem = f"must have at least {MIN_DISTINCT} different characters"
    else:
        return token
    raise AftercareError(Problem(f"{what} {problem}; `aftercare token` prints a good one", file))


def new_token() -> str:
    """A random token of 32 URL-safe characters (192 bits)."""
    while True:
        token = secrets.token_urlsafe(24)
        if len(set(token)) >= MIN_DISTINCT:
            return token
