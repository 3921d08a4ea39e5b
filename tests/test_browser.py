"""The online page in headless Chromium: dated view from the fragment, no-JS view, phone width,
calendar file, and an axe-core accessibility check."""

import functools
import shutil
import threading
from datetime import date, timedelta
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from generator.site import build_site

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def server(project, tmp_path_factory):
    """The built site served on loopback; requests are recorded."""
    folder = tmp_path_factory.mktemp("site")
    build_site(project, folder)
    requests = []

    class Handler(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            requests.append(self.requestline)

    handler = functools.partial(Handler, directory=str(folder))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_port}", requests
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    assert shutil.which(CHROMIUM), "Chromium is missing: run `make setup-test`"
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def open_page(browser, url, javascript=True):
    context = browser.new_context(
        viewport={"width": 375, "height": 800},
        java_script_enabled=javascript,
        accept_downloads=True,
    )
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(url)
    return page, errors


def phase_texts(page):
    return [t.strip() for t in page.locator(".phase .phase-when").all_inner_texts()]


def test_fragment_date_shows_the_dated_plan(browser, server):
    base, requests = server
    page, errors = open_page(browser, f"{base}/microneedling/index.html#d=2026-11-23")
    assert phase_texts(page) == [
        "Mon, Nov 23",
        "Tue, Nov 24",
        "Wed, Nov 25 – Mon, Nov 30",
        "from Mon, Nov 30",
    ]
    assert "Monday, November 23, 2026" in page.inner_text("#status")
    assert page.locator("#days-2-7 .part-when").inner_text() == "Wed, Nov 25 – Mon, Nov 30"
    assert errors == []
    assert not any("2026-11-23" in line for line in requests)  # the fragment never left


def test_where_the_patient_is_today_is_highlighted(browser, server):
    base, _ = server
    procedure = date.today() - timedelta(days=3)
    page, errors = open_page(browser, f"{base}/microneedling/index.html#d={procedure}")
    assert "Today: Day 3 – Days 2-7" in page.inner_text("#status")
    assert page.locator(".phase.current").all_inner_texts()[0].split("\n")[1] == "Days 2-7"
    assert page.locator('[aria-current="step"]').count() == 1
    assert errors == []


def test_a_date_typed_in_the_form_dates_the_plan(browser, server):
    base, _ = server
    page, errors = open_page(browser, f"{base}/microneedling/index.html")
    assert phase_texts(page) == ["Day 0", "Day 1", "Days 2–7", "Day 7 onward"]
    assert page.locator("#add-to-calendar").is_hidden()
    page.fill("#procedure-date", "2028-02-26")
    page.click("text=Show my dates")
    assert page.url.endswith("#d=2028-02-26")
    assert phase_texts(page)[2] == "Mon, Feb 28 – Sat, Mar 4"
    assert errors == []


def test_a_bad_fragment_falls_back_to_day_numbers(browser, server):
    base, _ = server
    page, errors = open_page(browser, f"{base}/microneedling/index.html#d=2026-02-30")
    assert phase_texts(page) == ["Day 0", "Day 1", "Days 2–7", "Day 7 onward"]
    assert page.locator("#status").is_hidden()
    assert errors == []


def test_without_javascript_the_plan_is_by_day_numbers(browser, server):
    base, _ = server
    page, _ = open_page(browser, f"{base}/microneedling/index.html#d=2026-11-23", javascript=False)
    assert phase_texts(page) == ["Day 0", "Day 1", "Days 2–7", "Day 7 onward"]
    assert "Nov 24" not in page.inner_text("main")


def test_readable_at_phone_width_without_sideways_scrolling(browser, server):
    base, _ = server
    for path in ("index.html", "microneedling/index.html#d=2026-12-28"):
        page, _ = open_page(browser, f"{base}/{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 16


def test_add_to_calendar_downloads_an_ics_built_in_the_browser(browser, server):
    base, requests = server
    page, errors = open_page(browser, f"{base}/microneedling/index.html#d=2026-12-28")
    with page.expect_download() as info:
        page.click("#add-to-calendar")
    text = info.value.path().read_bytes().decode("utf-8")
    assert info.value.suggested_filename == "microneedling-plan.ics"
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.count("BEGIN:VEVENT") == 4
    assert "DTSTART;VALUE=DATE:20261230\r\nDTEND;VALUE=DATE:20270105" in text
    assert "SUMMARY:Days 7+: Micro-Needling Post Procedure" in text
    assert not any(".ics" in line or "2026" in line for line in requests)  # built in the browser
    assert errors == []


def test_no_serious_or_critical_accessibility_violations(browser, server):
    axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")
    base, _ = server
    for path in ("index.html", "microneedling/index.html", "microneedling/index.html#d=2026-11-23"):
        page, _ = open_page(browser, f"{base}/{path}")
        results = axe_module.Axe().run(page)
        violations = results.response["violations"]
        assert results.response["passes"], "axe ran no checks"
        bad = [(v["id"], v["impact"]) for v in violations if v["impact"] in ("serious", "critical")]
        assert bad == [], path
