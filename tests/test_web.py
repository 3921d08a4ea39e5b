"""The desk and the JSON API through Flask's test client, with real render processes."""

import base64
import html
import json
import logging
import re
import shutil
import threading
from pathlib import Path

import pytest

from generator.content.live import LiveContent
from generator.parallel.desk_pool import RenderPool
from generator.paths import CONTENT
from generator.web.app import create_app

from .conftest import DATA, pdf_text
from .test_languages import add_translation

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
    request = spec["components"]["schemas"]["SheetRequest"]
    assert request["required"] == ["name"]
    assert request["oneOf"] == [{"required": ["policy"]}, {"required": ["policies"]}]


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


def test_access_log_has_client_method_path_status_and_time_only(client, caplog):
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
    assert any(line.startswith("127.0.0.1 POST /api/sheets 200 ") for line in lines)
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


# ---------- Several procedures on one sheet (synthetic policies) -------------------------------

SYNTHETIC = ("example-procedure", "lorem-care", "ipsum-care", "dolor-care")


def synthetic_policy(title: str, version: str, last_end: int) -> str:
    """The synthetic example policy under another title, with a last phase that ends."""
    text = (DATA / "example-procedure.md").read_text()
    text = text.replace("Example Procedure", title).replace('"0.9"', f'"{version}"')
    return text.replace(
        "  - label: Days 3+\n    start: 3\n",
        f"  - label: Days 3-{last_end}\n    start: 3\n    end: {last_end}\n",
    ).replace("## Days 3+", f"## Days 3-{last_end}")


# The synthetic policies of the combined-sheet tests: title, version, last phase's end, and
# what else their front matter says.
SYNTHETIC_POLICIES = {
    "lorem-care": ("Lorem Care", "0.3", 14, ""),
    "ipsum-care": ("Ipsum Care", "2.1", 9, ""),
    "dolor-care": ("Dolor Care", "1.0", 5, ""),
    "cuidado-lorem": ("Cuidado Lorem", "1.0", 5, "lang: es\n"),
    "draft-care": ("Draft Care", "0.1", 4, "draft: true\n"),
}


def synthetic_folder(folder: Path, *slugs: str) -> Path:
    """The demo clinic in `folder` with the example procedure (and its Spanish translation)
    and the synthetic policies `slugs` of SYNTHETIC_POLICIES."""
    folder.mkdir()
    for name in ("clinic.toml", "harbor-logo.svg"):
        shutil.copy(CONTENT / name, folder)
    shutil.copy(DATA / "example-procedure.md", folder)
    for slug in slugs:
        title, version, last_end, extra = SYNTHETIC_POLICIES[slug]
        text = synthetic_policy(title, version, last_end).replace("phases:", extra + "phases:")
        (folder / f"{slug}.md").write_text(text)
    add_translation(folder, "es")
    return folder


def visit_content(folder: Path) -> Path:
    """Four synthetic policies, a Spanish translation of the first, and a draft."""
    return synthetic_folder(folder, "lorem-care", "ipsum-care", "dolor-care", "draft-care")


@pytest.fixture(scope="module")
def visit_folder(tmp_path_factory) -> Path:
    return visit_content(tmp_path_factory.mktemp("visit") / "content")


@pytest.fixture
def visit_client(visit_folder, pool, register):
    """The desk and API serving the synthetic policies, with a register."""
    return create_app(LiveContent(visit_folder), pool, register=register).test_client()


def test_api_policies_make_one_sheet_of_every_procedure(visit_client):
    response = post_sheet(
        visit_client,
        {
            "policies": ["example-procedure", "lorem-care"],
            "name": "Jane Doe",
            "date": "2026-11-23",
        },
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        'inline; filename="example-procedure+lorem-care-2026-11-23-'
        f'{response.headers["X-Sheet-Id"]}.pdf"'
    )
    text = pdf_text(response.data)
    assert "Example Procedure + Lorem Care" in text and "Jane Doe" in text
    # each procedure's phases with their own dates, grouped under its title
    assert (
        "A Example Procedure A1 Day 0 Mon, Nov 23 A2 Days 1-3 Tue, Nov 24 – Thu, Nov 26 "
        "A3 Days 3+ from Thu, Nov 26"
    ) in text
    assert (
        "B Lorem Care B1 Day 0 Mon, Nov 23 B2 Days 1-3 Tue, Nov 24 – Thu, Nov 26 "
        "B3 Days 3-14 Thu, Nov 26 – Mon, Dec 7"
    ) in text


def test_api_combined_sheet_is_one_register_entry_listing_every_policy(visit_client):
    body = {"policies": ["lorem-care", "example-procedure", "ipsum-care"], "name": "Ann Lorem"}
    response = post_sheet(visit_client, body)
    assert response.status_code == 200, response.get_data(as_text=True)
    sheet_id = response.headers["X-Sheet-Id"]
    assert f"Sheet {sheet_id}" in pdf_text(response.data)
    entry = visit_client.get(f"/api/sheets/{sheet_id}")
    assert entry.status_code == 200
    assert [(p["slug"], p["version"]) for p in entry.json["policies"]] == [
        ("lorem-care", "0.3"),
        ("example-procedure", "0.9"),
        ("ipsum-care", "2.1"),
    ]
    assert entry.json["channel"] == "api" and "Ann" not in entry.get_data(as_text=True)


def test_api_one_policy_in_a_list_is_the_same_as_policy(visit_client):
    response = post_sheet(visit_client, {"policies": ["lorem-care"], "name": "Ann"})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith('inline; filename="lorem-care-')
    assert "Lorem Care" in pdf_text(response.data)


def test_api_combined_sheet_in_a_language_every_policy_has(visit_client):
    both = {"policies": ["example-procedure", "lorem-care"], "name": "Ana", "lang": "es"}
    response = post_sheet(visit_client, both)
    assert response.status_code == 422
    assert response.json == {
        "error": "Lorem Care can be issued in: English (en)",
        "field": "lang",
    }
    alone = post_sheet(visit_client, {**both, "policies": ["example-procedure"]})
    assert alone.status_code == 200
    assert alone.headers["Content-Disposition"].startswith(
        'inline; filename="example-procedure-es-'
    )


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (
            {"policy": "lorem-care", "policies": ["lorem-care", "ipsum-care"]},
            "policies",
            "give either policy (one procedure) or policies (several), not both",
        ),
        ({}, "policy", "is required: give policy (one procedure) or policies (several)"),
        (
            {"policies": ["lorem-care", "ipsum-care", "lorem-care"]},
            "policies",
            "lorem-care is chosen twice",
        ),
        (
            {"policies": list(SYNTHETIC)},
            "policies",
            "4 procedures; one sheet combines at most 3",
        ),
        ({"policies": []}, "policies", "choose a procedure"),
        (
            {"policies": ["lorem-care", "botox"]},
            "policies",
            "botox: must be one of: dolor-care, example-procedure, ipsum-care, lorem-care",
        ),
        (
            {"policies": ["lorem-care", "draft-care"]},
            "policies",
            "draft-care: must be one of: dolor-care, example-procedure, ipsum-care, lorem-care",
        ),
        ({"policies": "lorem-care"}, "policies", "must be a list of 1 to 3 policy slugs"),
        ({"policies": ["lorem-care", 7]}, "policies", "must be a list of 1 to 3 policy slugs"),
    ],
)
def test_api_policies_that_cannot_share_a_sheet_are_a_422(visit_client, body, field, message):
    response = post_sheet(visit_client, {**body, "name": "Ann"})
    assert response.status_code == 422
    assert response.json["field"] == field
    assert message in response.json["error"]


def test_api_reports_every_problem_with_policies_at_once(visit_client):
    body = {"policies": ["botox", "lorem-care", "lorem-care", "x", "y"], "name": " "}
    response = post_sheet(visit_client, body)
    assert response.status_code == 422
    said = [(p["field"], p["error"]) for p in response.json["problems"]]
    assert ("policies", "5 procedures; one sheet combines at most 3") in said
    assert ("policies", "lorem-care is chosen twice") in said
    assert any(e.startswith("botox: must be one of") for f, e in said if f == "policies")
    assert ("name", "must not be empty") in said


def test_api_fhir_answer_of_a_combined_sheet_names_every_procedure(visit_client):
    body = {
        "policies": ["example-procedure", "lorem-care"],
        "name": "Jane Doe",
        "date": "2026-11-23",
        "patient_reference": "Patient/123",
    }
    response = post_sheet(visit_client, body, headers={"Accept": "application/fhir+json"})
    assert response.status_code == 200 and response.mimetype == "application/fhir+json"
    assert response.headers["X-Sheet-Id"]
    bundle = response.json
    found = {e["resource"]["resourceType"]: e["resource"] for e in bundle["entry"]}
    assert found["DocumentReference"]["description"] == "Example Procedure + Lorem Care"
    described = [a["detail"]["description"] for a in found["CarePlan"]["activity"]]
    assert described[0] == "Example Procedure: Day 0" and described[-1] == "Lorem Care: Days 3-14"
    # The name is printed on the sheet inside the attachment, and nowhere else in the answer
    # (the attachment is base64: its letters may spell anything, so it is read, not searched).
    attachment = found["DocumentReference"]["content"][0]["attachment"]
    assert "Jane Doe" in pdf_text(base64.b64decode(attachment.pop("data")))
    assert "Jane" not in json.dumps(bundle)


# ---------- The desk's language choice (synthetic policies) --------------------------------------


def language_menu(page: str) -> list[tuple[str | None, str]]:
    """The desk's Language menu as staff see it: each choice's words, with the procedure it
    is listed under (None when it is not in a group); none when there is no menu."""
    menu = page.partition('<select id="lang"')[2].split("</select>", 1)[0]
    choices, group = [], None
    for found in re.finditer(r'<optgroup label="([^"]*)">|</optgroup>|<option[^>]*>([^<]*)<', menu):
        if found[0] == "</optgroup>":
            group = None
        elif found[1] is not None:
            group = html.unescape(found[1])
        else:
            choices.append((group, html.unescape(found[2])))
    return choices


def language_hint(page: str) -> str:
    return html.unescape(page.split('<p class="hint" id="lang-hint">', 1)[1].split("</p>", 1)[0])


OWN = (None, "The procedure's own")


def test_with_no_procedure_chosen_each_language_is_listed_under_its_procedure(visit_client):
    response = visit_client.get("/")
    page = response.get_data(as_text=True)
    # desk.js redoes the menu when other procedures are chosen: its own file, nothing inline
    assert "script-src 'self';" in response.headers["Content-Security-Policy"]
    assert re.findall(r"<script[^>]*>", page) == ['<script src="/assets/desk.js" defer>']
    assert language_menu(page) == [
        OWN,
        ("Dolor Care", "English"),
        ("Example Procedure", "English"),
        ("Example Procedure", "español (Spanish)"),
        ("Ipsum Care", "English"),
        ("Lorem Care", "English"),
    ]
    assert language_hint(page) == "Each procedure lists the languages it can be issued in."


@pytest.mark.parametrize(
    ("chosen", "languages", "hint"),
    [
        (["lorem-care"], ["English"], "Lorem Care"),
        (["example-procedure"], ["English", "español (Spanish)"], "Example Procedure"),
        (["example-procedure", "lorem-care"], ["English"], "Example Procedure and Lorem Care"),
    ],
)
def test_a_form_back_with_a_problem_lists_only_the_chosen_procedures_languages(
    visit_client, chosen, languages, hint
):
    data = {"csrf": csrf_of(visit_client), "policy": chosen, "name": "", "when": "today"}
    response = visit_client.post("/", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Patient name must not be empty" in page
    assert language_menu(page) == [OWN, *((None, name) for name in languages)]
    assert language_hint(page) == f"The languages {hint} can be issued in."


def test_a_language_the_procedure_lacks_is_refused_and_no_longer_offered(visit_client):
    data = {"csrf": csrf_of(visit_client), "policy": "lorem-care", "name": "Ann", "lang": "es",
            "when": "today"}  # fmt: skip
    response = visit_client.post("/", data=data)
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    error = page.split('<p class="error" id="lang-error">', 1)[1].split("</p>", 1)[0]
    assert error == "Language: Lorem Care can be issued in: English (en)"
    assert language_menu(page) == [OWN, (None, "English")]


def test_the_next_patient_is_offered_the_remembered_procedures_languages(visit_client):
    desk_sheet(visit_client, policy="lorem-care", name="Ann Lorem")
    page = visit_client.get("/next").get_data(as_text=True)
    assert re.search(r'<option value="lorem-care"[^>]* selected>', page)
    assert language_menu(page) == [OWN, (None, "English")]
    assert language_hint(page) == "The languages Lorem Care can be issued in."
