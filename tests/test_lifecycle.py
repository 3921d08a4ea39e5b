"""Issue 25, content lifecycle (1-4, 24): a review leaves translations current; numbers YAML
reads are told to be quoted; a deleted policy is a content problem; `aftercare sheet` prints
warnings, and one for a text changed under a version the register has issued; a live desk
drops a translation whose source's days changed."""

from __future__ import annotations

import re

import pytest

from generator.content.live import LiveContent
from generator.project import Project

from .test_languages import SLUG, add_translation

SHEET = {"policy": SLUG, "name": "Jane Doe", "date": "2026-11-23", "lang": "es"}


@pytest.fixture
def content(synthetic_content):
    """The Spanish translation made from the source's clinical text (its clinical hash)."""
    path = add_translation(synthetic_content, "es")
    clinical = Project(synthetic_content).policy(SLUG).clinical_hash
    path.write_text(re.sub(r"source_hash: \w+", f'source_hash: "{clinical}"', path.read_text()))
    return synthetic_content


def test_recording_a_review_of_the_source_keeps_its_translations_offered(run, content):
    assert "es" in LiveContent(content).current().languages(SLUG)
    source = content / f"{SLUG}.md"
    text = source.read_text()
    source.write_text(text.replace('version: "0.9"\n', 'version: "0.9"\nreviewed_by: Dr. '
                      "Ipsum\nreviewed_on: 2026-11-20\nreview_due: 2027-11-20\n"))  # fmt: skip
    assert LiveContent(content).current().languages(SLUG) == ["en", "es"]
    made = run("--content", content, "sheet", SLUG, "--name", "Jane Doe", "--lang", "es",
               "--out", content.parent / "es.pdf")  # fmt: skip
    assert made.code == 0, made.err
    source.write_text(text.replace("Sed do eiusmod tempor.", "Sed do eiusmod."))  # clinical
    live = LiveContent(content).current()
    assert live.languages(SLUG) == ["en"]
    [why] = [t.why for t in live.translations[SLUG].values()]
    assert f"is now 0.9 ({Project(content).policy(SLUG).clinical_hash})" in why


@pytest.mark.parametrize(
    ("line", "field", "number"),
    [
        ("source_hash: ", "source_hash", "12345678"),
        ('source_version: "0.9"', "source_version", "0.9"),
        ("translated_by: Lorem Traducciones", "translated_by", "2024"),
        ("reviewed_by: Revisora Ipsum", "reviewed_by", "2024"),
        ("title: Procedimiento de ejemplo", "title", "2024"),
    ],
)
def test_a_value_yaml_reads_as_a_number_is_told_to_be_quoted(
    run, synthetic_content, line, field, number
):
    typed = f"{field}: {number}" + (" #" if field == "source_hash" else "")  # the hash cut off
    add_translation(synthetic_content, "es", **{line: typed})
    result = run("check", "--content", synthetic_content)
    assert result.code == 1
    hint = f'{field}: write it in quotes, as {field}: "{number}"'
    assert re.search(rf"example-procedure\.es\.md:\d+: {re.escape(hint)}", result.err), result.err
    assert "must be non-empty text" not in result.err


def test_a_number_in_a_policys_title_or_phase_label_is_told_to_be_quoted(run, synthetic_content):
    source = synthetic_content / f"{SLUG}.md"
    source.write_text(source.read_text().replace("title: Example Procedure", "title: 2024")
                      .replace("label: Day 0", "label: 0"))  # fmt: skip
    result = run("check", "--content", synthetic_content)
    assert 'title: write it in quotes, as title: "2024"' in result.err
    assert 'label: write it in quotes, as label: "0"' in result.err


def test_a_deleted_policy_is_a_content_problem_and_the_api_says_none_is_offered(
    synthetic_content, pool
):
    from generator.web.app import create_app

    live = LiveContent(synthetic_content, interval=0)
    client = create_app(live, pool).test_client()
    assert client.get("/healthz").json["content_problems"] == 0
    (synthetic_content / f"{SLUG}.md").unlink()
    health = client.get("/healthz").json
    assert health["content_problems"] == 1
    [problem] = live.current().problems
    assert f"{SLUG}.md: was offered and its file is gone" in str(problem.problem)
    response = client.post("/api/sheets", json={**SHEET, "lang": None})
    assert response.status_code == 422
    error = response.json["error"]
    assert error == "no procedure is offered now: the clinic's content has problems"
    page = client.get("/manage").get_data(as_text=True)
    assert "was offered and its file is gone" in page  # the list managers see


def test_the_api_names_the_procedures_it_offers(client):
    response = client.post("/api/sheets", json={**SHEET, "policy": "nothing-like-it"})
    assert response.status_code == 422
    assert (
        response.json["error"].startswith("must be one of: ")
        and "microneedling" in (response.json["error"])
    )


def test_the_sheet_command_prints_a_policys_warnings(run, synthetic_content, tmp_path):
    source = synthetic_content / f"{SLUG}.md"
    source.write_text(source.read_text().replace("    start: 3\n", "    start: 5\n"))  # a gap
    result = run("--content", synthetic_content, "sheet", SLUG, "--name", "Jane Doe",
                 "--out", tmp_path / "a.pdf")  # fmt: skip
    assert result.code == 0, result.err
    assert "aftercare: warning:" in result.err and "in no phase" in result.err


def test_a_text_changed_without_a_new_version_is_warned_about(run, synthetic_content, tmp_path):
    database = f"sqlite:///{tmp_path / 'register.sqlite3'}"
    sheet = ("--content", synthetic_content, "sheet", SLUG, "--name", "Jane Doe",
             "--database", database, "--out", tmp_path / "a.pdf")  # fmt: skip
    assert run(*sheet).code == 0
    source = synthetic_content / f"{SLUG}.md"
    text = source.read_text()
    source.write_text(text.replace('version: "0.9"\n', 'version: "0.9"\nreview_due: 2099-01-01\n'))
    quiet = run(*sheet)  # only a review field changed: the clinical text is the same
    assert quiet.code == 0 and "warning" not in quiet.err
    source.write_text(text.replace("Sed do eiusmod tempor.", "Sed do eiusmod."))
    warned = run(*sheet)
    assert warned.code == 0
    assert "version: the text changed since sheets were issued as version 0.9" in warned.err
    source.write_text(text.replace("Sed do eiusmod tempor.", "Sed do.").replace('"0.9"', '"1.0"'))
    assert "the text changed" not in run(*sheet).err


def test_a_live_desk_drops_a_translation_whose_sources_days_changed(content):
    live = LiveContent(content, interval=0)
    assert live.current().languages(SLUG) == ["en", "es"]
    source = content / f"{SLUG}.md"
    source.write_text(source.read_text().replace("    end: 3\n", "    end: 2\n")
                      .replace("    start: 3\n", "    start: 2\n"))  # fmt: skip
    assert live.current().languages(SLUG) == ["en"]
    # Even with its source_hash pasted anew, its own days are still the old ones: refused.
    translation = content / f"{SLUG}.es.md"
    old = Project(content).policy(SLUG)
    text = translation.read_text()
    translation.write_text(re.sub(r"source_hash: \w+", f'source_hash: "{old.clinical_hash}"', text))
    assert live.current().languages(SLUG) == ["en"]
    assert any("only labels are translated" in str(p.problem) for p in live.current().problems)


def test_a_translation_with_more_phases_than_its_source_is_refused(run, synthetic_content):
    """A translation may translate labels only: an extra phase is a problem that names both
    counts, as a missing one is."""
    add_translation(
        synthetic_content,
        "es",
        **{"  - label: Días 3+\n": "  - label: Lorem extra\n    start: 2\n    end: 3\n"
           "    section: lorem-medio\n  - label: Días 3+\n"},
    )  # fmt: skip
    result = run("--content", str(synthetic_content), "check")
    assert result.code == 1
    assert "has 4 phases; the source (" in result.err and "has 3" in result.err
