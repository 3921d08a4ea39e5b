"""The online page in headless Chromium: dated view from the fragment, no-JS view, phone width,
calendar file, and an axe-core accessibility check."""

import contextlib
import functools
import re
import shutil
import threading
from datetime import date, timedelta
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from generator.commands.site import build_site
from generator.paths import CONTENT
from generator.project import Project
from generator.sheet import visit_code

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


@contextlib.contextmanager
def serve(folder):
    """`folder` served on loopback: yields the base URL and the list of requests made."""
    requests = []

    class Handler(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            requests.append(self.requestline)

    handler = functools.partial(Handler, directory=str(folder))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}", requests
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def server(project, tmp_path_factory):
    """The built site served on loopback; requests are recorded."""
    folder = tmp_path_factory.mktemp("site")
    build_site(project, folder)
    with serve(folder) as served:
        yield served


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


@pytest.mark.parametrize(
    "day", ["20261123", "2026-11-23"], ids=["compact, as sheets print it", "as older sheets did"]
)
def test_fragment_date_shows_the_dated_plan(browser, server, day):
    base, requests = server
    page, errors = open_page(browser, f"{base}/microneedling/index.html#d={day}")
    assert phase_texts(page) == [
        "Mon, Nov 23",
        "Tue, Nov 24",
        "Wed, Nov 25 – Mon, Nov 30",
        "from Mon, Nov 30",
    ]
    assert "Monday, November 23, 2026" in page.inner_text("#status")
    assert page.locator("#days-2-7 .part-when").inner_text() == "Wed, Nov 25 – Mon, Nov 30"
    assert errors == []
    assert not any(day in line for line in requests)  # the fragment never left


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
    assert page.url.endswith("#d=20280226")
    assert phase_texts(page)[2] == "Mon, Feb 28 – Sat, Mar 4"
    assert errors == []


@pytest.mark.parametrize("day", ["2026-02-30", "20260230", "2026-1123", "202611230"])
def test_a_bad_fragment_falls_back_to_day_numbers(browser, server, day):
    base, _ = server
    page, errors = open_page(browser, f"{base}/microneedling/index.html#d={day}")
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
    assert "SUMMARY:Days 2-7: Micro-Needling Post Procedure" in text
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


def test_a_phase_link_keeps_the_date_in_the_address(browser, server):
    base, _ = server
    page, errors = open_page(browser, f"{base}/microneedling/index.html#d=2026-11-23")
    dated = phase_texts(page)
    assert dated[0] == "Mon, Nov 23"
    link = page.locator("a.phase-label").nth(2)
    section = link.get_attribute("href").removeprefix("#")
    link.click()
    assert page.url.endswith("#d=2026-11-23")
    assert phase_texts(page) == dated
    top = page.evaluate(f"document.getElementById('{section}').getBoundingClientRect().top")
    assert 0 <= top <= 100  # the section is at the top of the screen
    assert page.evaluate("document.activeElement.id") == section  # and has the focus
    page.reload()
    assert page.url.endswith("#d=2026-11-23")
    assert phase_texts(page) == dated
    assert errors == []


def test_the_skip_link_keeps_the_date_and_moves_the_focus(browser, server):
    base, _ = server
    page, errors = open_page(browser, f"{base}/microneedling/index.html#d=2026-11-23")
    page.keyboard.press("Tab")
    assert page.locator("a.skip").evaluate("link => link === document.activeElement")
    page.keyboard.press("Enter")
    assert page.url.endswith("#d=2026-11-23")
    assert page.evaluate("document.activeElement.id") == "main"
    assert phase_texts(page)[0] == "Mon, Nov 23"
    assert errors == []


def test_without_javascript_the_date_form_and_calendar_button_are_hidden(browser, server):
    base, _ = server
    page, _ = open_page(browser, f"{base}/microneedling/index.html", javascript=False)
    assert page.locator("#date-form").is_hidden()
    assert page.get_by_text("Show my dates").is_hidden()
    assert page.get_by_text("Your procedure date").is_hidden()
    assert page.locator("#add-to-calendar").is_hidden()
    assert "Day 0 is the day of your procedure" in page.inner_text(".plan")  # the <noscript> note


def download_calendar(page) -> bytes:
    with page.expect_download() as info:
        page.click("#add-to-calendar")
    return info.value.path().read_bytes()


def calendar_events(text: str) -> list[dict[str, str]]:
    """Each VEVENT as {property name: raw value}, after unfolding the lines."""
    events, event = [], None
    for line in text.replace("\r\n ", "").split("\r\n"):
        if line == "BEGIN:VEVENT":
            event = {}
        elif line == "END:VEVENT":
            events.append(event)
            event = None
        elif event is not None:
            name, _, value = line.partition(":")
            event[name.split(";")[0]] = value
    return events


def unescape(value: str) -> str:
    """An RFC 5545 TEXT value as a calendar app shows it."""
    return re.sub(r"\\(.)", lambda m: "\n" if m[1] in "nN" else m[1], value)


def ics_escape(text: str) -> str:
    return re.sub(r"[\\;,]", lambda m: "\\" + m[0], text).replace("\n", "\\n")


def assert_folded(raw: bytes):
    """Lines of at most 75 octets, none cut inside a UTF-8 character."""
    assert raw.endswith(b"\r\n")
    for line in raw.split(b"\r\n"):
        assert len(line) <= 75, line
        line.decode("utf-8")  # strict: a cut character would not decode
    assert "\ufffd" not in raw.decode("utf-8")


def test_calendar_events_carry_their_phase_the_clinic_phone_and_the_dated_page(browser, server):
    base, _ = server
    page, errors = open_page(browser, f"{base}/microneedling/index.html#d=2026-12-28")
    raw = download_calendar(page)
    events = calendar_events(raw.decode("utf-8"))
    url = "https://harborskin.example/aftercare/microneedling/#d=20261228"
    labels = ["Day of procedure", "Day 1", "Days 2-7", "Days 7+"]
    assert len(events) == len(labels)
    for label, event in zip(labels, events, strict=True):
        description = unescape(event["DESCRIPTION"])
        assert unescape(event["SUMMARY"]).startswith(label)
        assert label in description
        assert "Questions: call (555) 010-4400" in description
        assert url in description
        assert event["URL"] == url
    assert_folded(raw)
    assert errors == []


def test_calendar_text_is_escaped_and_long_lines_are_folded(browser, synthetic_content, tmp_path):
    procedure = synthetic_content / "example-procedure.md"
    title = r"Peel, laser; mask \ Café crème après-soin — a long title that must be folded 🌿"
    text = procedure.read_text()
    text = text.replace("title: Example Procedure", f"title: '{title}'")
    text = text.replace("- label: Days 1-3", "- label: 'Days 1-3, gently; früh'")
    procedure.write_text(text)
    clinic = synthetic_content / "clinic.toml"
    phone = "(555) 010-4400; ext. 7, ask for Zoë"
    clinic.write_text(clinic.read_text().replace('phone = "(555) 010-4400"', f'phone = "{phone}"'))
    build_site(Project(synthetic_content), tmp_path / "site")
    with serve(tmp_path / "site") as (base, _):
        page, errors = open_page(browser, f"{base}/example-procedure/index.html#d=2026-12-28")
        raw = download_calendar(page)
    assert_folded(raw)
    events = calendar_events(raw.decode("utf-8"))
    summary = f"Days 1-3, gently; früh: {title}"
    assert events[1]["SUMMARY"] == ics_escape(summary)
    description = events[1]["DESCRIPTION"]
    assert "\\n" in description and "\n" not in description
    assert unescape(description).splitlines()[0] == summary
    assert f"Questions: call {phone}" in unescape(description)
    assert ics_escape(phone) in description
    url = "https://harborskin.example/aftercare/example-procedure/#d=20261228"
    assert [e["URL"] for e in events] == [url] * 3  # a URI, not escaped
    assert errors == []


def test_the_open_ended_phase_is_one_all_day_event_that_says_it_goes_on(browser, server):
    base, _ = server
    page, errors = open_page(browser, f"{base}/microneedling/index.html#d=2026-12-28")
    raw = download_calendar(page)
    text = raw.decode("utf-8").replace("\r\n ", "")
    events = calendar_events(text)
    last = events[-1]
    assert "DTSTART;VALUE=DATE:20270104\r\nDTEND;VALUE=DATE:20270105" in text  # one day: Jan 4
    assert unescape(last["SUMMARY"]) == "Days 7+ (from this day on): Micro-Needling Post Procedure"
    assert unescape(last["DESCRIPTION"]).startswith("From this day on, with no end date.")
    assert [("from this day on" in unescape(e["SUMMARY"])) for e in events] == [0, 0, 0, 1]
    assert not any("no end date" in unescape(e["DESCRIPTION"]) for e in events[:-1])
    assert errors == []


# ---------- The visit page: several procedures of one visit (#p=a+b&d=...) --------------------


@pytest.fixture(scope="module")
def visit_server(tmp_path_factory):
    """A site of the shipped policy, the synthetic example (with Spanish and Arabic
    translations) and a synthetic "Lorem Care", served on loopback."""
    from .conftest import DATA
    from .test_languages import add_translation

    content = tmp_path_factory.mktemp("content")
    for name in ("clinic.toml", "harbor-logo.svg", "microneedling.md"):
        shutil.copy(CONTENT / name, content)
    example = (DATA / "example-procedure.md").read_text()
    (content / "example-procedure.md").write_text(example)
    (content / "lorem-care.md").write_text(example.replace("Example Procedure", "Lorem Care"))
    add_translation(content, "es")
    add_translation(content, "ar")
    folder = tmp_path_factory.mktemp("site")
    build_site(Project(content), folder)
    with serve(folder) as served:
        yield served


MICRONEEDLING_DATES = [
    "Mon, Nov 23",
    "Tue, Nov 24",
    "Wed, Nov 25 – Mon, Nov 30",
    "from Mon, Nov 30",
]
EXAMPLE_DATES = ["Mon, Nov 23", "Tue, Nov 24 – Thu, Nov 26", "from Thu, Nov 26"]
BOTH = "microneedling+example-procedure"


def procedures(page) -> list[dict]:
    """Each procedure the visit page shows: its letter, title, link and phase dates."""
    shown = []
    for section in page.locator(".procedure").all():
        link = section.locator("h2 a")
        shown.append(
            {
                "letter": section.locator(".letter").inner_text(),
                "title": link.inner_text(),
                "href": link.get_attribute("href"),
                "when": [t.strip() for t in section.locator(".phase-when").all_inner_texts()],
            }
        )
    return shown


@pytest.mark.parametrize(
    "fragment",
    ["jdkajjer20261123", f"p={BOTH}&d=20261123", f"p={BOTH}&d=2026-11-23"],
    ids=["visit codes, as sheets print them", "slugs, as sheets did", "as older sheets did"],
)
def test_the_visit_page_dates_every_procedure_of_the_visit(browser, visit_server, fragment):
    assert visit_code.fragment(BOTH.split("+"), date(2026, 11, 23)) == "jdkajjer20261123"
    base, requests = visit_server
    page, errors = open_page(browser, f"{base}/visit/#{fragment}")
    assert procedures(page) == [
        {
            "letter": "A",
            "title": "Micro-Needling Post Procedure",
            "href": "../microneedling/#d=20261123",
            "when": MICRONEEDLING_DATES,
        },
        {
            "letter": "B",
            "title": "Example Procedure",
            "href": "../example-procedure/#d=20261123",
            "when": EXAMPLE_DATES,
        },
    ]
    assert "Monday, November 23, 2026" in page.inner_text("#status")
    assert page.locator("#all-procedures").is_hidden()
    page.click("text=Example Procedure")
    page.wait_for_url("**/example-procedure/#d=20261123")
    assert phase_texts(page) == EXAMPLE_DATES
    assert errors == []
    assert not any(word in line for word in ("2026", "microneedling+", "jdka") for line in requests)


def test_one_calendar_file_holds_every_phase_of_every_procedure(browser, visit_server):
    base, requests = visit_server
    page, errors = open_page(browser, f"{base}/visit/#p={BOTH}&d=2026-11-23")
    with page.expect_download() as info:
        page.click("#add-to-calendar")
    assert info.value.suggested_filename == "visit-plan.ics"
    raw = info.value.path().read_bytes()
    assert_folded(raw)
    events = calendar_events(raw.decode("utf-8"))
    assert [unescape(e["SUMMARY"]) for e in events] == [
        "Day of procedure: Micro-Needling Post Procedure",
        "Day 1: Micro-Needling Post Procedure",
        "Days 2-7: Micro-Needling Post Procedure",
        "Days 7+ (from this day on): Micro-Needling Post Procedure",
        "Day 0: Example Procedure",
        "Days 1-3: Example Procedure",
        "Days 3+ (from this day on): Example Procedure",
    ]
    url = "https://harborskin.example/aftercare/{}/#d=20261123"
    assert [e["URL"] for e in events] == [url.format("microneedling")] * 4 + [
        url.format("example-procedure")
    ] * 3
    assert (events[5]["DTSTART"], events[5]["DTEND"]) == ("20261124", "20261127")
    assert len({e["UID"] for e in events}) == 7
    assert all("Questions: call (555) 010-4400" in unescape(e["DESCRIPTION"]) for e in events)
    assert not any(".ics" in line for line in requests)
    assert errors == []


def test_a_procedure_not_on_the_site_is_named_and_the_others_still_shown(browser, visit_server):
    base, _ = visit_server
    page, errors = open_page(browser, f"{base}/visit/#p=microneedling+no-such-care&d=2026-11-23")
    assert page.locator(".letter").all_inner_texts() == ["A", "B"]
    notice = page.inner_text(".notice")
    assert "no-such-care" in notice and "not on this site" in notice
    assert [p["title"] for p in procedures(page)] == ["Micro-Needling Post Procedure"]
    assert procedures(page)[0]["when"] == MICRONEEDLING_DATES
    # What the fragment says is shown as text, never as markup.
    page.goto(f"{base}/visit/#p=%3Cb%3Ebold%3C%2Fb%3E")
    assert "<b>bold</b>" in page.inner_text(".notice")
    assert page.locator(".notice b").count() == 0
    assert errors == []


def test_each_procedure_once_and_at_most_three(browser, visit_server):
    base, _ = visit_server
    chosen = "example-procedure+example-procedure+microneedling+lorem-care+no-such-care"
    page, errors = open_page(browser, f"{base}/visit/#p={chosen}&d=2026-11-23")
    assert [(p["letter"], p["title"]) for p in procedures(page)] == [
        ("A", "Example Procedure"),
        ("B", "Micro-Needling Post Procedure"),
        ("C", "Lorem Care"),
    ]
    assert page.locator(".notice").count() == 0
    assert errors == []


def test_without_procedures_the_visit_page_lists_them_all(browser, visit_server):
    base, _ = visit_server
    for javascript in (True, False):
        page, errors = open_page(browser, f"{base}/visit/", javascript=javascript)
        links = page.locator("#all-procedures a")
        assert links.all_inner_texts() == [
            "Example Procedure",
            "Lorem Care",
            "Micro-Needling Post Procedure",
        ]
        assert links.first.get_attribute("href") == "../example-procedure/"
        assert page.locator(".procedure").count() == 0
        assert page.locator("#date-form").is_hidden()
        assert errors == []
    page, errors = open_page(browser, f"{base}/visit/#p={BOTH}&d=2026-11-23", javascript=False)
    assert page.locator("#all-procedures").is_visible() and page.locator("#visit").is_hidden()
    page, errors = open_page(browser, f"{base}/visit/#d=2026-11-23")  # a date, no procedures
    first = page.locator("#all-procedures a").first
    assert first.get_attribute("href") == "../example-procedure/#d=20261123"
    assert errors == []


def test_a_blank_handouts_visit_asks_for_the_date(browser, visit_server):
    base, _ = visit_server
    page, errors = open_page(browser, f"{base}/visit/#p={BOTH}")
    assert [p["when"] for p in procedures(page)] == [
        ["Day 0", "Day 1", "Days 2–7", "Day 7 onward"],
        ["Day 0", "Days 1–3", "Day 3 onward"],
    ]
    assert procedures(page)[0]["href"] == "../microneedling/"
    assert page.locator("#add-to-calendar").is_hidden()
    page.fill("#procedure-date", "2026-11-23")
    page.click("text=Show my dates")
    assert page.url.endswith(f"#p={BOTH}&d=20261123")
    assert [p["when"] for p in procedures(page)] == [MICRONEEDLING_DATES, EXAMPLE_DATES]
    assert page.locator("#add-to-calendar").is_visible()
    assert errors == []


def test_the_visit_page_in_a_translation_falls_back_to_the_source_and_says_so(
    browser, visit_server
):
    base, _ = visit_server
    page, errors = open_page(
        browser, f"{base}/visit/es/#p=example-procedure+microneedling&d=2026-11-23"
    )
    example, micro = procedures(page)
    assert example["title"] == "Procedimiento de ejemplo"
    assert example["href"] == "../../example-procedure/es/#d=20261123"
    assert example["when"][0] != "Mon, Nov 23" and "23" in example["when"][0]
    assert micro["href"] == "../../microneedling/#d=20261123"
    assert page.locator(".procedure").nth(1).locator("h2 a bdi").get_attribute("lang") == "en"
    assert "inglés" in page.locator(".procedure").nth(1).inner_text()
    assert errors == []


def test_a_right_to_left_visit_page_isolates_english_words(browser, visit_server):
    base, _ = visit_server
    page, errors = open_page(browser, f"{base}/visit/ar/#p=example-procedure+microneedling")
    assert page.evaluate("document.dir") == "rtl"
    assert page.locator(".letter").all_inner_texts() == ["A", "B"]
    assert procedures(page)[0]["title"] == "إجراء تجريبي"
    english = page.locator(".procedure").nth(1)
    assert english.locator("h2 a").get_attribute("hreflang") == "en"
    assert english.locator("h2 a bdi").get_attribute("lang") == "en"  # isolated: "Days 7+"
    assert english.locator(".phase-label bdi").last.inner_text() == "Days 7+"
    assert english.locator(".phase-label bdi").last.get_attribute("lang") == "en"
    assert errors == []


def test_the_skip_link_keeps_the_visit_in_the_address(browser, visit_server):
    base, _ = visit_server
    page, errors = open_page(browser, f"{base}/visit/#p={BOTH}&d=2026-11-23")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.url.endswith(f"#p={BOTH}&d=2026-11-23")
    assert len(procedures(page)) == 2
    assert errors == []


def test_the_visit_page_reads_at_phone_width_and_passes_axe(browser, visit_server):
    axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")
    base, _ = visit_server
    for path in (
        "visit/",
        f"visit/#p={BOTH}",
        f"visit/#p={BOTH}+nope&d=2026-11-23",
        f"visit/ar/#p={BOTH}&d=2026-11-23",  # right to left: nothing sticks out on the left
        "example-procedure/ar/#d=2026-11-23",
    ):
        page, errors = open_page(browser, f"{base}/{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, path
        violations = axe_module.Axe().run(page).response["violations"]
        bad = [(v["id"], v["impact"]) for v in violations if v["impact"] in ("serious", "critical")]
        assert bad == [], path
        assert errors == []
