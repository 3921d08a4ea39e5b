"""The documentation site: built strictly, offline, searchable, and its reference generated
from the code (every command, every clinic.toml and front-matter key, every API path)."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from generator.cli import make_parser
from generator.content import clinic, policy
from generator.web.openapi import spec

pytestmark = pytest.mark.docs
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The site as `make docs` builds it, into a temporary folder."""
    if not (ROOT / "node_modules" / "iframe-worker").exists():
        pytest.skip("node_modules missing: run `make setup-test`")
    out = tmp_path_factory.mktemp("docs")
    mkdocs = Path(sys.executable).with_name("mkdocs")
    done = subprocess.run(
        [str(mkdocs), "build", "--strict", "--quiet", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert done.returncode == 0, done.stderr
    return out


def test_the_site_fetches_nothing_from_elsewhere(site):
    fetched = set()
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        fetched |= set(re.findall(r'<(?:script|img|iframe)[^>]*\bsrc="(https?://[^"]+)"', text))
        fetched |= set(re.findall(r'<link[^>]*\bhref="(https?://[^"]+)"', text))
    assert fetched == set()
    assert (site / "assets" / "javascripts" / "iframe-worker-shim.js").exists()


def test_the_site_is_searchable(site):
    index = site / "search" / "search_index.json"
    text = index.read_text(encoding="utf-8")
    assert "aftercare sheet" in text and "base_url" in text


def test_the_cli_reference_has_every_command_and_option(site):
    page = (site / "reference" / "cli.html").read_text(encoding="utf-8")
    parser = make_parser()
    [commands] = [a for a in parser._actions if a.dest == "command"]
    for name, sub in commands.choices.items():
        assert f"aftercare {name}" in page
        for action in sub._actions:
            for flag in action.option_strings:
                assert flag in page, f"{name} {flag}"


def test_the_key_references_have_every_key_the_validators_accept(site):
    clinic_page = (site / "reference" / "clinic-toml.html").read_text(encoding="utf-8")
    policy_page = (site / "reference" / "policy.html").read_text(encoding="utf-8")
    assert all(f"<code>{key}</code>" in clinic_page for key in clinic.KEYS)
    keys = policy.KEYS | policy.TRANSLATION_KEYS | policy.PHASE_KEYS
    assert all(f"<code>{key}</code>" in policy_page for key in keys)


def test_the_api_reference_is_the_served_document(site):
    served = json.loads((site / "reference" / "openapi.json").read_text(encoding="utf-8"))
    assert served["paths"].keys() == spec(["microneedling"])["paths"].keys()
    page = (site / "reference" / "api.html").read_text(encoding="utf-8")
    for path, operations in served["paths"].items():
        for method in operations:
            assert f"{method.upper()} {path}" in page
