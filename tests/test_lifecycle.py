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


# ---------- A translation whose source changed needs a review of its own (issue 25, item 1) ----

SPANISH = (None, "español (Spanish)")  # the desk's Language menu offers it
REVIEWED = "2026-11-01"  # the synthetic translation's reviewed_on


def change_the_text(content) -> tuple[str, str]:
    """Change a sentence of the source's clinical text: its hash before and after."""
    before = Project(content).policy(SLUG).clinical_hash
    source = content / f"{SLUG}.md"
    source.write_text(source.read_text().replace("Sed do eiusmod tempor.", "Sed do eiusmod."))
    return before, Project(content).policy(SLUG).clinical_hash


def set_keys(path, **keys: str):
    """Replace front matter lines of the translation ("source_hash: ...") as a manager would."""
    text = path.read_text()
    for key, value in keys.items():
        text, found = re.subn(rf"(?m)^{key}: .*$", f"{key}: {value}", text)
        assert found == 1, key
    path.write_text(text)
    return path


def sheet_in_spanish(run, content, out):
    return run("--content", content, "sheet", SLUG, "--name", "Jane Doe", "--lang", "es",
               "--out", out)  # fmt: skip


def test_pasting_the_new_hash_alone_does_not_bring_a_translation_back_to_the_desk(content, pool):
    """The translation was offered with its review of the old text; the source's text
    changed; a manager pastes the new source_hash and nothing else: no new review, so the
    desk's Language menu does not offer it, and the manager's page says what is missing."""
    from generator.web.app import create_app

    from .test_review import banner
    from .test_web import language_menu

    desk = create_app(LiveContent(content, interval=0), pool).test_client()
    assert SPANISH in language_menu(desk.get("/").get_data(as_text=True))
    _before, now = change_the_text(content)
    assert SPANISH not in language_menu(desk.get("/").get_data(as_text=True))
    translation = set_keys(content / f"{SLUG}.es.md", source_hash=f'"{now}"')
    page = desk.get("/").get_data(as_text=True)
    assert SPANISH not in language_menu(page)
    assert "1 translation is not offered today" in page  # staff see one line
    [said] = banner(desk.get("/manage").get_data(as_text=True))
    assert said.startswith(f"{translation}: Spanish translation not offered: not reviewed since")
    assert said.endswith(
        f"reviewed_by and a reviewed_on later than {REVIEWED} (not offered until it is reviewed)"
    )
    set_keys(translation, reviewed_on="2026-12-01")  # the translation's own new review
    assert SPANISH in language_menu(desk.get("/").get_data(as_text=True))
    assert banner(desk.get("/manage").get_data(as_text=True)) == []


def test_the_sheet_command_refuses_a_translation_with_only_its_hash_updated(run, content, tmp_path):
    out = tmp_path / "es.pdf"
    assert sheet_in_spanish(run, content, out).code == 0  # offered with its review of the old text
    out.unlink()
    _before, now = change_the_text(content)
    translation = set_keys(content / f"{SLUG}.es.md", source_hash=f'"{now}"')
    refused = sheet_in_spanish(run, content, out)
    assert refused.code == 1 and not out.exists()
    [line] = refused.err.splitlines()
    assert line.startswith(
        f"aftercare: error: {translation}: lang: the Spanish translation cannot be issued: "
        "not reviewed since the English text changed"
    )
    assert line.endswith(
        f"record that review: reviewed_by and a reviewed_on later than {REVIEWED} "
        "(--draft prints it for review)"
    )
    set_keys(translation, reviewed_by="Revisora Lorem", reviewed_on="2026-12-01")
    made = sheet_in_spanish(run, content, out)
    assert made.code == 0, made.err


def test_check_says_both_steps_for_a_translation_whose_source_changed(run, content):
    translation = content / f"{SLUG}.es.md"
    assert run("--content", content, "check").err == ""  # offered: reviewed for the text now
    before, now = change_the_text(content)
    stale = run("--content", content, "check")
    assert stale.code == 0
    assert stale.err.splitlines() == [
        f"aftercare: warning: {translation}: Spanish translation not offered: made from "
        f"version 0.9 ({before}); the English policy is now 0.9 ({now}): update the "
        "translation, then its source_version and source_hash, and record a new review of "
        f"it: reviewed_by and a reviewed_on later than {REVIEWED}"
    ]
    set_keys(translation, source_hash=f'"{now}"')
    pasted = run("--content", content, "check")
    assert pasted.err.splitlines() == [
        f"aftercare: warning: {translation}: Spanish translation not offered: not reviewed "
        f"since the English text changed (it was offered with its review of {REVIEWED}, of "
        f"the earlier text {before}): a qualified translator must check it against the new "
        f"text, then record that review: reviewed_by and a reviewed_on later than {REVIEWED}"
    ]
    set_keys(translation, reviewed_on=REVIEWED.replace("11-01", "11-02"))
    assert run("--content", content, "check").err == ""


def test_a_translation_never_offered_here_comes_back_with_its_hash(run, content, tmp_path):
    """No record of an earlier review (a new installation, a translation no command has
    read yet): the translation made for the text now, and reviewed, is offered."""
    _before, now = change_the_text(content)
    set_keys(content / f"{SLUG}.es.md", source_hash=f'"{now}"')
    made = sheet_in_spanish(run, content, tmp_path / "es.pdf")
    assert made.code == 0, made.err
    assert LiveContent(content).current().languages(SLUG) == ["en", "es"]


def test_the_record_of_reviews_is_in_the_state_folder_and_names_no_patient(
    run, content, tmp_path, monkeypatch
):
    state = tmp_path / "state"
    monkeypatch.setenv("AFTERCARE_STATE_DIR", str(state))
    assert sheet_in_spanish(run, content, tmp_path / "es.pdf").code == 0
    record = (state / "translation-reviews.json").read_text()
    assert Project(content).policy(SLUG).clinical_hash in record and REVIEWED in record
    assert "Jane" not in record and "Doe" not in record


def test_a_damaged_record_of_reviews_is_named_and_no_translation_is_offered(
    run, content, tmp_path, monkeypatch
):
    state = tmp_path / "state"
    state.mkdir()
    record = state / "translation-reviews.json"
    record.write_text("{not json")
    monkeypatch.setenv("AFTERCARE_STATE_DIR", str(state))
    checked = run("--content", content, "check")
    assert f"{record}: cannot be read" in checked.err
    assert "restore it from a backup of the state folder, or delete it" in checked.err
    refused = sheet_in_spanish(run, content, tmp_path / "es.pdf")
    assert refused.code == 1 and str(record) in refused.err
    assert LiveContent(content).current().languages(SLUG) == ["en"]
    assert record.read_text() == "{not json"  # never replaced


def test_a_record_that_cannot_be_written_is_said_and_the_translation_still_offered(
    run, content, tmp_path, monkeypatch
):
    state = tmp_path / "state"
    (state / ".translation-reviews.json.lock").mkdir(parents=True)  # no lock can be taken
    monkeypatch.setenv("AFTERCARE_STATE_DIR", str(state))
    checked = run("--content", content, "check")
    assert checked.code == 0
    assert checked.err.splitlines() == [
        f"aftercare: warning: {state / 'translation-reviews.json'}: cannot be written (Is a "
        f"directory): the review of {SLUG}.es.md it offers is not remembered, so a later "
        "change of its source's text cannot ask for a new one; give the state folder's owner "
        "write access"
    ]
    assert LiveContent(content).current().languages(SLUG) == ["en", "es"]
