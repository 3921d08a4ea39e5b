"""Checkout without slips: no procedure chosen for staff, dates that are said in words and
questioned when far off, every problem at once, and a result page to check before printing.
Synthetic policies only."""

from __future__ import annotations

import io
import re
import time
from datetime import date, timedelta

import pytest
from PIL import Image

from generator.content.live import LiveContent
from generator.parallel.desk_pool import RenderPool
from generator.record.register import Register
from generator.sheet.schedule import Dates
from generator.web.app import create_app
from generator.web.state import SESSION_HOURS

from .conftest import pdf_pages
from .test_live import make_content
from .test_web import csrf_of


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    folder = make_content(tmp_path_factory.mktemp("checkout") / "content")
    pool = RenderPool(folder, size=1, timeout=60)
    yield create_app(LiveContent(folder), pool)
    pool.close()


@pytest.fixture
def client(app):
    return app.test_client()


def submit(client, **fields):
    return client.post("/", data={"csrf": csrf_of(client), **fields})


def error_of(page: str, field: str) -> str:
    return page.split(f'id="{field}-error">', 1)[1].split("</p>", 1)[0]


def words(day: date) -> str:
    return Dates("en_US").long(day)


def test_with_two_procedures_none_is_chosen_and_focus_starts_there(client):
    page = client.get("/").get_data(as_text=True)
    assert '<option value="" selected>Choose the procedure…</option>' in page
    assert re.search(r'<select id="policy" name="policy" autofocus>', page)
    assert 'id="name" name="name" type="text" autocomplete="off" spellcheck="false"\n' in page
    assert "maxlength" not in page  # a long name is an error, never silently cut


def test_every_problem_is_shown_at_once_beside_its_field(client):
    response = submit(client, name="", when="other", date="", provider="Dr. \u202eX")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Please fix 4 things below." in page
    assert error_of(page, "policy") == "Procedure: choose a procedure"
    assert error_of(page, "name") == "Patient name must not be empty"
    assert error_of(page, "date") == "Procedure date is missing: enter the date, or choose Today"
    assert "U+202E" in error_of(page, "provider")
    assert 'id="when-other" name="when" type="radio" value="other" checked' in page


def test_a_long_name_is_an_error_with_the_input_kept(client):
    name = "Lorem " * 42
    page = submit(client, policy="lorem-care", name=name, when="today").get_data(as_text=True)
    assert error_of(page, "name") == "Patient name is 252 characters long; at most 200"
    assert f'value="{name}"' in page


def test_today_means_the_moment_of_submitting(client):
    response = submit(client, policy="lorem-care", name="Ann Lorem", when="today", date="")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"<dd>{words(date.today())}</dd>" in page


@pytest.mark.parametrize("days", [45, -31, 400])
def test_a_date_far_from_today_needs_a_tick(client, days):
    day = date.today() + timedelta(days=days)
    fields = {"policy": "lorem-care", "name": "Ann Lorem", "when": "other", "date": str(day)}
    response = submit(client, **fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    side = "after" if days > 0 else "before"
    assert error_of(page, "date") == (
        f"Procedure date is {words(day)}, {abs(days)} days {side} today. If that is right, "
        "tick “Yes, this date is right”"
    )
    assert '<label for="confirm_date">Yes, this date is right</label>' in page
    confirmed = submit(client, **fields, confirm_date="on")
    assert confirmed.status_code == 303
    result = client.get(confirmed.headers["Location"]).get_data(as_text=True)
    assert f"<dd>{words(day)}</dd>" in result


def test_a_far_date_is_questioned_alongside_other_problems(client):
    day = date.today() + timedelta(days=95)
    page = submit(client, name="Ann", when="other", date=str(day)).get_data(as_text=True)
    assert "Please fix 2 things below." in page
    assert error_of(page, "policy") == "Procedure: choose a procedure"
    assert error_of(page, "date").startswith(f"Procedure date is {words(day)}, 95 days after")


def test_a_typed_date_with_today_chosen_is_questioned_not_guessed(client):
    day = date.today() + timedelta(days=10)
    response = submit(client, policy="lorem-care", name="Ann", when="today", date=str(day))
    assert response.status_code == 422
    assert error_of(response.get_data(as_text=True), "date") == (
        "Procedure date was typed, but Today is chosen: choose Another day to use the typed "
        "date, or clear it"
    )


def test_within_30_days_no_tick_is_asked(client):
    day = date.today() - timedelta(days=30)
    response = submit(client, policy="lorem-care", name="Ann", when="other", date=str(day))
    assert response.status_code == 303


def test_the_result_page_shows_page_1_and_prints_downloads_and_starts_the_next(client):
    response = submit(
        client, policy="example-procedure", name="Zoë Lorem", when="today", provider="Dr. Ipsum"
    )
    assert response.status_code == 303
    location = response.headers["Location"]
    assert re.fullmatch(r"/sheets/[A-Za-z0-9_-]{24}", location)  # no patient data in the URL
    page = client.get(location).get_data(as_text=True)
    assert "<dd>Zoë Lorem</dd>" in page and "<dd>Example Procedure</dd>" in page
    assert f'href="{location}/sheet.pdf" target="_blank"' in page
    picture = client.get(f"{location}/page-1.png")
    assert picture.mimetype == "image/png"
    image = Image.open(io.BytesIO(picture.data))
    assert abs(image.width / image.height - 8.5 / 11) < 0.01 and image.width >= 800
    pdf = client.get(f"{location}/sheet.pdf")
    assert pdf.headers["Content-Disposition"].startswith("inline;")
    assert "Zoë Lorem" in pdf_pages(pdf.data)[0]
    download = client.get(f"{location}/download")
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.data == pdf.data
    fresh = client.get("/next").get_data(as_text=True)
    assert '<option value="example-procedure" selected>' in fresh
    assert 'value="Dr. Ipsum"' in fresh and "Zoë" not in fresh
    assert re.search(r'id="name" name="name"[^>]*value=""[^>]* autofocus>', fresh)
    assert 'id="when-today" name="when" type="radio" value="today" checked' in fresh


def test_a_result_is_only_for_its_browser_session_and_lasts_as_long_as_it(app, client, monkeypatch):
    location = submit(client, policy="lorem-care", name="Ann", when="today").headers["Location"]
    assert client.get(f"{location}/sheet.pdf").status_code == 200
    stranger = app.test_client()
    assert stranger.get(location).status_code == 404
    assert stranger.get(f"{location}/sheet.pdf").status_code == 404
    start = time.monotonic()
    monkeypatch.setattr("generator.web.state.time.monotonic", lambda: start + 20 * 60)
    assert client.get(f"{location}/sheet.pdf").status_code == 200  # 20 minutes on: still here
    later = start + SESSION_HOURS * 3600 + 1
    monkeypatch.setattr("generator.web.state.time.monotonic", lambda: later)
    gone = client.get(location)
    assert gone.status_code == 404 and "Make it again from the form" in gone.get_data(as_text=True)


def test_an_expired_form_comes_back_with_what_was_typed(client):
    client.get("/")
    response = client.post(
        "/", data={"csrf": "stale", "policy": "lorem-care", "name": "Ann Typed", "when": "today"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "The form had expired" in page
    assert 'value="Ann Typed"' in page and '<option value="lorem-care" selected>' in page


def test_results_expire_from_memory_even_if_never_asked_for_again(app, client, monkeypatch):
    submit(client, policy="lorem-care", name="Ann", when="today")
    results = app.extensions["aftercare"].results
    assert len(results._store._items) >= 1
    later = time.monotonic() + SESSION_HOURS * 3600 + 1
    monkeypatch.setattr("generator.web.state.time.monotonic", lambda: later)
    submit(client, policy="lorem-care", name="Bea", when="today")
    assert [r.name for _, r in results._store._items.values()] == ["Bea"]  # Ann's is gone


def test_a_session_keeps_at_most_its_newest_results(app, client, monkeypatch):
    monkeypatch.setattr(app.extensions["aftercare"].results, "per_session", 2)
    first, second, third = (
        submit(client, policy="lorem-care", name=name, when="today").headers["Location"]
        for name in ("Ann", "Bea", "Cy")
    )
    assert client.get(f"{first}/sheet.pdf").status_code == 404
    assert [client.get(f"{k}/sheet.pdf").status_code for k in (second, third)] == [200, 200]


def test_a_missing_logo_is_a_404_not_a_500(app, client):
    logo = app.extensions["aftercare"].content.current().clinic.logo
    saved = logo.read_bytes()
    logo.unlink()
    try:
        assert client.get("/assets/logo").status_code == 404
    finally:
        logo.write_bytes(saved)


def test_the_desk_wears_the_clinics_colours(client):
    css = client.get("/assets/brand.css").get_data(as_text=True)
    assert css == ":root { --primary: #1f5f5b; --accent: #b5562f; }\n"
    page = client.get("/").get_data(as_text=True)
    assert '<link rel="stylesheet" href="/assets/brand.css">' in page
    assert "outline: 3px solid var(--accent)" in client.get("/assets/desk.css").get_data(
        as_text=True
    )


# ---------- Several procedures on one visit ----------------------------------------------------


def test_a_second_procedure_can_be_chosen_and_starts_empty(client):
    page = client.get("/").get_data(as_text=True)
    assert '<label for="policy-2">Second procedure <span class="optional">(optional)</span>' in page
    assert '<select id="policy-2" name="policy">' in page
    assert '<option value="" selected>None</option>' in page
    assert 'id="policy-3"' not in page  # two policies: a third could only repeat one


def test_two_procedures_make_one_sheet_naming_both(client):
    response = submit(
        client, policy=["example-procedure", "lorem-care"], name="Zoë Lorem", when="today"
    )
    assert response.status_code == 303, response.get_data(as_text=True)[-800:]
    location = response.headers["Location"]
    page = client.get(location).get_data(as_text=True)
    assert "<dt>Procedures</dt><dd>Example Procedure</dd><dd>Lorem Care</dd>" in page
    assert "Zoë Lorem, Example Procedure + Lorem Care," in page  # the preview's alt text
    pdf = client.get(f"{location}/sheet.pdf")
    first = pdf_pages(pdf.data)[0]
    assert "Example Procedure + Lorem Care" in first and "Zoë Lorem" in first
    assert "A Example Procedure A1 Day 0" in first and "B Lorem Care B1 Day 0" in first
    download = client.get(f"{location}/download")
    assert download.headers["Content-Disposition"] == (
        f'attachment; filename="example-procedure+lorem-care-{date.today().isoformat()}.pdf"'
    )
    fresh = client.get("/next").get_data(as_text=True)  # the first procedure is remembered
    assert '<option value="example-procedure" selected>' in fresh
    assert '<option value="lorem-care" selected>' not in fresh
    assert '<option value="" selected>None</option>' in fresh


def test_a_second_procedure_alone_is_the_procedure(client):
    response = submit(client, policy=["", "lorem-care"], name="Ann Lorem", when="today")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<dt>Procedure</dt><dd>Lorem Care</dd>" in page


def test_the_same_procedure_twice_is_shown_at_the_second_with_nothing_lost(client):
    response = submit(
        client,
        policy=["lorem-care", "lorem-care"],
        name="Ann Typed",
        when="today",
        provider="Dr. Ipsum",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Please fix 1 thing below." in page
    assert error_of(page, "policy-2") == (
        "Second procedure: Lorem Care is already chosen above: choose another procedure, or "
        "none here"
    )
    invalid = 'aria-invalid="true" aria-describedby="policy-2-error" autofocus>'
    assert f'<select id="policy-2" name="policy" {invalid}' in page
    assert page.count('<option value="lorem-care" selected>') == 2  # both choices kept
    assert 'value="Ann Typed"' in page and 'value="Dr. Ipsum"' in page


def test_more_than_three_procedures_is_refused_at_the_procedure(client):
    fields = {"policy": ["example-procedure", "lorem-care", "", "example-procedure"]}
    response = submit(client, **fields, name="Ann", when="today")
    assert response.status_code == 422
    assert error_of(response.get_data(as_text=True), "policy") == (
        "Procedure: one sheet is for at most 3 procedures"
    )


def test_reprint_and_look_up_name_every_procedure(app, tmp_path):
    register = Register(f"sqlite:///{tmp_path / 'register.sqlite3'}", b"k" * 32)
    try:
        desk = app.extensions["aftercare"]
        client = create_app(desk.content, desk.pool, register=register).test_client()
        made = submit(client, policy=["lorem-care", "example-procedure"], name="Ann", when="today")
        assert made.status_code == 303
        page = client.get(made.headers["Location"]).get_data(as_text=True)
        [sheet_id] = re.findall(r"<dd>([0-9A-Z]{4}-[0-9A-Z]{4})</dd>", page)
        original = client.get(made.headers["Location"] + "/sheet.pdf").data  # now recorded
        found = client.post("/lookup", data={"csrf": csrf_of(client), "name": "ann"})
        assert (
            f'<tr><td>{sheet_id}</td><td class="procedures">Lorem Care 0.9 +<br>'
            "Example Procedure 0.9</td>"
        ) in found.get_data(as_text=True)
        again = client.post(
            "/reprint", data={"csrf": csrf_of(client), "id": sheet_id, "name": "Ann"}
        )
        assert again.status_code == 303
        result = client.get(again.headers["Location"]).get_data(as_text=True)
        assert "<dt>Procedures</dt><dd>Lorem Care 0.9</dd><dd>Example Procedure 0.9</dd>" in result
        assert client.get(again.headers["Location"] + "/sheet.pdf").data == original
    finally:
        register.dispose()
