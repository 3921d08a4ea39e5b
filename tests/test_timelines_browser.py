"""The online page of a timeline in hours, weeks, a range and days before the procedure, in
headless Chromium: its dated plan, where today falls before the procedure, and its .ics."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from generator.commands.site import build_site
from generator.project import Project

from .test_browser import browser, calendar_events, download_calendar, open_page, serve  # noqa: F401
from .test_timelines import content_with

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def timeline_site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("timeline-site")
    content = content_with(folder / "content", "lorem-timeline", "example-procedure")
    build_site(Project(content), folder / "site")
    with serve(folder / "site") as (base, _):
        yield f"{base}/lorem-timeline/index.html"


def test_the_dated_page_and_its_calendar_file_follow_every_bound(browser, timeline_site):  # noqa: F811
    page, errors = open_page(browser, f"{timeline_site}#d=20261207")
    whens = [t.strip() for t in page.locator(".phase .phase-when").all_inner_texts()]
    assert whens == [
        "Mon, Nov 30 – Sun, Dec 6",
        "Mon, Dec 7 – Wed, Dec 9",
        "Wed, Dec 9 – between Mon, Dec 14 and Thu, Dec 17",
        "between Mon, Dec 14 and Thu, Dec 17 – Mon, Jan 4, 2027",
        "from Mon, Jan 4, 2027",
    ]
    events = calendar_events(download_calendar(page).decode("utf-8"))
    assert [e["DTSTART"] for e in events] == [
        "20261130", "20261207", "20261209", "20261217", "20270104",
    ]  # fmt: skip
    assert [e["DTEND"] for e in events] == [
        "20261207", "20261210", "20261218", "20270105", "20270105",
    ]  # fmt: skip
    assert errors == []


def test_before_the_procedure_today_is_in_the_care_before_it(browser, timeline_site):  # noqa: F811
    procedure = date.today() + timedelta(days=3)
    page, errors = open_page(browser, f"{timeline_site}#d={procedure:%Y%m%d}")
    assert "Today: Day −3 – One week before" in page.inner_text("#status")
    assert page.locator(".phase.current .phase-label").all_inner_texts() == ["One week before"]
    page, _ = open_page(browser, f"{timeline_site}#d={procedure + timedelta(days=7):%Y%m%d}")
    assert "Your plan starts in 3 days." in page.inner_text("#status")
    assert errors == []


def test_the_visit_page_dates_care_before_the_procedure(browser, timeline_site):  # noqa: F811
    visit = timeline_site.replace("lorem-timeline/index.html", "visit/index.html")
    procedure = date.today() + timedelta(days=10)
    page, errors = open_page(
        browser, f"{visit}#p=example-procedure+lorem-timeline&d={procedure:%Y%m%d}"
    )
    whens = page.locator("section.procedure").nth(1).locator(".phase-when").all_inner_texts()
    first = procedure - timedelta(days=7)
    assert whens[0].startswith(f"{first:%a, %b} {first.day}")
    assert "between" in whens[2]
    assert "Your plan starts in 3 days." in page.inner_text("#status")
    events = calendar_events(download_calendar(page).decode("utf-8"))
    assert len(events) == 3 + 5
    assert events[3]["DTSTART"] == f"{first:%Y%m%d}"
    assert errors == []
