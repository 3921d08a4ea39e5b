"""The desk's live content: edits are served without a restart, a broken file leaves its last
good version in service (and says so), drafts are never offered. Synthetic policies only."""

from __future__ import annotations

import html
import os
import shutil
import time
from pathlib import Path

import pytest

from generator.content.live import LiveContent
from generator.errors import AftercareError
from generator.parallel.desk_pool import RenderPool
from generator.paths import CONTENT
from generator.web.app import create_app

from .conftest import DATA, pdf_pages, pdf_text
from .test_web import desk_sheet, post_sheet

EXAMPLE = (DATA / "example-procedure.md").read_text()
LOREM = EXAMPLE.replace("title: Example Procedure", "title: Lorem Care").replace(
    "Lorem care text for tests.", "Lorem care, second synthetic policy."
)


def make_content(folder: Path) -> Path:
    folder.mkdir()
    shutil.copy(CONTENT / "clinic.toml", folder)
    shutil.copy(CONTENT / "harbor-logo.svg", folder)
    (folder / "example-procedure.md").write_text(EXAMPLE)
    (folder / "lorem-care.md").write_text(LOREM)
    return folder


def touch_later(path: Path, text: str) -> None:
    """Write `text`, making sure the file's change is visible to a check right away."""
    path.write_text(text)
    stamp = time.time() + 1
    os.utime(path, (stamp, stamp))


@pytest.fixture
def folder(tmp_path) -> Path:
    return make_content(tmp_path / "content")


def test_a_broken_edit_keeps_the_last_good_version_and_says_so(folder):
    live = LiveContent(folder, interval=0)
    assert [p.title for p in live.current().offered()] == ["Example Procedure", "Lorem Care"]
    touch_later(folder / "lorem-care.md", LOREM.replace('version: "0.9"', "version: [oops"))
    content = live.current()
    assert [p.version for p in content.offered()] == ["0.9", "0.9"]  # still serving it
    [item] = content.problems
    assert (
        item.problem.file == folder / "lorem-care.md" and item.problem.line == 4
    )  # where YAML noticed
    assert item.serving == "still printing version 0.9"


def test_a_good_edit_replaces_the_old_version(folder):
    live = LiveContent(folder, interval=0)
    touch_later(folder / "lorem-care.md", LOREM.replace('version: "0.9"', 'version: "1.1"'))
    assert {p.slug: p.version for p in live.current().offered()}["lorem-care"] == "1.1"
    assert live.current().problems == ()


def test_a_new_broken_file_is_reported_and_the_others_still_work(folder):
    (folder / "aaa-first.md").write_text("---\ntitle: [\n---\n")
    live = LiveContent(folder)  # a broken file that sorts first does not stop the desk
    assert [p.slug for p in live.current().offered()] == ["example-procedure", "lorem-care"]
    [item] = live.current().problems
    assert item.problem.file.name == "aaa-first.md"
    assert item.serving == "not offered until it is fixed"


def test_a_broken_clinic_profile_keeps_the_last_good_one(folder):
    live = LiveContent(folder, interval=0)
    text = (folder / "clinic.toml").read_text()
    touch_later(folder / "clinic.toml", text.replace('primary = "#1f5f5b"', 'primary = "#fafafa"'))
    content = live.current()
    assert content.clinic.colors["primary"] == "#1f5f5b"
    [item] = content.problems
    assert "contrast" in item.problem.message
    assert item.serving == "still using the last good clinic profile"
    (folder / "clinic.toml").unlink()
    with pytest.raises(AftercareError):
        LiveContent(folder)  # at start there is no last good profile to fall back on


def test_drafts_are_never_offered(folder):
    (folder / "draft-care.md").write_text(EXAMPLE.replace("version:", "draft: true\nversion:"))
    live = LiveContent(folder)
    assert "draft-care" in live.current().policies
    assert [p.slug for p in live.current().offered()] == ["example-procedure", "lorem-care"]


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    """A desk (test client, real workers) over a content folder the test edits."""
    folder = make_content(tmp_path_factory.mktemp("live") / "content")
    pool = RenderPool(folder, size=1, timeout=60)
    live = LiveContent(folder, interval=0)
    yield folder, create_app(live, pool).test_client()
    pool.close()


def test_the_desk_and_api_follow_edits_without_a_restart(desk):
    folder, client = desk
    policies = client.get("/api/policies").json
    assert [p["slug"] for p in policies] == ["example-procedure", "lorem-care"]
    page = client.get("/").get_data(as_text=True)
    assert '<option value="" selected>Choose the procedure…</option>' in page
    assert 'class="content-notice"' not in page

    # 1. Break one policy: it keeps printing its last good version, and the desk says so.
    touch_later(folder / "lorem-care.md", LOREM.replace("phases:", "phases: [oops"))
    page = client.get("/").get_data(as_text=True)  # staff: one plain line (issue 24)
    notice = "The clinic's manager has content to look at; the desk prints as usual."
    assert notice in html.unescape(page)
    assert "lorem-care.md" not in page
    page = client.get("/manage").get_data(as_text=True)  # the manager: the details
    assert "lorem-care.md:5: the front matter cannot be read" in page
    assert "still printing version 0.9" in page
    assert client.get("/healthz").json["content_problems"] == 1
    sheet = post_sheet(client, {"policy": "lorem-care", "name": "Ann Lorem"})
    assert sheet.status_code == 200
    assert "Lorem care, second synthetic policy." in pdf_text(sheet.data)

    # 2. Edit another: the next sheet prints the new text.
    edited = EXAMPLE.replace("Lorem ipsum dolor sit amet.", "Lorem ipsum edited today.")
    touch_later(folder / "example-procedure.md", edited.replace('"0.9"', '"1.0"'))
    sheet = post_sheet(client, {"policy": "example-procedure", "name": "Ann Lorem"})
    assert "Lorem ipsum edited today." in pdf_text(sheet.data)
    assert {p["slug"]: p["version"] for p in client.get("/api/policies").json} == {
        "example-procedure": "1.0",
        "lorem-care": "0.9",
    }

    # 3. Add a draft: not offered at the desk or in the API.
    (folder / "draft-care.md").write_text(EXAMPLE.replace("version:", "draft: true\nversion:"))
    assert "draft-care" not in client.get("/").get_data(as_text=True)
    assert [p["slug"] for p in client.get("/api/policies").json] == [
        "example-procedure",
        "lorem-care",
    ]
    refused = post_sheet(client, {"policy": "draft-care", "name": "Ann Lorem"})
    assert refused.status_code == 422 and refused.json["field"] == "policy"

    # 4. Fix the broken one: the banner goes away.
    touch_later(folder / "lorem-care.md", LOREM.replace('"0.9"', '"1.1"'))
    assert 'class="content-notice"' not in client.get("/").get_data(as_text=True)
    assert client.get("/healthz").json["content_problems"] == 0
    _, pdf = desk_sheet(client, policy="lorem-care", name="Ann Lorem")
    assert "version 1.1" in pdf_text(pdf)


def test_a_draft_is_refused_by_sheet_unless_drafted_and_left_out_of_handouts_and_site(
    run, folder, tmp_path
):
    (folder / "draft-care.md").write_text(EXAMPLE.replace("version:", "draft: true\nversion:"))
    listed = run("--content", folder, "policies")
    assert "draft-care         v0.9    Example Procedure  (draft: not offered to patients)" in (
        listed.out
    )
    refused = run("--content", folder, "sheet", "draft-care", "--name", "Ann", "--out", tmp_path)
    assert refused.code == 1 and "is a draft (draft: true), not for patients" in refused.err
    assert not list(tmp_path.glob("*.pdf"))
    review = run(
        "--content", folder, "sheet", "draft-care", "--name", "Ann", "--draft", "--out",
        tmp_path / "review.pdf",
    )  # fmt: skip
    assert review.code == 0
    pages = pdf_pages((tmp_path / "review.pdf").read_bytes())
    assert all(page.count("DRAFT") >= 2 for page in pages)  # the mark and the footer
    assert all("DRAFT, not for patients" in page for page in pages)
    assert run("--content", folder, "handouts", "--out", tmp_path / "h").code == 0
    assert sorted(p.name for p in (tmp_path / "h").glob("*.pdf")) == [
        "example-procedure.pdf",
        "lorem-care.pdf",
    ]
    assert run("--content", folder, "site", "--out", tmp_path / "site").code == 0
    assert not (tmp_path / "site" / "draft-care").exists()
    assert (tmp_path / "site" / "lorem-care" / "index.html").exists()


def test_the_desk_shows_the_same_warnings_as_check(desk):
    folder, client = desk
    text = LOREM.replace("Lorem care, second synthetic policy.", "Lorem ![x](x.png) care.")
    touch_later(folder / "lorem-care.md", text)
    page = client.get("/manage").get_data(as_text=True)
    assert "lorem-care.md:18: an image will be removed: sheets carry text only" in page
    assert "(warning: printed as it is)" in page
    assert client.get("/healthz").json["content_problems"] == 0  # a warning is not a problem
    touch_later(folder / "lorem-care.md", LOREM)
    assert "an image will be removed" not in client.get("/manage").get_data(as_text=True)


def test_a_draft_in_a_combined_sheet_or_handout_is_refused_unless_drafted(run, folder, tmp_path):
    (folder / "draft-care.md").write_text(EXAMPLE.replace("version:", "draft: true\nversion:"))
    sheet = ("--content", folder, "sheet", "lorem-care", "draft-care", "--name", "Ann")
    refused = run(*sheet, "--out", tmp_path)
    assert refused.code == 1
    assert refused.err.strip().splitlines() == [
        f"aftercare: error: {folder / 'draft-care.md'}: is a draft (draft: true), not for "
        "patients; print it with --draft to review it (every page then says DRAFT)"
    ]
    assert not list(tmp_path.glob("*.pdf"))
    review = run(*sheet, "--draft", "--out", tmp_path / "review.pdf")
    assert review.code == 0, review.err
    pages = pdf_pages((tmp_path / "review.pdf").read_bytes())
    assert all("DRAFT, not for patients" in page for page in pages)
    assert "Sheet " not in review.err  # a draft is not issued: no register entry
    handouts = run(
        "--content", folder, "handouts", "--combine", "lorem-care+draft-care",
        "--out", tmp_path / "h",
    )  # fmt: skip
    assert handouts.code == 1
    assert handouts.err.strip().splitlines() == [
        f"aftercare: error: {folder / 'draft-care.md'}: --combine: is a draft (draft: true), "
        "not for patients; a handout combines only policies ready for patients"
    ]
    assert not (tmp_path / "h").exists()
