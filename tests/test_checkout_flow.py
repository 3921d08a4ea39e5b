"""The forgiving checkout without a printer (issue 24): the same form sent twice is one sheet,
Back (`?draft=`) and "Correct and print again" return the form as sent, the summary names the
provider and language, a form sent after a sign-out in another tab comes back after signing
in, `[printing]` is checked where it is written, and the API's `print` needs a queue."""

from __future__ import annotations

import re
import shutil

import pytest

from generator.content import clinic as clinic_module
from generator.errors import AftercareError
from generator.paths import CONTENT
from generator.record.register import Register
from generator.web.app import create_app

from .test_access import sign_in
from .test_web import TOKEN


@pytest.fixture
def desk(live_content, pool, tmp_path):
    register = Register(f"sqlite:///{tmp_path / 'r.sqlite3'}", b"k" * 32)
    yield create_app(live_content, pool, register=register).test_client()
    register.dispose()


def fields_of(page: str) -> dict[str, str]:
    csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    draft = page.split('name="draft" value="', 1)[1].split('"', 1)[0]
    return {"csrf": csrf, "draft": draft, "policy": "microneedling", "when": "today"}


def test_the_same_form_twice_is_one_sheet_and_back_and_correct_return_it(desk):
    sent = {**fields_of(desk.get("/").get_data(as_text=True)), "name": "Maria Garcia",
            "provider": "Dr. Rivera"}  # fmt: skip
    first = desk.post("/", data=sent)
    again = desk.post("/", data=sent)  # a double Enter, or a retry
    assert first.status_code == again.status_code == 303
    assert again.headers["Location"] == first.headers["Location"]
    result = desk.get(first.headers["Location"]).get_data(as_text=True)
    assert "<dt>Provider</dt><dd>Dr. Rivera</dd>" in result
    assert "<dt>Language</dt><dd>English</dd>" in result
    assert re.search(r'<a class="button" id="print" [^>]*autofocus>Print</a>', result)
    assert 'id="next-patient" href="/next"' in result
    back = desk.get(f"/?draft={sent['draft']}").get_data(as_text=True)  # the browser's Back
    assert 'value="Maria Garcia"' in back and 'value="Dr. Rivera"' in back
    correct = desk.get(f"{first.headers['Location']}/correct").get_data(as_text=True)
    assert 'value="Maria Garcia"' in correct
    fixed = desk.post("/", data={**sent, "name": "María García"})  # corrected: a new sheet
    assert fixed.headers["Location"] != first.headers["Location"]
    other = desk.get("/?draft=someone-elses").get_data(as_text=True)
    assert 'value="Maria Garcia"' not in other  # only this browser's own form comes back


def test_a_form_sent_after_a_sign_out_elsewhere_comes_back_after_signing_in(live_content, pool):
    client = create_app(live_content, pool, token=TOKEN).test_client()
    sign_in(client)
    form = fields_of(client.get("/").get_data(as_text=True))
    client.post("/signout", data={"csrf": form["csrf"]})  # another tab of the same browser
    sent = client.post("/", data={**form, "name": "Maria Garcia", "provider": "Dr. Rivera"})
    assert sent.status_code == 303 and sent.headers["Location"] == "/signin"
    assert "Maria Garcia" not in client.get_cookie("aftercare_session").value
    signin = client.get("/signin").get_data(as_text=True)
    assert "Your form is kept: it comes back after you sign in." in signin
    assert sign_in(client).headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "You were signed out (in another tab, or the session ended)" in page
    assert 'value="Maria Garcia"' in page and 'value="Dr. Rivera"' in page
    assert 'value="Maria Garcia"' not in client.get("/").get_data(as_text=True)  # once


def test_printing_in_clinic_toml_is_checked_with_its_line(tmp_path):
    folder = tmp_path / "content"
    shutil.copytree(CONTENT, folder)
    toml = folder / "clinic.toml"
    toml.write_text(
        toml.read_text() + '\n[printing]\nqueue = "Front Desk"\n[printing.desks]\nup = "Up"\n'
    )
    with pytest.raises(AftercareError) as raised:
        clinic_module.load(toml)
    (problem,) = raised.value.problems
    assert (
        problem.field == "printing.queue" and problem.line == len(toml.read_text().splitlines()) - 2
    )
    assert "must be the name of a CUPS print queue" in problem.message
    toml.write_text(toml.read_text().replace('"Front Desk"', '"FrontDesk"'))
    printing = clinic_module.load(toml).printing
    assert printing.queue == "FrontDesk" and printing.queue_for("up") == "Up"


def test_the_api_refuses_print_without_a_queue(desk):
    body = {"policy": "microneedling", "name": "Maria Garcia", "print": True}
    answer = desk.post("/api/sheets", json=body)
    assert answer.status_code == 422 and answer.json["field"] == "print"
    assert "names no print queue" in answer.json["error"]
    plain = desk.post("/api/sheets", json={**body, "print": False})
    assert plain.status_code == 200 and "X-Print-Job" not in plain.headers
