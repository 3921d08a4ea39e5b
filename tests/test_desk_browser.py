"""The desk in headless Chromium, served by waitress as in production."""

import threading
from urllib.parse import urljoin

import pytest
import waitress

from generator.content.live import LiveContent
from generator.web.app import create_app

from .conftest import pdf_text
from .test_browser import ARGS, CHROMIUM
from .test_web import visit_content

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def desk(live_content, pool):
    server = waitress.create_server(
        create_app(live_content, pool), host="127.0.0.1", port=0, threads=4
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()


@pytest.fixture
def page(desk):
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 820, "height": 1000})
        page.goto(desk + "/")
        yield page
        browser.close()


def test_keyboard_only_fill_submit_check_page_1_and_get_the_pdf(page):
    assert page.evaluate("document.activeElement.id") == "name"  # the name field has focus
    page.keyboard.type("Nguyễn Thị Lorem")
    assert page.is_checked("#when-today") and page.input_value("#date") == ""
    for _ in range(8):  # past the date choice and the date's parts to the provider
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "provider":
            break
    assert page.evaluate("document.activeElement.id") == "provider"
    page.keyboard.type("Dr. Ipsum")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/sheets/" in page.url  # POST, redirect, GET: reloading never posts again
    assert page.inner_text("h1") == "Sheet ready: check it, then print"
    assert "Nguyễn Thị Lorem" in page.inner_text(".summary")
    assert page.evaluate("document.querySelector('.preview img').naturalWidth") >= 800
    href = page.get_attribute("a:text-is('Print')", "href")
    response = page.request.get(urljoin(page.url, href))
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline;")
    assert "Nguyễn Thị Lorem" in pdf_text(response.body())
    with page.expect_navigation():
        page.click("text=Next patient")
    assert page.evaluate("document.activeElement.id") == "name"
    assert page.input_value("#name") == "" and page.input_value("#provider") == "Dr. Ipsum"


def test_an_invalid_date_shows_its_error_beside_the_field(page):
    page.fill("#name", "Jane Doe")
    page.evaluate("document.getElementById('date').type = 'text'")  # type what a date box can't
    page.check("#when-other")
    page.fill("#date", "2026-13-40")
    page.click("text=Create PDF")
    error = page.locator("#date-error")
    assert error.inner_text().startswith("Procedure date")
    assert page.get_attribute("#date", "aria-describedby") == "date-error"
    assert page.input_value("#name") == "Jane Doe"


@pytest.fixture(scope="module")
def visit_desk(tmp_path_factory, pool):
    """The desk of four synthetic policies, served by waitress."""
    folder = visit_content(tmp_path_factory.mktemp("visit") / "content")
    app = create_app(LiveContent(folder), pool)
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()


def test_two_procedures_of_one_visit_from_the_form_to_the_pdf(visit_desk, tmp_path):
    playwright = pytest.importorskip("playwright.sync_api")
    axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 820, "height": 1200})
        page.goto(visit_desk + "/")
        assert page.evaluate("document.activeElement.id") == "policy"
        labels = page.locator("label[for^='policy']").all_inner_texts()
        assert labels == [
            "Procedure",
            "Second procedure (optional)",
            "Third procedure (optional)",
        ]
        page.select_option("#policy", "lorem-care")
        page.select_option("#policy-2", "lorem-care")  # a slip: the same one twice
        page.fill("#name", "Zoë Lorem")
        page.click("text=Create PDF")
        assert page.inner_text("#policy-2-error").startswith("Second procedure: Lorem Care is")
        assert page.evaluate("document.activeElement.id") == "policy-2"
        assert (
            page.input_value("#name") == "Zoë Lorem" and page.input_value("#policy") == "lorem-care"
        )
        violations = axe_module.Axe().run(page).response["violations"]
        assert [v["id"] for v in violations if v["impact"] in ("serious", "critical")] == []
        page.screenshot(path=str(tmp_path / "desk-twice.png"), full_page=True)
        page.select_option("#policy-2", "example-procedure")
        with page.expect_navigation():
            page.click("text=Create PDF")
        assert page.locator(".summary dd").all_inner_texts()[:3] == [
            "Zoë Lorem",
            "Lorem Care",
            "Example Procedure",
        ]
        assert page.evaluate("document.querySelector('.preview img').naturalWidth") >= 800
        page.screenshot(path=str(tmp_path / "desk-result.png"), full_page=True)
        href = page.get_attribute("a:text-is('Print')", "href")
        text = pdf_text(page.request.get(urljoin(page.url, href)).body())
        assert "Lorem Care + Example Procedure" in text and "Zoë Lorem" in text
        browser.close()


def test_the_language_menu_follows_the_procedures_chosen(visit_desk):
    """desk.js: the menu lists what the server would list for the procedures now chosen,
    without a CSP violation; the page is right without it (tests/test_web.py)."""
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        complaints: list[str] = []
        page.on("console", lambda message: complaints.append(message.text))
        page.on("pageerror", lambda error: complaints.append(str(error)))
        page.goto(visit_desk + "/")

        def menu() -> list[str]:
            return page.locator("#lang option").all_inner_texts()

        def groups() -> list[str]:
            return page.eval_on_selector_all("#lang optgroup", "all => all.map(g => g.label)")

        assert groups() == ["Dolor Care", "Example Procedure", "Ipsum Care", "Lorem Care"]
        page.select_option("#policy", "example-procedure")
        assert (menu(), groups()) == (["The procedure's own", "English", "español (Spanish)"], [])
        assert page.inner_text("#lang-hint") == "The languages Example Procedure can be issued in."
        page.select_option("#lang", "es")
        page.select_option("#policy-2", "lorem-care")  # Lorem Care has no Spanish
        assert menu() == ["The procedure's own", "English"]
        assert page.input_value("#lang") == ""  # the choice it no longer lists is undone
        assert page.inner_text("#lang-hint") == (
            "The languages Example Procedure and Lorem Care can be issued in."
        )
        page.select_option("#policy-2", "")
        page.select_option("#lang", "es")
        page.select_option("#policy", "")
        assert groups() == ["Dolor Care", "Example Procedure", "Ipsum Care", "Lorem Care"]
        assert page.input_value("#lang") == "es"  # still listed, under Example Procedure
        assert page.inner_text("#lang-hint") == (
            "Each procedure lists the languages it can be issued in."
        )
        assert complaints == []
        browser.close()
