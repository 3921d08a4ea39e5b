"""The desk in headless Chromium, served by waitress as in production."""

import threading
from urllib.parse import urljoin

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
