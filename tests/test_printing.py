"""Printing on a real CUPS server (started by the tests, tests/cups.py): the desk, `sheet
--print`, `batch --print` and `reprint --print` each put the sheet on the queue once, in order,
as the PDF that arrives shows; a stopped queue is a clear message and the sheet stays."""

from __future__ import annotations

import itertools
import re
import shutil
from datetime import date

import pytest

from generator.paths import CONTENT
from generator.sheet.schedule import Dates

from . import cups

pytestmark = pytest.mark.load  # a real print server, one job at a time

QUEUES = itertools.count(1)


@pytest.fixture(scope="module")
def server():
    why = cups.missing()
    if why:
        pytest.skip(why)
    with cups.temporary_server() as running:
        yield running


@pytest.fixture
def queue(server, monkeypatch):
    """A fresh cups-pdf queue on the test server, with CUPS_SERVER pointing there."""
    name = f"Desk{next(QUEUES)}"
    server.add_queue(name)
    monkeypatch.setenv("CUPS_SERVER", server.server)
    return name


@pytest.fixture
def content(tmp_path):
    folder = tmp_path / "content"
    shutil.copytree(CONTENT, folder)
    return folder


def sheet_id_of(err: str) -> str:
    return re.search(r"Sheet ([0-9A-Z]{4}-[0-9A-Z]{4})", err)[1]


def test_sheet_print_puts_the_sheet_on_the_queue_once(run, queue, server, content, tmp_path):
    database = f"sqlite:///{tmp_path / 'r.sqlite3'}"
    made = run("sheet", "microneedling", "--name", "Maria Garcia", "--date", "2026-11-23",
               "--content", content, "--database", database, "--out", tmp_path / "a.pdf",
               "--print", queue)  # fmt: skip
    assert made.code == 0, made.err
    sheet_id = sheet_id_of(made.err)
    assert re.search(rf"Printing on {queue} \(job \d+\)", made.err)
    (text,) = server.texts(queue, 1)
    assert "Maria Garcia" in text
    assert f"Sheet {sheet_id}" in text
    assert "Monday, November 23, 2026" in text
    # the job's title, which CUPS logs, is the download name: never the patient's name
    (path,) = server.files(queue)
    assert path.name.startswith(f"microneedling-2026-11-23-{sheet_id}")


def test_batch_print_prints_every_row_in_row_order_once(run, queue, server, content, tmp_path):
    names = ["Ana Uno", "Ben Dos", "Cy Tres", "Di Cuatro", "Ed Cinco"]
    rows = "".join(f"{name},microneedling,2026-11-2{i}\n" for i, name in enumerate(names))
    table = tmp_path / "day.csv"
    table.write_text("name,policy,date\n" + rows, encoding="utf-8")
    made = run("batch", table, "--content", content, "--out", tmp_path / "out", "--jobs", "1",
               "--database", f"sqlite:///{tmp_path / 'r.sqlite3'}", "--print", queue)  # fmt: skip
    assert made.code == 0, made.err
    texts = server.texts(queue, 5)
    assert len(texts) == 5
    for index, (name, text) in enumerate(zip(names, texts, strict=True)):
        assert name in text
        assert Dates("en_US").long(date(2026, 11, 20 + index)) in text
        assert sum(name in other for other in texts) == 1  # each once


def test_reprint_print_puts_the_same_sheet_on_the_queue(
    run, queue, server, content, tmp_path, monkeypatch
):
    from generator import cli

    monkeypatch.setattr(cli, "SHEETS", tmp_path / "sheets")  # the default folder, in tmp_path
    database = f"sqlite:///{tmp_path / 'r.sqlite3'}"
    out = tmp_path / "a.pdf"
    made = run("sheet", "microneedling", "--name", "Maria Garcia", "--date", "2026-11-23",
               "--content", content, "--database", database, "--out", out)  # fmt: skip
    sheet_id = sheet_id_of(made.err)
    again = run("reprint", sheet_id, "--name", "Maria Garcia", "--database", database,
                "--content", content, "--print", queue)  # fmt: skip
    assert again.code == 0, again.err
    written = tmp_path / "sheets" / f"microneedling-2026-11-23-{sheet_id}.pdf"  # no name
    assert again.last_line == str(written)
    assert written.read_bytes() == out.read_bytes()
    (text,) = server.texts(queue, 1)
    assert "Maria Garcia" in text and f"Sheet {sheet_id}" in text


def test_a_stopped_queue_is_a_clear_error_and_the_sheet_stays(
    run, queue, server, content, tmp_path
):
    server.admin("cupsdisable", "-r", "Paper jam in tray 2", queue)
    out = tmp_path / "a.pdf"
    made = run("sheet", "microneedling", "--name", "Maria Garcia", "--content", content,
               "--database", f"sqlite:///{tmp_path / 'r.sqlite3'}", "--out", out,
               "--print", queue)  # fmt: skip
    assert made.code == 1
    assert f"the printer {queue} is stopped: Paper jam in tray 2" in made.err
    assert "the sheet is written" in made.err
    assert out.read_bytes().startswith(b"%PDF")
    missing = run("sheet", "microneedling", "--name", "Maria Garcia", "--content", content,
                  "--database", f"sqlite:///{tmp_path / 'r.sqlite3'}", "--out", out,
                  "--print", "NoSuchQueue")  # fmt: skip
    assert "there is no print queue NoSuchQueue" in missing.err


# ---------- The desk ---------------------------------------------------------------------------


@pytest.fixture
def desk(queue, content, tmp_path):
    """A desk app whose clinic.toml names the test queue, with a register."""
    from generator.content.live import LiveContent
    from generator.parallel.desk_pool import RenderPool
    from generator.record.register import Register
    from generator.web.app import create_app

    toml = content / "clinic.toml"
    toml.write_text(toml.read_text() + f'\n[printing]\nqueue = "{queue}"\n')
    pool = RenderPool(content, size=1, timeout=60)
    register = Register(f"sqlite:///{tmp_path / 'r.sqlite3'}", b"k" * 32)
    yield create_app(LiveContent(content), pool, register=register).test_client()
    pool.close()
    register.dispose()


def send_form(client, name: str, draft: str | None = None):
    page = client.get("/").get_data(as_text=True)
    csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    draft = draft or page.split('name="draft" value="', 1)[1].split('"', 1)[0]
    data = {"csrf": csrf, "draft": draft, "policy": "microneedling", "name": name,
            "when": "today", "provider": "Dr. Rivera"}  # fmt: skip
    return client.post("/", data=data), draft


def test_the_desk_prints_a_checkout_once_even_when_the_form_is_sent_again(desk, queue, server):
    page = desk.get("/").get_data(as_text=True)
    assert ">Create and print</button>" in page
    made, draft = send_form(desk, "Maria Garcia")
    assert made.status_code == 303
    location = made.headers["Location"]
    again, _ = send_form(desk, "Maria Garcia", draft)  # a double Enter, or a retry
    assert again.headers["Location"] == location
    result = desk.get(location).get_data(as_text=True)
    assert re.search(rf"<h1>Printing on {queue} \(job \d+\)</h1>", result)
    assert '<span id="job-state"' in result
    sheet_id = re.search(r"<dt>Sheet ID</dt><dd>([0-9A-Z-]+)</dd>", result)[1]
    assert "<dt>Provider</dt><dd>Dr. Rivera</dd>" in result
    assert "<dt>Language</dt><dd>English</dd>" in result
    # the next patient's form is on the same page, focused on the name, procedure kept
    assert re.search(r'id="name" name="name"[^>]*value=""\s*autofocus>', result)
    assert '<option value="microneedling" selected>' in result
    (text,) = server.texts(queue, 1)
    assert "Maria Garcia" in text and f"Sheet {sheet_id}" in text
    assert server.texts(queue, 1) == [text]  # once
    state = desk.get(f"{location}/job").json
    assert state["state"] == "printed" and state["final"] is True
    download = desk.get(f"{location}/download")
    today = date.today().isoformat()
    assert download.headers["Content-Disposition"] == (
        f'attachment; filename="microneedling-{today}-{sheet_id}.pdf"'
    )


def test_a_disabled_queue_says_so_plainly_and_the_sheet_stays_downloadable(desk, queue, server):
    server.admin("cupsdisable", "-r", "Out of paper", queue)
    made, _draft = send_form(desk, "Maria Garcia")
    result = desk.get(made.headers["Location"]).get_data(as_text=True)
    assert "<h1>Sheet ready, not printed</h1>" in result
    assert f"Not printed: the printer {queue} is stopped: Out of paper." in result
    download = desk.get(f"{made.headers['Location']}/download")
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    server.admin("cupsenable", queue)
    again = desk.post(f"{made.headers['Location']}/print", data={"csrf": csrf(result)})
    page = desk.get(again.headers["Location"]).get_data(as_text=True)
    assert re.search(rf"<h1>Printing on {queue} \(job \d+\)</h1>", page)
    (text,) = server.texts(queue, 1)
    assert "Maria Garcia" in text


def csrf(page: str) -> str:
    return page.split('name="csrf" value="', 1)[1].split('"', 1)[0]


def test_the_api_prints_on_request_once_per_idempotency_key(desk, queue, server):
    body = {"policy": "microneedling", "name": "Maria Garcia", "date": "2026-11-23", "print": True}
    headers = {"Idempotency-Key": "visit-1"}
    first = desk.post("/api/sheets", json=body, headers=headers)
    assert first.status_code == 200 and first.data.startswith(b"%PDF")
    assert re.fullmatch(rf"{queue}-\d+", first.headers["X-Print-Job"])
    again = desk.post("/api/sheets", json=body, headers=headers)  # a retry
    assert again.headers["X-Print-Job"] == first.headers["X-Print-Job"]
    (text,) = server.texts(queue, 1)
    assert "Maria Garcia" in text and f"Sheet {first.headers['X-Sheet-Id']}" in text
    server.admin("cupsdisable", "-r", "Lid open", queue)
    stopped = desk.post("/api/sheets", json={**body, "print": queue})
    assert stopped.status_code == 200 and stopped.data.startswith(b"%PDF")
    assert stopped.headers["X-Print-Error"] == f"the printer {queue} is stopped: Lid open"
    wrong = desk.post("/api/sheets", json={**body, "print": "no queue"})
    assert wrong.status_code == 422 and wrong.json["field"] == "print"
