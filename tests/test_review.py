"""What each patient was given: the clinical review line, review dates in `aftercare check`, the
clinic's choice to refuse sheets of a policy overdue for review, and the acknowledgement block
on the last page. Synthetic policies only."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest

from generator.content import patient as patient_module
from generator.content import policy as policy_module
from generator.content.live import LiveContent
from generator.errors import AftercareError
from generator.project import Project
from generator.sheet.model import Options
from generator.web.app import create_app

from .conftest import DATA, TODAY, pdf_pages
from .test_languages import add_translation, short_hash
from .test_web import csrf_of

EXAMPLE = (DATA / "example-procedure.md").read_text()
LAST_WORDS = "Sed do eiusmod tempor."  # the synthetic policy's last instruction


def reviewed(**keys: str) -> str:
    """The synthetic policy with review keys added to its front matter, after `version`."""
    lines = "".join(f"{key}: {value}\n" for key, value in keys.items())
    return EXAMPLE.replace('version: "0.9"\n', f'version: "0.9"\n{lines}')


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def set_clinic(folder, **keys: str) -> None:
    """Add top-level keys to the folder's clinic.toml (before its [colors] table)."""
    path = folder / "clinic.toml"
    lines = "".join(f"{key} = {value}\n" for key, value in keys.items())
    path.write_text(path.read_text().replace("[colors]", f"{lines}\n[colors]"))


def ann(procedure: str = "2026-11-23"):
    return patient_module.make("Ann Lorem", procedure, "Dr. Ipsum")


# ---------- The review line --------------------------------------------------------------


@pytest.mark.parametrize(("locale", "printed"), [("en_US", "Oct 1, 2026"), ("en_GB", "1 Oct 2026")])
def test_the_review_line_ends_the_sheet_and_the_handout(synthetic_content, locale, printed):
    path = synthetic_content / "example-procedure.md"
    path.write_text(reviewed(reviewed_by='"Dr. Lorem Ipsum"', reviewed_on="2026-10-01"))
    clinic = synthetic_content / "clinic.toml"
    clinic.write_text(clinic.read_text().replace('"en_US"', f'"{locale}"'))
    project = Project(synthetic_content)
    line = f"Reviewed by Dr. Lorem Ipsum on {printed}"
    for patient in (ann(), None):  # the personalised sheet, then the blank handout
        pages = pdf_pages(project.render("example-procedure", patient, TODAY).pdf)
        assert line in pages[-1]
        assert pages[-1].index(LAST_WORDS) < pages[-1].index(line)
        assert not any(line in page for page in pages[:-1])


def test_no_review_line_without_a_review(synthetic_content):
    path = synthetic_content / "example-procedure.md"
    path.write_text(reviewed(review_due="2030-01-01"))
    pages = pdf_pages(Project(synthetic_content).render("example-procedure", ann(), TODAY).pdf)
    assert "Reviewed" not in " ".join(pages)


@pytest.mark.parametrize(
    ("keys", "where", "message"),
    [
        (
            {"reviewed_by": "Dr. Lorem Ipsum", "review_due": "2030-01-01"},
            "reviewed_by",
            "reviewed_on: is required with reviewed_by: the date of that review, written "
            "YYYY-MM-DD",
        ),
        (
            {"reviewed_on": "2026-10-01"},
            "reviewed_on",
            "reviewed_by: is required with reviewed_on: the name of who did that review",
        ),
        (
            {"reviewed_by": "Dr. Lorem Ipsum", "reviewed_on": "2026-10-01",
             "review_due": "2026-09-01"},
            "review_due",
            "review_due: is 2026-09-01, not after the review on 2026-10-01 (reviewed_on): "
            "the next review is due after the last",
        ),
    ],
)  # fmt: skip
def test_a_review_needs_who_and_when_and_falls_due_after_it(
    run, synthetic_content, tmp_path, keys, where, message
):
    """A reviewer without a date (or a date without a reviewer) printed no review line and
    passed `check`: the review it records is half missing."""
    path = synthetic_content / "example-procedure.md"
    text = reviewed(**keys)
    path.write_text(text)
    checked = run("--content", synthetic_content, "check")
    assert checked.code == 1
    assert checked.err.splitlines() == [
        f"aftercare: error: {path}:{line_of(text, where + ':')}: {message}"
    ]
    made = run("--content", synthetic_content, "sheet", "example-procedure", "--name",
               "Ann Lorem", "--out", tmp_path / "ann.pdf")  # fmt: skip
    assert made.code == 1 and message in made.err
    assert not (tmp_path / "ann.pdf").exists()


# ---------- Review dates in `aftercare check` -----------------------------------------------


def test_wrong_review_values_are_problems_with_their_lines(run, synthetic_content):
    path = synthetic_content / "example-procedure.md"
    text = reviewed(reviewed_by="[]", reviewed_on='"10/01/2026"', review_due="2027-01-05 10:30:00")
    path.write_text(text)
    result = run("--content", synthetic_content, "check")
    assert result.code == 1
    assert result.err.splitlines() == [
        f"aftercare: error: {path}:{line_of(text, 'reviewed_by')}: reviewed_by: must be "
        "non-empty text: the name of who reviewed the policy",
        f"aftercare: error: {path}:{line_of(text, 'reviewed_on')}: reviewed_on: must be a date "
        "written as YYYY-MM-DD without quotes, like 2026-10-01; got '10/01/2026'",
        f"aftercare: error: {path}:{line_of(text, 'review_due')}: review_due: must be a date "
        "written as YYYY-MM-DD without a time, like 2026-10-01",
    ]


def test_a_date_no_calendar_has_is_said_in_plain_words(run, synthetic_content):
    path = synthetic_content / "example-procedure.md"
    text = reviewed(reviewed_on="2026-02-30")
    path.write_text(text)
    result = run("--content", synthetic_content, "check")
    assert result.code == 1
    assert result.err.splitlines() == [
        f"aftercare: error: {path}:{line_of(text, 'reviewed_on')}: the front matter cannot be "
        f"read: 2026-02-30 is not a date on the calendar; check line {line_of(text, 'reviewed_on')}"
    ]


def test_check_warns_of_a_review_due_within_30_days(run, synthetic_content):
    path = synthetic_content / "example-procedure.md"
    due = date.today() + timedelta(days=12)
    text = reviewed(review_due=due.isoformat())
    path.write_text(text)
    result = run("--content", synthetic_content, "check")
    assert result.code == 0
    assert result.err.splitlines() == [
        f"aftercare: warning: {path}:{line_of(text, 'review_due')}: review due on "
        f"{due.isoformat()}, in 12 days"
    ]
    assert result.last_line.endswith("0 problems, 1 warning")
    assert run("--content", synthetic_content, "check", "--strict").code == 1
    path.write_text(reviewed(review_due=(date.today() + timedelta(days=31)).isoformat()))
    assert run("--content", synthetic_content, "check", "--strict").code == 0


def test_an_overdue_review_is_a_warning_and_sheets_are_still_made(run, synthetic_content, tmp_path):
    path = synthetic_content / "example-procedure.md"
    due = date.today() - timedelta(days=53)
    text = reviewed(review_due=due.isoformat())
    path.write_text(text)
    result = run("--content", synthetic_content, "check")
    assert result.code == 0
    assert result.err.splitlines() == [
        f"aftercare: warning: {path}:{line_of(text, 'review_due')}: review was due on "
        f"{due.isoformat()}, 53 days ago"
    ]
    made = run(
        "--content", synthetic_content, "sheet", "example-procedure", "--name", "Ann Lorem",
        "--out", tmp_path / "ann.pdf",
    )  # fmt: skip
    assert made.code == 0 and (tmp_path / "ann.pdf").exists()


def desk_for(content, pool):
    return create_app(LiveContent(content, interval=0), pool).test_client()


def banner(page: str) -> list[str]:
    """The manager's page's list (/manage; the desk shows one line, issue 24) as read: each
    item, its label too."""
    section = page.partition('<ul class="manage">')[2].split("</ul>")[0]
    items = re.findall(r"<li>(.*?)</li>", section, re.DOTALL)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", "", item)).split()) for item in items]


def review_due_tomorrow(content) -> str:
    path = content / "example-procedure.md"
    due = date.today() + timedelta(days=1)
    path.write_text(text := reviewed(review_due=due.isoformat()))
    return f"{path}:{line_of(text, 'review_due')}: review due on {due}, in 1 day"


def stale_translation(content) -> str:
    path = add_translation(content, "es")
    source = content / "example-procedure.md"
    before = short_hash(source)
    source.write_text(EXAMPLE.replace("Sed do eiusmod tempor.", "Sed do eiusmod."))
    return (
        f"{path}: Spanish translation not offered: made from version 0.9 ({before}); the "
        f"English policy is now 0.9 ({short_hash(source)}): update the translation, then its "
        "source_version and source_hash"
    )


def unreviewed_translation(content) -> str:
    path = add_translation(content, "es", reviewed=False)
    return (
        f"{path}: Spanish translation not offered: not reviewed: a qualified translator must "
        "check it, then add reviewed_by and reviewed_on"
    )


def draft_translation(content) -> str:
    path = add_translation(content, "es", **{"lang: es\n": "lang: es\ndraft: true\n"})
    return f"{path}: Spanish translation not offered: is a draft (draft: true)"


@pytest.mark.parametrize(
    ("make", "label"),
    [
        (review_due_tomorrow, "(warning: printed as it is)"),
        (stale_translation, "(not offered until it is updated)"),
        (unreviewed_translation, "(not offered until it is reviewed)"),
        (draft_translation, "(not offered while it is a draft)"),
    ],
    ids=["review due", "stale translation", "unreviewed translation", "draft translation"],
)
def test_the_desk_banner_says_what_becomes_of_each_warning(synthetic_content, pool, make, label):
    warning = make(synthetic_content)
    page = desk_for(synthetic_content, pool).get("/manage").get_data(as_text=True)
    assert banner(page) == [f"{warning} {label}"]


def test_the_desk_says_when_an_overdue_policy_is_refused(synthetic_content, pool):
    set_clinic(synthetic_content, overdue_review='"refuse"')
    path = synthetic_content / "example-procedure.md"
    due = date.today() - timedelta(days=3)
    text = reviewed(review_due=due.isoformat())
    path.write_text(text)
    refused = (
        f"review was due on {due}; the clinic refuses sheets of a policy overdue for review "
        "(clinic.toml overdue_review)"
    )
    desk = desk_for(synthetic_content, pool)
    page = desk.get("/manage").get_data(as_text=True)
    assert banner(page) == [
        f"{path}:{line_of(text, 'review_due')}: {refused} (not printed until it is reviewed)"
    ]
    form_page = html.unescape(desk.get("/").get_data(as_text=True))
    assert "1 procedure is not available today; the clinic's manager" in form_page
    assert "disabled>Example Procedure (review overdue)</option>" in form_page
    form = {"csrf": csrf_of(desk), "policy": "example-procedure", "name": "Ann Lorem"}
    answer = desk.post("/", data={**form, "when": "today"})  # and indeed it is not
    assert answer.status_code == 422
    assert f"Procedure: {refused}" in html.unescape(answer.get_data(as_text=True))


# ---------- overdue_review = "refuse" -----------------------------------------------------


def test_refuse_stops_personalised_sheets_of_an_overdue_policy_but_not_handouts(
    run, synthetic_content, tmp_path
):
    set_clinic(synthetic_content, overdue_review='"refuse"')
    path = synthetic_content / "example-procedure.md"
    due = date.today() - timedelta(days=2)
    text = reviewed(review_due=due.isoformat())
    path.write_text(text)
    refused = (
        f"review was due on {due.isoformat()}; the clinic refuses sheets of a policy overdue "
        "for review (clinic.toml overdue_review)"
    )
    checked = run("--content", synthetic_content, "check")
    assert checked.code == 1
    assert checked.err.splitlines() == [
        f"aftercare: error: {path}:{line_of(text, 'review_due')}: {refused}"
    ]
    sheet = run(
        "--content", synthetic_content, "sheet", "example-procedure", "--name", "Ann Lorem",
        "--out", tmp_path / "ann.pdf",
    )  # fmt: skip
    assert sheet.code == 1 and refused in sheet.err
    assert not (tmp_path / "ann.pdf").exists()
    rows = tmp_path / "rows.csv"
    rows.write_text(f"name,policy,date\nAnn Lorem,example-procedure,{date.today()}\n")
    batch = run("--content", synthetic_content, "batch", rows, "--out", tmp_path / "batch")
    assert batch.code == 1 and refused in batch.err
    assert not list((tmp_path / "batch").glob("*.pdf"))
    handouts = run("--content", synthetic_content, "handouts", "--out", tmp_path / "blank")
    assert handouts.code == 0
    assert (tmp_path / "blank" / "example-procedure.pdf").exists()


def test_refuse_uses_the_day_the_sheet_is_made(synthetic_content):
    set_clinic(synthetic_content, overdue_review='"refuse"')
    path = synthetic_content / "example-procedure.md"
    path.write_text(reviewed(review_due="2026-11-22"))
    project = Project(synthetic_content)
    made = project.render("example-procedure", ann(), date(2026, 11, 22))  # due that day
    assert made.pages >= 2
    with pytest.raises(AftercareError, match="review was due on 2026-11-22;") as info:
        project.render("example-procedure", ann(), date(2026, 11, 23))
    assert info.value.problems[0].file == path
    assert project.render("example-procedure", None, date(2026, 11, 23)).pages >= 2


# ---------- Acknowledgement -------------------------------------------------------------

ACKNOWLEDGEMENT = "I have received these instructions"


@pytest.mark.parametrize("options", [Options(), Options(paper="a4"), Options(large_print=True)])
def test_the_acknowledgement_is_on_the_last_page_only_when_the_clinic_asks(
    synthetic_content, options
):
    project = Project(synthetic_content)
    for patient in (ann(), None):
        pages = pdf_pages(project.render("example-procedure", patient, TODAY, options).pdf)
        assert ACKNOWLEDGEMENT not in " ".join(pages)
    set_clinic(synthetic_content, acknowledgement="true")
    project = Project(synthetic_content)
    for patient in (ann(), None):
        pages = pdf_pages(project.render("example-procedure", patient, TODAY, options).pdf)
        last = pages[-1]
        assert ACKNOWLEDGEMENT in last and not any(ACKNOWLEDGEMENT in p for p in pages[:-1])
        block = last[last.index(ACKNOWLEDGEMENT) :]
        assert "SIGNATURE DATE" in block  # labels under the lines, in caps like the others
        assert last.index(LAST_WORDS) < last.index(ACKNOWLEDGEMENT)


def test_the_acknowledgement_is_never_split_across_pages(synthetic_content):
    """However long the policy, the block moves whole to the next page rather than break."""
    set_clinic(synthetic_content, acknowledgement="true")
    path = synthetic_content / "example-procedure.md"
    project = Project(synthetic_content)
    filler = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor."
    moved = 0
    for paragraphs in range(14, 30, 2):  # every second length is enough to cross a page end
        path.write_text(EXAMPLE.replace(LAST_WORDS, f"{filler}\n\n" * paragraphs + LAST_WORDS))
        result = project.maker.render(
            project.clinic, policy_module.load(path), None, TODAY, Options(large_print=True)
        )
        pages = pdf_pages(result.pdf)
        last = pages[-1]
        assert ACKNOWLEDGEMENT in last, paragraphs
        assert "SIGNATURE DATE" in last[last.index(ACKNOWLEDGEMENT) :], paragraphs
        moved += LAST_WORDS not in last  # the block alone on a page of its own
    assert moved >= 1  # some length put the block at a page's end: it moved whole


def test_the_api_and_the_desk_refuse_an_overdue_policy_beside_its_field(synthetic_content, pool):
    from generator.web.app import create_app

    from .test_web import csrf_of

    set_clinic(synthetic_content, overdue_review='"refuse"')
    due = date.today() - timedelta(days=3)
    (synthetic_content / "example-procedure.md").write_text(reviewed(review_due=due.isoformat()))
    client = create_app(LiveContent(synthetic_content), pool).test_client()
    fields = {"policy": "example-procedure", "name": "Lorem Patient", "date": "2026-11-23"}
    response = client.post("/api/sheets", json=fields)
    assert response.status_code == 422 and response.json["field"] == "policy"
    assert response.json["error"].startswith(f"review was due on {due}; the clinic refuses")
    page = client.post("/", data={**fields, "csrf": csrf_of(client), "when": "other"})
    assert page.status_code == 422
    assert f"review was due on {due}" in page.get_data(as_text=True)
