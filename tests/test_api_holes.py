"""Issue 25, desk and API (13-15): names that print blank are refused; the OpenAPI description
states the sheet ID and reprint rules the server keeps; the Bearer scheme is case-insensitive."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.errors import AftercareError
from generator.record.register import parse_sheet_id
from generator.web.openapi import spec

from .conftest import examples

TOKEN = "holes-token-0123456789-abcdef"
SHEET = {"policy": "microneedling", "date": "2026-11-23"}
DESCRIPTION = spec(["microneedling"])


def ecma(pattern: str) -> re.Pattern:
    return re.compile(pattern.replace("$", r"\Z"))


@pytest.mark.parametrize("blank", ["\u3164", "\u2800", " \u3164 \u2800 ", "\u115f\u1160", "."])
def test_a_name_that_prints_blank_is_refused(client, blank):
    response = client.post("/api/sheets", json={**SHEET, "name": blank})
    assert response.status_code == 422 and response.json["field"] == "name"
    assert response.json["error"] == "must have a letter or digit that prints; it would print blank"
    provider = client.post("/api/sheets", json={**SHEET, "name": "Jane", "provider": "\u3164"})
    assert provider.status_code == 422 and provider.json["field"] == "provider"
    rule = DESCRIPTION["components"]["schemas"]["SheetRequest"]["properties"]["name"]
    assert not ecma(rule["pattern"]).search(blank)


def test_the_sheet_id_rule_in_the_description_is_the_servers(client):
    path = DESCRIPTION["paths"]["/api/sheets/{id}"]["get"]["parameters"][0]["schema"]
    body = DESCRIPTION["components"]["schemas"]["ReprintRequest"]["properties"]
    assert path["pattern"] == body["id"]["pattern"]
    assert body["name"]["maxLength"] == 200 and body["name"]["pattern"]
    refused = client.post("/api/reprints", json={"id": "0", "name": "Jane Doe"})
    assert refused.status_code == 422 and refused.json["field"] == "id"
    blank = client.post("/api/reprints", json={"id": "K7QM-2X9A", "name": "\u3164"})
    assert blank.status_code == 422 and blank.json["field"] == "name"


sheet_ids = st.one_of(
    st.text(max_size=12),
    st.text(st.sampled_from("0123456789abcxyzABCXYZuUoOiIlL -\t\x1c\u3000\ufeffı"), max_size=14),
)


@settings(max_examples=examples(300), deadline=None)
@given(text=sheet_ids)
def test_the_sheet_id_pattern_accepts_exactly_what_the_server_reads(text):
    pattern = ecma(DESCRIPTION["paths"]["/api/sheets/{id}"]["get"]["parameters"][0]["schema"][
        "pattern"
    ])  # fmt: skip
    try:
        parse_sheet_id(text)
        server = True
    except AftercareError:
        server = False
    assert bool(pattern.search(text)) == server, [f"U+{ord(c):04X}" for c in text]


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "bEaReR"])
def test_the_bearer_scheme_is_case_insensitive_and_the_token_is_not(live_content, pool, scheme):
    from generator.web.app import create_app

    client = create_app(live_content, pool, token=TOKEN).test_client()
    right = client.get("/api/policies", headers={"Authorization": f"{scheme} {TOKEN}"})
    assert right.status_code == 200
    wrong = client.get("/api/policies", headers={"Authorization": f"{scheme} {TOKEN.upper()}"})
    assert wrong.status_code == 401
