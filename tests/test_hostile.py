"""Hostile and odd requests: each answers a clean 4xx or 500, never a traceback, never a
forged log line, never a typed value repeated back, never a name in a cookie."""

import json
import logging

import pytest
from flask.sessions import SecureCookieSessionInterface

from generator.parallel.desk_pool import RenderFailed
from generator.web.app import create_app

from .conftest import pdf_text
from .test_web import csrf_of, desk_sheet, post_sheet

JANE = {"policy": "microneedling", "name": "Jane Doe", "date": "2026-11-23"}


def access_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "aftercare.access"]


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/x%0a2026-11-27 20:00:00,000 POST /api/sheets 200 1ms", "/x%0a2026-11-27%20"),
        ("/x%1b[31mred", "/x%1b[31mred"),
        ("/caf\u00e9\r\nX", "/caf%C3%A9%0D%0AX"),
    ],
)
def test_the_access_log_cannot_be_forged(client, caplog, path, logged):
    caplog.set_level(logging.INFO, logger="aftercare.access")
    environ = {"REQUEST_URI": path.encode("utf-8").decode("latin-1")}
    client.get("/nowhere", environ_overrides=environ)
    [line] = access_lines(caplog)
    assert line.startswith(f"127.0.0.1 GET {logged}") and line.endswith("ms")
    assert all(0x20 <= ord(c) <= 0x7E for c in line), line
    assert " 404 " in line


def test_an_unexpected_error_is_a_clean_500_with_one_log_line(
    live_content, pool, caplog, monkeypatch
):
    caplog.set_level(logging.INFO)

    def explode(*args):
        raise ValueError("Secret Person")  # an exception whose text holds patient data

    monkeypatch.setattr("generator.web.desk.parse_sheet_request", explode)
    monkeypatch.setattr("generator.web.api.parse_sheet_request", explode)
    client = create_app(live_content, pool).test_client()
    response = post_sheet(client, JANE)
    assert response.status_code == 500
    assert response.json == {
        "error": "internal error; the details are in the desk's log",
        "field": None,
    }
    page = client.post("/", data={"csrf": csrf_of(client), **JANE})
    assert page.status_code == 500 and page.mimetype == "text/html"
    assert "Something went wrong" in page.get_data(as_text=True)
    errors = [r.getMessage() for r in caplog.records if r.name == "aftercare.errors"]
    assert errors == ["500 POST /api/sheets ValueError", "500 POST / ValueError"]
    everything = "\n".join(r.getMessage() for r in caplog.records)
    assert "Secret" not in everything and "Traceback" not in everything
    assert not any(r.exc_info for r in caplog.records)


def test_a_render_that_fails_inside_the_worker_is_a_500(live_content, pool, monkeypatch):
    def fail(*args):
        raise RenderFailed("internal error while rendering (KeyError)")

    monkeypatch.setattr(pool, "render", fail)
    client = create_app(live_content, pool).test_client()
    response = post_sheet(client, JANE)
    assert response.status_code == 500 and "KeyError" in response.json["error"]
    page = client.post("/", data={"csrf": csrf_of(client), "confirm_date": "on", **JANE})
    assert page.status_code == 500 and 'value="Jane Doe"' in page.get_data(as_text=True)


def test_json_nested_deeper_than_32_levels_is_a_400(client):
    for depth in (33, 5000):
        body = '{"policy": "microneedling", "name": ' + "[" * depth + "]" * depth + "}"
        response = client.post("/api/sheets", data=body, content_type="application/json")
        assert response.status_code == 400, depth
        assert response.json["error"] in (
            "the JSON is nested deeper than 32 levels",
            'the body must be JSON: {"policy", "name", "date", "provider"}',
        )
    ok = '{"policy": "microneedling", "name": ' + "[" * 31 + "]" * 31 + "}"
    response = client.post("/api/sheets", data=ok, content_type="application/json")
    assert response.status_code == 422 and response.json["field"] == "name"


def test_a_body_over_the_limit_is_413_for_the_api_and_the_form_for_the_desk(client):
    response = post_sheet(client, {"policy": "microneedling", "name": "x" * 20000})
    assert response.status_code == 413
    assert response.json == {"error": "the request body is larger than 16 KiB", "field": None}
    page = client.post("/", data={"csrf": csrf_of(client), "name": "x" * 20000})
    text = page.get_data(as_text=True)
    assert page.status_code == 413 and page.mimetype == "text/html"
    assert "The form was larger than 16 KiB." in text and 'name="name"' in text


def test_405_on_the_api_names_the_allowed_methods(client):
    for method in ("GET", "PUT", "DELETE", "OPTIONS"):
        response = client.open("/api/sheets", method=method)
        assert response.status_code == 405, method
        assert response.headers["Allow"].split(", ") == ["POST"]
        assert response.mimetype == "application/json" and response.json["field"] is None
    response = client.open("/", method="OPTIONS")
    assert response.status_code == 405 and set(response.headers["Allow"].split(", ")) == {
        "GET",
        "HEAD",
        "POST",
    }


def test_no_cookie_carries_the_providers_name(live_content, pool, client):
    app = create_app(live_content, pool)
    client = app.test_client()
    desk_sheet(client, **JANE, provider="Dr. Hidden Rivera")
    cookie = client.get_cookie("aftercare_session")
    raw = cookie.value
    decoded = SecureCookieSessionInterface().get_signing_serializer(app).loads(raw)
    assert "Hidden" not in json.dumps(decoded) and "Hidden" not in raw
    assert set(decoded) <= {"csrf", "sid"}
    assert 'value="Dr. Hidden Rivera"' in client.get("/").get_data(as_text=True)  # remembered
    other = app.test_client()
    assert "Hidden" not in other.get("/").get_data(as_text=True)  # only for that browser


@pytest.mark.parametrize("typed", ["٢٠٢٦-١١-٢٣", "2026-13-45", "2026-02-30", "23/11/2026"])
def test_date_errors_never_repeat_the_typed_value(client, typed):
    response = post_sheet(client, {"policy": "microneedling", "name": "Jane", "date": typed})
    assert response.status_code == 422 and response.json["field"] == "date"
    assert typed not in json.dumps(response.json, ensure_ascii=False)
    assert typed not in response.get_data(as_text=True)
    page = client.post(
        "/", data={"csrf": csrf_of(client), "policy": "microneedling", "name": "J", "date": typed}
    )
    error = page.get_data(as_text=True).split('id="date-error">', 1)[1].split("</p>", 1)[0]
    assert typed not in error


@pytest.mark.parametrize("char", ["\u202e", "\u200b", "\u2066", "\ufeff", "\u00ad", "\U000e0041"])
def test_invisible_format_characters_in_names_are_refused_by_code_point(client, char):
    response = post_sheet(client, {"policy": "microneedling", "name": f"Jane {char}eoD"})
    assert response.status_code == 422 and response.json["field"] == "name"
    assert f"U+{ord(char):04X}" in response.json["error"]
    assert "invisible formatting character" in response.json["error"]


def test_joiners_that_scripts_and_emoji_need_are_kept(client):
    names = ["می\u200cخواهم", "\U0001f469\u200d\U0001f4bb Lorem"]
    for name in names:
        response = post_sheet(client, {"policy": "microneedling", "name": name})
        assert response.status_code == 200, response.data[:200]
    assert "Lorem" in pdf_text(response.data)


def test_every_problem_is_reported_together(client):
    response = post_sheet(
        client, {"policy": "nope", "name": "", "date": "2026-02-30", "paper": "b5"}
    )
    assert response.status_code == 422
    assert [p["field"] for p in response.json["problems"]] == ["policy", "name", "date", "paper"]
