"""The desk in headless Chromium, served by waitress as in production."""

import threading
from datetime import date

import pytest
import waitress

from generator.web import create_app

from .conftest import pdf_text
from .test_browser import ARGS, CHROMIUM

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


def test_keyboard_only_fill_submit_and_get_the_pdf(page):
    captured = {}

    def keep_post_response(route):
        if route.request.method != "POST":
            return route.continue_()
        response = route.fetch()
        captured["response"], captured["body"] = response, response.body()
        return route.fulfill(response=response)

    page.route("**/*", keep_post_response)
    assert page.evaluate("document.activeElement.id") == "name"  # the name field has focus
    page.keyboard.type("Nguyễn Thị Lorem")
    assert page.input_value("#date") == date.today().isoformat()
    for _ in range(6):  # through the date's month, day and year parts to the provider
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "provider":
            break
    assert page.evaluate("document.activeElement.id") == "provider"
    page.keyboard.type("Dr. Ipsum")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    response = captured["response"]  # what the server sent; Chromium shows it in its viewer
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline;")
    assert "Nguyễn Thị Lorem" in pdf_text(captured["body"])


def test_an_invalid_date_shows_its_error_beside_the_field(page):
    page.fill("#name", "Jane Doe")
    page.evaluate("document.getElementById('date').type = 'text'")  # type what a date box can't
    page.fill("#date", "2026-13-40")
    page.click("text=Create PDF")
    error = page.locator("#date-error")
    assert error.inner_text().startswith("Procedure date")
    assert page.get_attribute("#date", "aria-describedby") == "date-error"
    assert page.input_value("#name") == "Jane Doe"
