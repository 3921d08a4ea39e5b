"""The OpenAPI description states exactly what the server enforces: every rule in the
schema accepts and refuses the same values as the server's own checks."""

import json
import re
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from generator import patient as patient_module
from generator.errors import AftercareError
from generator.web.openapi import spec

from .conftest import examples

SPEC_FIELDS = ("policy", "name", "date", "provider", "paper", "lang", "large_print", "pdf_a")
API_ONLY_FIELDS = ("patient_reference",)  # for a FHIR answer; the desk's form has no such field
any_text = st.text(st.characters(codec="utf-8"), max_size=210)
wide_text = st.one_of(
    any_text,
    st.text(st.characters(categories=("Cf", "Zs", "Zl", "Zp", "Cc", "Co", "Cn")), max_size=8),
    st.text(st.sampled_from(" \t\u00a0\u200c\u200d\u202e\u2028\u3000a\U0001f469"), max_size=12),
)


RULES = spec(["microneedling"])["components"]["schemas"]["SheetRequest"]["properties"]


def accepted(check, *args) -> bool:
    try:
        check(*args)
    except AftercareError:
        return False
    return True


def ecma(pattern: str) -> re.Pattern:
    """A JSON Schema (ECMA-262) pattern in Python: `$` means the end of the text only."""
    return re.compile(pattern.replace("$", r"\Z"))  # our patterns use `$` only as an anchor


def schema_accepts(rule: dict, value) -> bool:
    if value is None:
        return "null" in rule["type"]
    return len(value) <= rule.get("maxLength", 10**9) and bool(ecma(rule["pattern"]).search(value))


def test_the_description_lists_the_policies_and_every_field(client):
    served = client.get("/api/openapi.json").json
    assert served == json.loads(json.dumps(spec(["microneedling"])))
    request = served["components"]["schemas"]["SheetRequest"]
    assert sorted(request["properties"]) == sorted(SPEC_FIELDS + API_ONLY_FIELDS)
    assert request["properties"]["policy"]["enum"] == ["microneedling"]
    assert request["additionalProperties"] is False and request["required"] == ["policy", "name"]
    responses = served["paths"]["/api/sheets"]["post"]["responses"]
    assert sorted(responses) == ["200", "400", "401", "403", "413", "422", "429", "500", "503"]
    for path in served["paths"].values():  # every operation states the limits it enforces
        for operation in path.values():
            assert {"403", "413", "500"} <= set(operation["responses"])
    for status, response in responses.items():
        if status != "200":
            schema = response["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Error"}
    assert responses["503"]["headers"]["Retry-After"]["required"] is True


@settings(max_examples=examples(400), deadline=None)
@given(name=wide_text)
def test_name_rule_in_the_description_matches_the_server(name):
    rule = RULES["name"]
    server = accepted(patient_module.clean_text, name, "name", True)
    assert schema_accepts(rule, name) == server, [f"U+{ord(c):04X}" for c in name]


@settings(max_examples=examples(400), deadline=None)
@given(provider=st.one_of(st.none(), wide_text))
def test_provider_rule_in_the_description_matches_the_server(provider):
    rule = RULES["provider"]
    server = accepted(patient_module.clean_text, provider, "provider", False)
    assert schema_accepts(rule, provider) == server, provider


def test_date_rule_matches_the_server_for_every_day_from_1899_to_2200():
    rule = RULES["date"]
    pattern = ecma(rule["pattern"])
    day = date(1899, 12, 1)
    while day <= date(2200, 1, 31):
        text = day.isoformat()
        assert bool(pattern.search(text)) == accepted(patient_module.parse_date, text), text
        day += timedelta(days=1)
    for month in range(0, 100):
        for dom in range(0, 100):
            for year in ("1900", "2000", "2024", "2100", "2199"):
                text = f"{year}-{month:02d}-{dom:02d}"
                assert bool(pattern.search(text)) == accepted(patient_module.parse_date, text)


@settings(max_examples=examples(300), deadline=None)
@given(
    text=st.one_of(
        st.none(),
        any_text,
        st.from_regex(r"\d{4}-\d{2}-\d{2}", fullmatch=True),
        st.from_regex(r"\s*[0-9]{4}-[0-9]{2}-[0-9]{2}\s*", fullmatch=True),
    )
)
def test_date_rule_matches_the_server_for_any_text(text):
    rule = RULES["date"]
    assert schema_accepts(rule, text) == accepted(patient_module.parse_date, text), text


def test_policies_with_different_languages_each_name_their_own():
    described = spec(["lorem", "ipsum"], {"lorem": ["en", "es"], "ipsum": ["en"]})
    request = described["components"]["schemas"]["SheetRequest"]
    assert request["properties"]["lang"]["enum"] == ["en", "es", "", None]
    assert request["oneOf"] == [
        {"properties": {"policy": {"const": "lorem"}, "lang": {"enum": ["en", "es", "", None]}}},
        {"properties": {"policy": {"const": "ipsum"}, "lang": {"enum": ["en", "", None]}}},
    ]
