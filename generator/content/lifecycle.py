"""A policy's life after it is written: what its clinical text is (for translations), and what
the register knows about the text last issued under each version.

The clinical text is the title, the phases and the body: what a patient reads and a clinician
reviewed. A translation's `source_hash` is the hash of its source's clinical text, so recording
a review (`reviewed_on`, `review_due`) leaves every translation current.
"""

from __future__ import annotations

import hashlib
import json

from generator.content.frontmatter import FrontMatter, FrontMatterError, split
from generator.errors import Problem

HISTORY = 500  # how many of the newest register entries are searched for a policy's last text


def clinical_hash(fm: FrontMatter) -> str:
    """The short hash of a policy's clinical text: title, phases and body (no review fields,
    no draft flag, no version)."""
    data = fm.data if isinstance(fm.data, dict) else {}
    text = json.dumps(
        {"title": data.get("title"), "phases": data.get("phases"), "body": fm.body.strip()},
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def clinical_hash_of(raw: bytes) -> str | None:
    """The clinical hash of a policy file's bytes, or None when it cannot be read."""
    try:
        return clinical_hash(split(raw.decode("utf-8-sig"), repeats=True))
    except (UnicodeDecodeError, FrontMatterError):
        return None


def version_drift(register, policies) -> list[Problem]:
    """A warning for each policy whose clinical text differs from the text the register last
    issued under the same version: its text changed and its `version` did not."""
    warnings = []
    for policy in policies:
        issued = register.last_source(policy.slug, policy.version, policy.lang)
        if issued is None or issued == _sha256(policy.source):
            continue
        before = clinical_hash_of(register.archived(issued))
        if before is not None and before != policy.clinical_hash:
            warnings.append(
                Problem(
                    f"the text changed since sheets were issued as version {policy.version} "
                    f"(then {before}, now {policy.clinical_hash}): give it a new version, so "
                    "sheets of the two texts can be told apart",
                    policy.path,
                    field="version",
                )
            )
    return warnings


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
