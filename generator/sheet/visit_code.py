"""The short code a combined sheet's QR code carries instead of its procedures' slugs.

A QR code of version 4 holds about 62 characters of a URL; with two or three slugs and the
date, a visit's address needed version 6, whose 0.86 mm modules fail a blurred scan. So each
policy has a code of four letters made from its slug (the same on every machine, for as long
as the slug lives), and the visit page's fragment is the codes of the visit's procedures, in
the sheet's order, then the date as YYYYMMDD when there is one:

    {base_url}/visit/#qkvbwmzh20261123   (was #p=microneedling+example-procedure&d=20261123)

The visit page maps codes back to its policies (visit.js); it still reads every form printed
before (#p=a+b&d=YYYYMMDD or YYYY-MM-DD). The fragment never leaves the phone. Two policies
with one code cannot both be on a site: building it says so (`clashes`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import date

from generator.errors import Problem

LETTERS = "abcdefghjkmnpqrstvwxyz"  # no i, l, o, u: nothing to misread, no words
LENGTH = 4  # 22**4 = 234,256 codes


def code(slug: str) -> str:
    """The policy's code: four letters from a digest of its slug."""
    number = int.from_bytes(hashlib.sha256(slug.encode()).digest()[:8], "big")
    letters = []
    for _ in range(LENGTH):
        number, digit = divmod(number, len(LETTERS))
        letters.append(LETTERS[digit])
    return "".join(letters)


def fragment(slugs: Sequence[str], day: date | None) -> str:
    """The visit page's fragment (without '#'): each procedure's code, then the date."""
    return "".join(code(slug) for slug in slugs) + (f"{day:%Y%m%d}" if day else "")


def clashes(slugs: Iterable[str]) -> list[Problem]:
    """A problem for each pair of policies that share a code (a visit page could not tell
    them apart)."""
    seen: dict[str, str] = {}
    problems = []
    for slug in sorted(set(slugs)):
        other = seen.setdefault(code(slug), slug)
        if other != slug:
            problems.append(
                Problem(
                    f"policies {other!r} and {slug!r} have the same visit code "
                    f"{code(slug)!r}, so a combined sheet's QR code could open either: "
                    "rename one of them (its file name)"
                )
            )
    return problems
