"""The OpenAPI description states exactly what the server enforces: every rule in the
schema accepts and refuses the same values as the server's own checks."""

import json
import re
from datetime import date, timedelta

import jsonschema_rs  # what Schemathesis validates with (tests/test_fuzz.py)
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from generator.content import patient as patient_module
from generator.content.live import LiveContent
from generator.errors import AftercareError
from generator.web import sheet_requests as sheets
from generator.web.openapi import spec

from .conftest import examples
from .test_web import synthetic_folder

SPEC_FIELDS = (
    "policy", "policies", "name", "date", "provider", "paper", "lang", "large_print", "pdf_a",
)  # fmt: skip
API_ONLY_FIELDS = ("patient_reference", "print")  # a FHIR answer; printing on CUPS (issue 24)
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
    assert sorted(sheets.FIELDS) == sorted(SPEC_FIELDS)  # the fields the server reads
    assert request["properties"]["policy"]["enum"] == ["microneedling"]
    assert request["properties"]["policies"] == {
        "type": "array",
        "minItems": 1,
        "maxItems": 3,
        "uniqueItems": True,
        "items": {"type": "string", "enum": ["microneedling"]},
        "description": request["properties"]["policies"]["description"],
    }
    assert request["additionalProperties"] is False and request["required"] == ["name"]
    assert request["oneOf"] == [{"required": ["policy"]}, {"required": ["policies"]}]
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
    assert request["anyOf"] == [
        {
            "properties": {
                "lang": {"enum": ["", None]},
                "policies": {"items": {"enum": ["lorem", "ipsum"]}},
            }
        },
        {
            "required": ["lang"],
            "properties": {
                "lang": {"const": "en"},
                "policy": {"enum": ["lorem", "ipsum"]},
                "policies": {"items": {"enum": ["lorem", "ipsum"]}},
            },
        },
        {
            "required": ["lang"],
            "properties": {
                "lang": {"const": "es"},
                "policy": {"enum": ["lorem"]},
                "policies": {"items": {"enum": ["lorem"]}},
            },
        },
    ]


# ---------- Which policies, and in which language: schema and server agree ---------------------


@pytest.fixture(scope="module")
def languages_content(tmp_path_factory):
    """Synthetic policies: one with a Spanish translation, three in English only, one whose
    own language is Spanish, and a draft."""
    slugs = ("lorem-care", "ipsum-care", "dolor-care", "cuidado-lorem", "draft-care")
    folder = synthetic_folder(tmp_path_factory.mktemp("openapi") / "content", *slugs)
    content = LiveContent(folder).current()
    assert not content.problems
    slugs = [policy.slug for policy in content.offered()]
    described = spec(slugs, {slug: content.languages(slug) for slug in slugs})
    return content, described["components"]["schemas"]["SheetRequest"]


OFFERED = ["example-procedure", "lorem-care", "ipsum-care", "dolor-care", "cuidado-lorem"]
NOT_OFFERED = ["draft-care", "botox", ""]
slug = st.sampled_from(OFFERED) | st.sampled_from(NOT_OFFERED)
slugs = st.lists(st.sampled_from(OFFERED), min_size=1, max_size=5, unique=True) | st.lists(
    slug, max_size=5
)
not_a_slug = st.none() | st.integers() | st.lists(st.integers(), max_size=2)
choices = st.one_of(
    st.fixed_dictionaries({"policy": slug}),
    st.fixed_dictionaries({"policies": slugs}),
    st.fixed_dictionaries({"policy": slug | not_a_slug, "policies": slugs | not_a_slug}),
    st.fixed_dictionaries({}, optional={"policy": not_a_slug, "policies": slug | not_a_slug}),
)
languages = st.fixed_dictionaries(
    {}, optional={"lang": st.sampled_from(["en", "es", "ar", "", None])}
)
bodies = st.builds(lambda chosen, lang: {"name": "Ann Lorem", **chosen, **lang}, choices, languages)


@settings(max_examples=examples(1000), deadline=None)
@given(body=bodies)
@example(body={"name": "Ann", "policies": ["example-procedure", "cuidado-lorem"]})
@example(body={"name": "Ann", "policies": ["lorem-care", "lorem-care"]})
@example(body={"name": "Ann", "policies": OFFERED[:4]})
@example(body={"name": "Ann", "policies": ["lorem-care", "ipsum-care"], "lang": "es"})
@example(body={"name": "Ann", "policies": ["cuidado-lorem", "example-procedure"], "lang": "es"})
@example(body={"name": "Ann", "policy": "lorem-care", "policies": ["lorem-care"]})
def test_the_policy_and_language_rules_match_the_server(languages_content, body):
    content, rules = languages_content
    valid = jsonschema_rs.validator_for(rules).is_valid(body)
    assert valid == accepted(sheets.parse_sheet_request, content, body), body


def test_mixed_languages_are_refused_by_both(languages_content):
    content, rules = languages_content
    body = {"name": "Ann", "policies": ["lorem-care", "cuidado-lorem"]}
    assert not jsonschema_rs.validator_for(rules).is_valid(body)
    with pytest.raises(AftercareError) as refused:
        sheets.parse_sheet_request(content, body)
    assert [(p.field, p.message) for p in refused.value.problems] == [
        ("lang", "Lorem Care can be issued in: English (en)"),
        ("lang", "Cuidado Lorem can be issued in: Spanish (es)"),
    ]
    both = {**body, "policies": ["example-procedure", "cuidado-lorem"], "lang": "es"}
    assert jsonschema_rs.validator_for(rules).is_valid(both)
    chosen = sheets.parse_sheet_request(content, both).policies
    assert [(p.title, p.lang) for p in chosen] == [
        ("Procedimiento de ejemplo", "es"),
        ("Cuidado Lorem", "es"),
    ]
