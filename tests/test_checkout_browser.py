"""Checkout in fewer steps, in headless Chromium against waitress (issue 24): with a print queue
a patient is the name and Enter, and the sheet arrives at CUPS (tests/cups.py) once; without
one, focus goes Print, then Next patient; Back and "Correct and print again" return the form;
downloads are named by procedure, date and sheet ID; staff see one plain line, not file paths;
a refused procedure is in the menu, disabled, with why."""

from __future__ import annotations

import re
import shutil
import threading
from datetime import date

import pytest
import waitress

from generator.content.live import LiveContent
from generator.paths import CONTENT
from generator.record.register import Register
from generator.web.app import create_app

from . import cups
from .test_browser import ARGS, CHROMIUM
from .test_live import EXAMPLE, LOREM

pytestmark = pytest.mark.browser
NAMES = ["Maria Garcia", "Ana Lopez", "Ben Uno"]


SERVERS: list = []  # closed when the module's tests are done (as test_desk_browser's)


def serve(app) -> str:
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    SERVERS.append(server)
    return f"http://127.0.0.1:{server.effective_port}"


@pytest.fixture(scope="module", autouse=True)
def close_servers():
    yield
    while SERVERS:
        SERVERS.pop().close()


def submitted(page, previous: str) -> None:
    """Wait for the new result page after the form was sent from `previous`."""
    page.wait_for_url(lambda url: "/sheets/" in url and url != previous)
    page.wait_for_load_state()


@pytest.fixture(scope="module")
def printer(monkeypatch_module):
    why = cups.missing()
    if why:
        pytest.skip(why)
    with cups.temporary_server() as running:
        running.add_queue("FrontDesk")
        monkeypatch_module.setenv("CUPS_SERVER", running.server)
        yield running


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def desk_app(folder, pool, queue=None, register=None):
    return create_app(LiveContent(folder), pool, register=register, print_queue=queue)


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    folder = tmp_path_factory.mktemp("shipped") / "content"
    shutil.copytree(CONTENT, folder)
    register = Register(f"sqlite:///{folder.parent / 'r.sqlite3'}", b"k" * 32)
    yield folder, register
    register.dispose()


@pytest.fixture
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


def focused(page) -> str:
    return page.evaluate("document.activeElement.id")


def test_with_a_queue_each_patient_is_the_name_and_enter(printer, shipped, pool, browser):
    folder, register = shipped
    url = serve(desk_app(folder, pool, "FrontDesk", register))
    page = browser.new_page(viewport={"width": 1024, "height": 768})
    page.goto(url + "/")
    presses = []
    for name in NAMES:
        assert focused(page) == "name" and page.input_value("#name") == ""
        before = len(presses)
        for key in name:
            page.keyboard.press(key if key != " " else "Space")
            presses.append(key)
        previous = page.url
        page.keyboard.press("Enter")
        presses.append("Enter")
        submitted(page, previous)
        assert len(presses) - before == len(name) + 1  # the name and one key
        assert re.fullmatch(r"Printing on FrontDesk \(job \d+\)", page.inner_text("h1"))
        assert name in page.inner_text(".summary")
    assert len(presses) == sum(len(n) + 1 for n in NAMES)
    texts = printer.texts("FrontDesk", len(NAMES))
    assert len(texts) == len(NAMES)
    for name, text in zip(NAMES, texts, strict=True):  # in order, each once
        assert name in text
    for _ in range(100):  # the page asks CUPS again until the job is done
        if page.inner_text("#job-state") == "printed":
            break
        page.wait_for_timeout(100)
    assert page.inner_text("#job-state") == "printed"


def test_without_a_queue_focus_is_print_then_next_and_back_keeps_the_form(shipped, pool, browser):
    folder, register = shipped
    url = serve(desk_app(folder, pool, None, register))
    page = browser.new_page(viewport={"width": 1024, "height": 768})
    page.goto(url + "/")
    page.fill("#provider", "Dr. Rivera")
    page.focus("#name")
    page.keyboard.type("Maria Garcia")
    page.keyboard.press("Enter")
    submitted(page, page.url)
    assert focused(page) == "print"
    assert "Dr. Rivera" in page.inner_text(".summary")
    assert "English" in page.inner_text(".summary")
    with page.expect_popup() as opened:
        page.keyboard.press("Enter")  # Print opens the PDF in a tab
    opened.value.close()
    assert focused(page) == "next-patient"
    with page.expect_download() as download:
        page.click("text=Download")
    sheet_id = re.search(r"Sheet ID\s+([0-9A-Z]{4}-[0-9A-Z]{4})", page.inner_text(".summary"))
    today = date.today().isoformat()
    assert download.value.suggested_filename == f"microneedling-{today}-{sheet_id[1]}.pdf"
    result = page.url
    page.go_back()  # the browser's Back: the form as it was sent
    assert page.input_value("#name") == "Maria Garcia"
    assert page.input_value("#provider") == "Dr. Rivera"
    page.goto(result)
    with page.expect_navigation():
        page.click("text=Correct and print again")
    assert page.input_value("#name") == "Maria Garcia" and focused(page) == "name"


@pytest.fixture(scope="module")
def refusing(tmp_path_factory):
    """Two synthetic procedures, one overdue for review at a clinic that refuses those."""
    folder = tmp_path_factory.mktemp("refusing") / "content"
    folder.mkdir()
    toml = (CONTENT / "clinic.toml").read_text()
    (folder / "clinic.toml").write_text('overdue_review = "refuse"\n' + toml)
    shutil.copy(CONTENT / "harbor-logo.svg", folder)
    (folder / "example-procedure.md").write_text(EXAMPLE)
    overdue = LOREM.replace('version: "0.9"', 'version: "0.9"\nreview_due: 2020-01-01', 1)
    (folder / "lorem-care.md").write_text(overdue)
    return folder


def test_staff_see_one_plain_line_and_the_refused_procedure_disabled(refusing, pool, browser):
    url = serve(desk_app(refusing, pool))
    page = browser.new_page(viewport={"width": 1024, "height": 768})
    page.goto(url + "/")
    notice = page.inner_text(".content-notice")
    assert notice.startswith("1 procedure is not available today; the clinic's manager")
    assert "\n" not in notice.strip() and "/" not in notice and ".md" not in notice
    assert page.locator(".content-notice").bounding_box()["height"] < 60  # one line
    option = page.locator("#policy option[value='lorem-care']")
    assert option.is_disabled()
    assert option.inner_text() == "Lorem Care (review overdue)"
    assert page.locator("#name").bounding_box()["y"] < 768  # the name field on screen
    page.goto(url + "/manage")
    assert "lorem-care.md" in page.inner_text("main")  # the file, for the manager
