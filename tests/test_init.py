"""`aftercare init [DIR]`: a starter folder with every setting commented, an example policy
that is a draft, a README and a .gitignore; nothing overwritten; and `check` on the fresh
folder naming each thing to change before the first real sheet."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from generator.content import clinic as clinic_module

from .conftest import pdf_text

ROOT = Path(__file__).resolve().parent.parent
STARTER = [
    "content/clinic.toml",
    "content/microneedling.md",
    "content/README.md",
    "content/your-logo.svg",
    ".gitignore",
]


def make_it_ours(content: Path) -> None:
    """What a clinic does after init: its own details and logo, the example made its own."""
    toml = content / "clinic.toml"
    text = toml.read_text()
    for key, value in {
        "name": "Lorem Test Clinic",
        "phone": "(555) 010-7000",
        "after_hours_phone": "(555) 010-7001",
        "address": "7 Lorem Road",
        "website": "lorem.example.org",
        "base_url": "https://lorem.example.org/care",
        "logo": "lorem-logo.svg",
    }.items():
        text = re.sub(rf'^{key} = "[^"]*"', f'{key} = "{value}"', text, flags=re.MULTILINE)
    toml.write_text(text)
    logo = (content / "your-logo.svg").read_text().replace("#d0d0d0", "#335577")
    (content / "lorem-logo.svg").write_text(logo)
    policy = content / "microneedling.md"
    kept = [
        line
        for line in policy.read_text().splitlines(keepends=True)
        if "aftercare init" not in line
        and "these two lines" not in line
        and line != "draft: true\n"
    ]
    policy.write_text("".join(kept))


def test_init_writes_the_starter_and_says_what_next(run, tmp_path):
    result = run("init", tmp_path / "clinic")
    assert result.code == 0, result.err
    written = result.out.split()
    assert [Path(line).relative_to(tmp_path / "clinic").as_posix() for line in written] == STARTER
    assert "content/clinic.toml" in result.err and "aftercare check" in result.err
    for name in STARTER:
        assert (tmp_path / "clinic" / name).is_file(), name
    policy = (tmp_path / "clinic/content/microneedling.md").read_text()
    assert "\ndraft: true\n" in policy.split("\n---\n")[0]  # in the front matter
    readme = (tmp_path / "clinic/content/README.md").read_text()
    assert "phases" in readme and "draft: true" in readme and "aftercare check" in readme


def test_every_setting_of_the_clinic_profile_is_there_and_commented(run, tmp_path):
    run("init", tmp_path)
    text = (tmp_path / "content/clinic.toml").read_text()
    lines = text.splitlines()
    for key in sorted(clinic_module.KEYS):
        [number] = [
            i for i, line in enumerate(lines) if re.match(rf"^(# )?\[?{key}\]?( =|$)", line)
        ]
        described = "#" in lines[number].split('"')[-1] or lines[number - 1].startswith("#")
        assert described, f"{key} has no comment"
    must_change = [line.split()[0] for line in lines if "CHANGE" in line and " = " in line]
    assert must_change == ["name", "phone", "after_hours_phone", "address", "website"]
    assert "CHANGE: your logo" in text and "CHANGE: where the online version" in text


def test_check_on_the_fresh_folder_lists_exactly_what_to_change(run, tmp_path):
    run("init", tmp_path)
    content = tmp_path / "content"
    result = run("check", "--content", content)
    assert result.code == 1
    errors = result.err.strip().splitlines()
    toml = (content / "clinic.toml").read_text().splitlines()
    named = []
    for error in errors:
        where = re.search(r"content/(clinic\.toml|microneedling\.md):(\d+): ", error)
        if where[1] == "clinic.toml":
            key = error[where.end() :].split(":")[0]
            assert toml[int(where[2]) - 1].startswith(f"{key} = "), error  # the key's own line
            named.append(key)
        else:
            named.append(f"{where[1]}:{where[2]}")
    keys = ["name", "phone", "after_hours_phone", "address", "website", "logo", "base_url"]
    assert named == [*keys, "microneedling.md:2"]  # in the order they come in the file
    assert all("placeholder from `aftercare init`" in e for e in errors if "clinic.toml" in e)
    assert "replace its text with your clinic's own policy" in result.err
    assert result.out.strip().endswith("8 problems, 0 warnings")

    make_it_ours(content)
    result = run("check", "--content", content)
    assert result.code == 0 and "0 problems" in result.out, result.err
    out = tmp_path / "first.pdf"
    result = run("sheet", "microneedling", "--name", "Jane Doe", "--content", content, "--out", out)
    assert result.code == 0, result.err
    text = pdf_text(out.read_bytes())
    assert "Lorem Test Clinic" in text and "(555) 010-7000" in text and "Jane Doe" in text


def test_the_example_policy_is_a_draft_never_printed_for_a_patient(run, tmp_path):
    run("init", tmp_path)
    content = tmp_path / "content"
    result = run("sheet", "microneedling", "--name", "Jane Doe", "--content", content)
    assert result.code == 1 and "draft" in result.err
    assert not (tmp_path / "output").exists() and not list(tmp_path.rglob("*.pdf"))


def test_init_overwrites_nothing_and_writes_nothing_when_a_file_exists(run, tmp_path):
    (tmp_path / "content").mkdir()
    (tmp_path / "content/README.md").write_text("ours\n")
    (tmp_path / ".gitignore").write_text("*.log\n")
    result = run("init", tmp_path)
    assert result.code == 1
    assert "content/README.md: exists already" in result.err
    assert ".gitignore: exists already" in result.err and "nothing was written" in result.err
    assert (tmp_path / "content/README.md").read_text() == "ours\n"
    assert sorted(p.name for p in tmp_path.rglob("*")) == [".gitignore", "README.md", "content"]


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_git_ignores_what_is_generated_or_secret(run, tmp_path):
    run("init", tmp_path)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    paths = ["output/sheets/a.pdf", "var/register.sqlite3", "desk-token", "content/clinic.toml"]
    ignored = subprocess.run(
        ["git", "-C", str(tmp_path), "check-ignore", "--no-index", *paths],
        capture_output=True,
        text=True,
    ).stdout.split()
    assert ignored == paths[:3]
    # The repository's own .gitignore keeps a token file made in the checkout out, too.
    found = subprocess.run(
        ["git", "-C", str(ROOT), "check-ignore", "--no-index", "desk-token"],
        capture_output=True,
        text=True,
    )
    assert found.stdout.strip() == "desk-token"


def test_without_a_content_folder_every_command_points_to_init(run, tmp_path):
    missing = tmp_path / "content"
    for args in (["sheet", "microneedling", "--name", "Jane Doe"], ["policies"], ["check"]):
        result = run(*args, "--content", missing)
        assert result.code == 1, args
        assert "content folder not found: `aftercare init` starts one here" in result.err, args
