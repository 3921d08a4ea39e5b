"""The desk and the JSON API through Flask's test client, with real render processes."""

import json
import logging
import threading

import pytest

from generator.paths import CONTENT
from generator.pool import RenderPool
from generator.web import create_app

from .conftest import pdf_text

TOKEN = "correct-horse-battery-staple"


@pytest.fixture
def token_client(live_content, pool):
    return create_app(live_content, pool, token=TOKEN).test_client()


def post_sheet(client, body, **kwargs):
    return client.post(
        "/api/sheets", data=json.dumps(body), content_type="application/json", **kwargs
    )


def csrf_of(client) -> str:
    page = client.get("/").get_data(as_text=True)
    return page.split('name="csrf" value="', 1)[1].split('"', 1)[0]


def desk_sheet(client, **fields) -> tuple[str, bytes]:
    """Submit the desk form as staff would; (the result page, the PDF behind Print)."""
    when = "other" if fields.get("date") else "today"
    data = {"csrf": csrf_of(client), "when": when, "confirm_date": "on", **fields}
    response = client.post("/", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)[-600:]
    location = response.headers["Location"]
    page = client.get(location)
    assert page.status_code == 200
    pdf = client.get(f"{location}/sheet.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    return page.get_data(as_text=True), pdf.data


def test_api_answers_a_pdf_with_the_patients_name(client):
    response = post_sheet(
        client,
        {
            "policy": "microneedling",
            "name": "Jane Doe",
            "date": "2026-11-23",
            "provider": "Dr. Rivera",
        },
    )
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        'inline; filename="microneedling-2026-11-23.pdf"'
    )
    assert response.headers["Cache-Control"] == "no-store"
    text = pdf_text(response.data)
    assert "Jane Doe" in text and "Dr. Rivera" in text and "Tue, Nov 24" in text


@pytest.mark.parametrize(
    ("body", "status", "field", "message"),
    [
        (
            {"policy": "microneedling", "name": "Jane", "date": "2026-02-30"},
            422,
            "date",
            "is not a real date",
        ),
        ({"policy": "botox", "name": "Jane"}, 422, "policy", "must be one of: microneedling"),
        ({"policy": "microneedling", "name": "  "}, 422, "name", "must not be empty"),
        ({"policy": "microneedling", "name": "x" * 201}, 422, "name", "at most 200"),
        ({"policy": "microneedling", "name": 42}, 422, "name", "must be a string"),
        (
            {"policy": "microneedling", "name": "Jane", "paper": "legal"},
            422,
            "paper",
            "must be one",
        ),
        ({"policy": "microneedling", "name": "Jane", "email": "x"}, 422, "email", "unknown field"),
        (["microneedling", "Jane"], 400, None, "must be a JSON object"),
    ],
)
def test_api_bad_input_is_a_json_error_naming_the_field(client, body, status, field, message):
    response = post_sheet(client, body)
    assert response.status_code == status
    assert response.json["field"] == field
    assert message in response.json["error"]


def test_api_malformed_json_and_oversized_bodies_are_refused(client):
    response = client.post("/api/sheets", data="{not json", content_type="application/json")
    assert response.status_code == 400 and "must be JSON" in response.json["error"]
    huge = {"policy": "microneedling", "name": "x" * 20000}
    response = post_sheet(client, huge)
    assert response.status_code == 413 and "larger than 16 KiB" in response.json["error"]


def test_policies_health_and_openapi(client):
    assert client.get("/api/policies").json == [
        {
            "slug": "microneedling",
            "title": "Micro-Needling Post Procedure",
            "version": "1.0",
            "languages": ["en"],
        }
    ]
    assert client.get("/healthz").json["status"] == "ok"
    spec = client.get("/api/openapi.json").json
    assert spec["openapi"].startswith("3.") and "/api/sheets" in spec["paths"]
    assert spec["components"]["schemas"]["SheetRequest"]["required"] == ["policy", "name"]


def test_desk_form_defaults_to_today_and_makes_a_pdf(client):
    page = client.get("/").get_data(as_text=True)
    assert 'id="when-today" name="when" type="radio" value="today" checked' in page
    assert "Micro-Needling Post Procedure" in page
    _, pdf = desk_sheet(
        client,
        policy="microneedling",
        name="Zoë Lorem",
        date="2026-11-23",
        provider="Dr. Ipsum",
        paper="a4",
    )
    assert "Zoë Lorem" in pdf_text(pdf)
    assert 'value="Dr. Ipsum"' in client.get("/").get_data(as_text=True)  # remembered


def test_desk_errors_sit_beside_their_field_and_input_is_kept(client):
    response = client.post(
        "/",
        data={
            "csrf": csrf_of(client),
            "policy": "microneedling",
            "name": "Ann <b>Bold</b>",
            "date": "2026-02-30",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert '<p class="error" id="date-error">Procedure date is not a real date' in page
    assert 'aria-describedby="date-error"' in page
    assert 'value="Ann &lt;b&gt;Bold&lt;/b&gt;"' in page


def test_desk_post_without_csrf_token_is_refused(client):
    response = client.post("/", data={"policy": "microneedling", "name": "Jane"})
    assert response.status_code == 400


def test_without_a_token_only_loopback_host_names_are_served(client):
    assert client.get("/healthz", headers={"Host": "evil.example"}).status_code == 403
    assert client.get("/healthz", headers={"Host": "localhost:8000"}).status_code == 200


def test_with_a_token_every_request_presents_it(token_client):
    body = {"policy": "microneedling", "name": "Jane"}
    assert post_sheet(token_client, body).status_code == 401
    wrong = post_sheet(token_client, body, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    right = post_sheet(token_client, body, headers={"Authorization": f"Bearer {TOKEN}"})
    assert right.status_code == 200
    assert token_client.get("/").headers["Location"] == "/signin"
    form = token_client.get("/signin").get_data(as_text=True)
    csrf = form.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    assert token_client.post("/signin", data={"csrf": csrf, "token": "nope"}).status_code == 401
    signed = token_client.post("/signin", data={"csrf": csrf, "token": TOKEN})
    assert signed.status_code == 302
    cookie = signed.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert token_client.get("/").status_code == 200
    assert post_sheet(token_client, body).status_code == 401  # the API never takes the cookie


def test_access_log_has_method_path_status_and_time_only(client, caplog):
    caplog.set_level(logging.INFO, logger="aftercare.access")
    post_sheet(
        client,
        {
            "policy": "microneedling",
            "name": "Secret Person",
            "date": "2026-11-23",
            "provider": "Dr. Hidden",
        },
    )
    client.post("/", data={"csrf": csrf_of(client), "name": "Other Secret", "date": "bad"})
    lines = [r.getMessage() for r in caplog.records if r.name == "aftercare.access"]
    assert any(line.startswith("POST /api/sheets 200 ") for line in lines)
    joined = "\n".join(r.getMessage() for r in caplog.records)
    for secret in ("Secret", "Hidden", "2026-11-23"):
        assert secret not in joined


def test_concurrent_requests_never_mix_patients(client):
    names = [f"Patient Number {i}" for i in range(8)]
    results = {}

    def ask(name):
        response = post_sheet(client, {"policy": "microneedling", "name": name})
        results[name] = pdf_text(response.data)

    threads = [threading.Thread(target=ask, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for name in names:
        others = [other for other in names if other != name]
        assert name in results[name]
        assert not any(other in results[name] for other in others)


def test_a_render_past_its_time_limit_is_a_503_and_serving_goes_on(live_content):
    pool = RenderPool(CONTENT, size=1, timeout=60)
    try:
        client = create_app(live_content, pool).test_client()
        before = pool.pids
        pool.timeout = 0.001
        response = post_sheet(client, {"policy": "microneedling", "name": "Slow Sheet"})
        assert response.status_code == 503 and "time limit" in response.json["error"]
        assert pool.pids != before  # the stuck worker was replaced
        assert client.get("/healthz").status_code == 200
        pool.timeout = 60
        again = post_sheet(client, {"policy": "microneedling", "name": "Next Patient"})
        assert again.status_code == 200 and "Next Patient" in pdf_text(again.data)
    finally:
        pool.close()


def test_serve_refuses_other_addresses_without_a_token(run, monkeypatch):
    monkeypatch.delenv("AFTERCARE_TOKEN", raising=False)
    result = run("serve", "--host", "0.0.0.0")
    assert result.code == 1
    assert "refusing to listen on 0.0.0.0 without an access token" in result.err


def test_a_short_token_is_refused(run, tmp_path):
    path = tmp_path / "token"
    path.write_text("short")
    result = run("serve", "--host", "0.0.0.0", "--token-file", path)
    assert result.code == 1 and "at least 16 characters" in result.err
