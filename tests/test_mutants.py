"""Issue 25, items 17-25: tests that kill the one-line defects a tester planted and the fast
tier let through. Each names the defect it kills."""

from __future__ import annotations

import itertools
import json
import logging
import re
import string
from types import SimpleNamespace

import pytest

from generator.content import patient as patient_module
from generator.record import register as register_module
from generator.sheet.model import Options
from generator.sheet.model import build as build_sheet

from .conftest import TODAY, pdf_pages, pdf_text
from .test_register import NAME, PROVIDER, SHEET
from .test_reuse import compare
from .test_web import csrf_of

TOKEN = "mutant-token-0123456789-abcdef"
NO_HYPHENATION = SimpleNamespace(dictionaries={})  # a line measured as reuse.py measures it


@pytest.fixture(scope="module")
def reuse_project():
    """The shipped content with a warm maker of its own (the reuse cache included)."""
    from generator.paths import CONTENT
    from generator.project import Project

    return Project(CONTENT)


# 17: the reuse shortcut must check that the filled base is the patient's own page; names over
# 60 characters (the template's `long` class) were never compared with a full render.
@pytest.mark.parametrize("length", [59, 61, 65, 70])
def test_a_long_narrow_name_reads_and_looks_as_a_full_render(reuse_project, length):
    words = "Iiil Lili Ilil Jill Tilli Iljil Fili Lilit Illi Jilli Lil Tillil Ili Fillil"
    name = words[:length].strip()
    patient = patient_module.make(name, "2026-11-23", "Dr. Rivera")
    compare(reuse_project, ["microneedling"], patient, TODAY, Options(sheet_id="7K3Q-M2XD"))


# 18: a glyph the base font has is not enough: it must stand for the same text there (a
# homoglyph would read as the base's letter). Greek and Cyrillic look-alikes never take the
# shortcut (not in reuse.ALPHABET); within it, Inter's contextual alternates draw an "x" between
# two digits with its multiplication-sign glyph, which the base's alphabet maps to "×": a sheet
# made from the base with that glyph would read "2×2" where the patient's name says "2x2"
# (18a, `_same_font` accepting any glyph the base has).
@pytest.mark.allow_missing_glyphs
@pytest.mark.parametrize(
    ("name", "provider"),
    [
        ("Anne\u2010Marie Doe", "Dr. Rivera"),
        ("\u0391nna \u039flsen", "Dr. Rivera"),
        ("\u0410nna Doe", "Dr. Rivera"),
        ("Jane Doe 2x2", "Dr. Rivera"),  # (a provider "Dr. Rivera 3x3" read "3×3" too)
    ],
)
def test_a_name_sharing_glyphs_with_other_letters_reads_as_typed(reuse_project, name, provider):
    patient = patient_module.make(name, "2026-11-23", provider)
    made: list = []
    options = Options(sheet_id="7K3Q-M2XD")
    compare(reuse_project, ["microneedling"], patient, TODAY, options, made)
    page = pdf_pages(made[0].pdf)[0]
    assert name in page and provider in page and "\u00d7" not in page


@pytest.fixture(scope="module")
def one_kind():
    """A maker of its own that has made one kind of sheet (its base is the one cached), and
    that kind's options."""
    from generator.paths import CONTENT
    from generator.project import Project

    project = Project(CONTENT)
    options = Options(sheet_id="7K3Q-M2XD")
    patient = patient_module.make("Jane Doe", "2026-11-23", "Dr. Rivera")
    sheet = build_sheet(project.clinic, project.policies_in(["microneedling"], None), patient,
                        TODAY, options)  # fmt: skip
    assert project.maker.reuse.render(sheet, options.archival) is not None
    return project, options


def close_to_its_box(slot, stem: str) -> str:
    """`stem`, LOREM IPSUM and two more letters, shaped in the slot's style between 0.45 and
    0.05 px narrower than its box (measured as WeasyPrint measures a line). Capitals: wide
    enough to fill page 1's name box in under 60 characters."""
    from weasyprint.text.line_break import split_first_line

    def width(text: str) -> float:
        return split_first_line(text, slot.box.style, NO_HYPHENATION, None, 0)[3]

    filler = itertools.cycle("LOREM IPSUM DOLOR SIT AMET ")
    while width(stem + "WW") < slot.limit:  # then some two capitals end within the margin
        stem += next(filler)
    for cut in range(8):
        for pair in itertools.product(string.ascii_uppercase, repeat=2):
            text = stem[: len(stem) - cut] + "".join(pair)
            if slot.limit - 0.45 < width(text) < slot.limit - 0.05:
                return text
    raise AssertionError(f"no text found within half a pixel of a {slot.limit} px box")


# 18b: a name whose line comes within half a pixel (reuse.MARGIN_PX) of its box takes the
# full path. The margin guards against the base's limit and a full render's available width
# differing in their last digits. With the shipped styles no name shows a difference within it
# (page 1's name box is full before the running header's, and a full render lays such a line
# out as the shortcut does), so this test checks the margin itself: the sheet is the full
# render, byte for byte, and reads as typed; with the margin's sign flipped the shortcut is
# taken.
def test_a_name_within_half_a_pixel_of_its_box_takes_the_full_path(one_kind):
    project, options = one_kind
    [base] = project.maker.reuse.cached()
    slot = next(slot for slot in base.slots if slot.kind == "name" and slot.page == 0)
    name = close_to_its_box(slot, "JANE DOE ")  # (a provider "DR. ANN ..." behaves the same)
    assert len(name) <= 60  # a longer name has a class of its own (17)
    patient = patient_module.make(name, "2026-11-23", "Dr. Rivera")
    made: list = []
    assert not compare(project, ["microneedling"], patient, TODAY, options, made)
    assert name in pdf_pages(made[0].pdf)[0]


# 19: no log line names the patient, after a sheet made through the whole desk flow; and a
# Patient's repr hides its details.
def test_a_desk_sheet_made_end_to_end_logs_no_name(client, caplog):
    from .test_web import desk_sheet

    caplog.set_level(logging.DEBUG)
    desk_sheet(client, policy="microneedling", name="Quillon Zebrafeather", provider="Dr. Xyq")
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.args!r}" for r in caplog.records)
    assert "POST / 303" in logged  # the desk's lines are there
    for secret in ("Quillon", "Zebrafeather", "Xyq"):
        assert secret not in logged


def test_a_patients_repr_hides_the_name_and_provider():
    patient = patient_module.make("Quillon Zebrafeather", "2026-11-23", "Dr. Xyq")
    for shown in (repr(patient), str(patient), f"{patient!r}", repr([patient])):
        assert "Quillon" not in shown and "Xyq" not in shown and "2026" not in shown


# 20: the reprint and look-up forms need the session's CSRF token.
@pytest.fixture
def registered(live_content, pool, register):
    from generator.web.app import create_app

    return create_app(live_content, pool, register=register).test_client()


def test_reprint_and_lookup_refuse_a_form_without_its_csrf_token(registered):
    sheet_id = registered.post("/api/sheets", json=SHEET).headers["X-Sheet-Id"]
    form = {"id": sheet_id, "name": NAME, "provider": PROVIDER}
    for csrf in ("", "forged-token"):
        reprint = registered.post("/reprint", data={**form, "csrf": csrf})
        assert reprint.status_code == 400 and "Location" not in reprint.headers
        lookup = registered.post("/lookup", data={"name": NAME, "csrf": csrf})
        assert lookup.status_code == 400 and sheet_id not in lookup.get_data(as_text=True)
    good = registered.post("/reprint", data={**form, "csrf": csrf_of(registered)})
    assert good.status_code == 303  # the same form with the token is served


# 21: behind a trusted proxy, wrong guesses are counted for the address the proxy added (the
# last X-Forwarded-For entry), not for whatever the client wrote first.
def test_the_guess_throttle_keys_on_the_address_the_trusted_proxy_added(live_content, pool):
    from generator.web.app import create_app

    app = create_app(live_content, pool, token=TOKEN, trusted_proxies=("127.0.0.1",))
    client = app.test_client()

    def guess(first: str, last: str):
        headers = {"Authorization": "Bearer wrong", "X-Forwarded-For": f"{first}, {last}"}
        return client.get("/api/policies", headers=headers)

    for number in range(5):
        assert guess(f"198.51.100.{number}", "203.0.113.7").status_code == 401
    assert guess("198.51.100.99", "203.0.113.7").status_code == 429  # a new first entry: still
    assert guess("198.51.100.1", "203.0.113.8").status_code == 401  # another client: not yet


# 22: what staff and auditors see of an entry carries no digest of a name or provider.
def test_an_entry_shown_carries_no_digest_of_the_name_or_provider(registered, register, run):
    sheet_id = registered.post("/api/sheets", json=SHEET).headers["X-Sheet-Id"]
    entry = register.get(sheet_id)
    digests = [entry.name_hmac, entry.name_exact, entry.provider_hmac, entry.provider_exact]
    assert all(digests)
    shown = json.dumps(entry.public())
    api = registered.get(f"/api/sheets/{sheet_id}").get_data(as_text=True)
    cli = run("register", "show", sheet_id, "--database", register.url).out
    for text in (shown, api, cli):
        for digest in digests:
            assert digest not in text and digest[:16] not in text
    assert not {"name_hmac", "name_exact", "provider_hmac", "provider_exact"} & set(entry.public())


# 23: no sheet leaves without its register entry: not the CLI's file, not the desk's PDF.
def test_the_sheet_command_keeps_no_file_when_its_entry_fails(run, tmp_path, monkeypatch):
    def fails(self, entry, files):
        raise register_module.AftercareError("the register cannot be written (test)")

    monkeypatch.setattr(register_module.Register, "record", fails)
    out = tmp_path / "sheet.pdf"
    result = run("sheet", "microneedling", "--name", NAME, "--out", out,
                 "--database", f"sqlite:///{tmp_path / 'r.sqlite3'}")  # fmt: skip
    assert result.code != 0 and "the register cannot be written (test)" in result.err
    assert not out.exists() and list(tmp_path.glob("*.pdf")) == []


def test_the_desk_serves_no_pdf_without_its_entry(registered, monkeypatch):
    response = registered.post(
        "/",
        data={"csrf": csrf_of(registered), "policy": "microneedling", "name": NAME,
              "when": "today"},
    )  # fmt: skip
    location = response.headers["Location"]

    def fails(self, entry, files):
        raise register_module.AftercareError("the register cannot be written (test)")

    monkeypatch.setattr(register_module.Register, "record", fails)
    for way in ("sheet.pdf", "download"):
        pdf = registered.get(f"{location}/{way}")
        assert pdf.status_code == 503 and pdf.headers["Retry-After"]
        assert not pdf.data.startswith(b"%PDF")


# 25: markup in a name prints as text on page 1 (the header of page 2 printing it as text
# does not count).
def test_markup_in_a_name_prints_literally_on_page_1(project):
    patient = patient_module.make("Ann <b>Bold</b> & Co", "2026-11-23", "<i>X</i>")
    pages = pdf_pages(project.render("microneedling", patient, TODAY).pdf)
    assert "Ann <b>Bold</b> & Co" in pages[0] and "<i>X</i>" in pages[0]
    assert re.search(r"Ann <b>Bold</b> & Co", pages[0])


# Survivors of `make mutate`, killed.
def test_a_name_too_long_says_how_long_it_is_and_the_most():
    with pytest.raises(patient_module.AftercareError) as refused:
        patient_module.clean_text("x" * 201, "name", True)
    assert str(refused.value) == "name: is 201 characters long; at most 200"


def test_a_file_lost_from_the_archive_is_named_by_its_digest(register):
    with pytest.raises(register_module.AftercareError) as lost:
        register.archived("0123456789abcdef" * 4)
    assert str(lost.value) == "the register's archive has lost file 0123456789ab"


def test_a_language_named_alone_in_a_message_is_named_in_the_desks_language(client):
    from flask import g

    from generator.web.messages import _language_list

    with client.application.test_request_context("/"):
        g.desk_language = "es"
        assert _language_list("English") == "inglés"
        assert _language_list("Spanish (es), Arabic (ar)") == "español (es), árabe (ar)"
        assert _language_list("Klingon") == "Klingon"  # not a language name: as it is


def test_a_desk_sheet_past_the_time_limit_is_a_503_with_retry_after(client, pool, monkeypatch):
    monkeypatch.setattr(pool, "timeout", 0.001)
    response = client.post(
        "/",
        data={"csrf": csrf_of(client), "policy": "microneedling", "name": NAME, "when": "today"},
    )
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert "the sheet took longer than the time limit. Try again." in response.get_data(
        as_text=True
    )


def test_a_translation_with_fewer_phases_than_its_source_is_a_problem(synthetic_content):
    from generator.content.live import LiveContent

    from .test_languages import SLUG, add_translation

    fewer = "  - label: Días 3+\n    start: 3\n    section: lorem-despues\n"
    path = add_translation(synthetic_content, "es", **{fewer: ""})
    assert "Días 3+" not in path.read_text().split("---")[1]
    content = LiveContent(synthetic_content).current()
    assert content.languages(SLUG) == ["en"]
    messages = [str(p.problem) for p in content.problems]
    assert any("has 2 phases; the source (example-procedure.md) has 3" in m for m in messages)


# The API description's text rules (patient.text_patterns): the last code point is refused as
# the server refuses it, and each character of the Basic Multilingual Plane is spelled as an
# escape, so that a reader of the description sees no invisible joiner or combining mark.
def test_the_api_description_refuses_the_last_code_point_as_the_server_does():
    from .test_openapi import RULES, accepted, schema_accepts

    for text in ("Jane Doe\U0010ffff", "Jane Doe\U0010fffe", "\x00Jane Doe"):
        for field, required in (("name", True), ("provider", False)):
            assert not accepted(patient_module.clean_text, text, field, required)
            assert not schema_accepts(RULES[field], text), (field, f"U+{ord(text[-1]):04X}")
    assert schema_accepts(RULES["name"], "Jane Doe\U0001f469")  # an astral letter is taken


def test_the_api_descriptions_text_rules_spell_each_bmp_character_as_an_escape():
    from .test_openapi import RULES

    for field in ("name", "provider"):
        pattern = RULES[field]["pattern"]
        shown = [char for char in pattern if not (char.isascii() and char.isprintable())]
        assert shown and all(ord(char) > 0xFFFF for char in shown), field
        assert "\\u200D" in pattern and "\\u0300" in pattern  # a joiner, a combining mark


# The desk (survivors of make mutate in desk.py): only Today's own value means Today; the PDF
# names the sheet ID printed on it; a form back with a problem keeps the language chosen.
def test_a_when_other_than_today_takes_the_typed_date(client):
    # "upcoming": a value the desk's own page never sends; not "today", so another day
    made = client.post(
        "/",
        data={"csrf": csrf_of(client), "policy": "microneedling", "name": NAME,
              "date": "2026-11-23", "when": "upcoming", "confirm_date": "on"},
    )  # fmt: skip
    assert made.status_code == 303, made.get_data(as_text=True)[-300:]
    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", client.get(made.headers["Location"]).text))
    assert "Procedure date Monday, November 23, 2026" in page


def test_the_desks_pdf_carries_the_sheet_id_printed_on_it(client, registered):
    for desk in (registered, client):  # with a register, and without one (no ID)
        made = desk.post(
            "/",
            data={"csrf": csrf_of(desk), "policy": "microneedling", "name": NAME,
                  "when": "today"},
        )  # fmt: skip
        for way in ("sheet.pdf", "download"):
            pdf = desk.get(f"{made.headers['Location']}/{way}")
            assert pdf.status_code == 200
            printed = set(re.findall(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}\b", pdf_text(pdf.data)))
            assert printed == ({pdf.headers["X-Sheet-Id"]} if desk is registered else set())
            assert desk is registered or "X-Sheet-Id" not in pdf.headers


def test_a_form_back_with_a_problem_keeps_the_language_chosen(synthetic_content, pool):
    from generator.content.live import LiveContent
    from generator.web.app import create_app

    from .test_languages import SLUG, add_translation

    add_translation(synthetic_content, "es")
    desk = create_app(LiveContent(synthetic_content, interval=0), pool).test_client()
    page = desk.post(
        "/", data={"csrf": csrf_of(desk), "policy": SLUG, "name": "", "when": "today", "lang": "es"}
    )
    text = page.get_data(as_text=True)
    assert page.status_code == 422 and 'id="name-error"' in text
    assert '<option value="es" lang="es" selected>' in text


# Reuse (survivors of make mutate in reuse.py): a provider too long for one line on page 1 (the
# only line it has: no running header checks it too) is never cut to its first line.
def test_a_provider_too_long_for_one_line_reads_whole(reuse_project):
    provider = "Dr. Bartholomew Featherstonehaugh-Cholmondeley of Westminster"
    patient = patient_module.make("Jane Doe", "2026-11-23", provider)
    made: list = []
    options = Options(sheet_id="7K3Q-M2XD")
    assert not compare(reuse_project, ["microneedling"], patient, TODAY, options, made)
    assert provider in pdf_pages(made[0].pdf)[0]


# The register (survivors of make mutate in register.py): a register busy while it is made
# (several desks starting at once) is tried five times before the desk is told it is locked.
def test_a_register_refused_four_times_opens_and_five_times_is_locked(tmp_path, monkeypatch):
    import sqlalchemy as sa

    create_all = register_module.metadata.create_all
    calls: list[int] = []

    def refusing(times: int):
        def create(*args, **kwargs):
            calls.append(1)
            if len(calls) <= times:
                raise sa.exc.OperationalError("CREATE TABLE", {}, Exception("database is locked"))
            return create_all(*args, **kwargs)

        return create

    monkeypatch.setattr(register_module.time, "sleep", lambda seconds: None)
    monkeypatch.setattr(register_module.metadata, "create_all", refusing(4))
    opened = register_module.Register(f"sqlite:///{tmp_path / 'a.sqlite3'}", b"k" * 32)
    opened.dispose()
    assert len(calls) == 5
    calls.clear()
    monkeypatch.setattr(register_module.metadata, "create_all", refusing(5))
    with pytest.raises(register_module.AftercareError) as locked:
        register_module.Register(f"sqlite:///{tmp_path / 'b.sqlite3'}", b"k" * 32)
    assert len(calls) == 5 and "locked" in str(locked.value)
