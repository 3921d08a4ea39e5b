"""Schemathesis fuzzes the API from its own OpenAPI description, with every check: the server
must answer every generated request (valid and invalid) as the description says. Once with the
shipped content, and once more for `POST /api/sheets` with several synthetic policies in two
languages, where `policy`/`policies` and `lang` rules meet."""

import json

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode

from generator.content.live import LiveContent
from generator.paths import CONTENT
from generator.web.app import create_app
from generator.web.openapi import spec

from .test_web import synthetic_folder

pytestmark = pytest.mark.load
TOKEN = "fuzz-token-0123456789-abcdef"
MAX_EXAMPLES = 40  # per operation, in the fuzzing phase; about three minutes in all


class _SessionPool:
    """Stands in for the test session's render pool, which starts only when a test runs."""

    target = None

    def __getattr__(self, name):
        return getattr(type(self).target, name)


APP = create_app(LiveContent(CONTENT), _SessionPool(), token=TOKEN)
schema = schemathesis.openapi.from_wsgi(
    "/api/openapi.json", APP, headers={"Authorization": f"Bearer {TOKEN}"}
)
schema.config.update(headers={"Authorization": f"Bearer {TOKEN}"})
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=MAX_EXAMPLES
)
schema.config.phases.update(phases=["examples", "coverage", "fuzzing"])


@pytest.fixture(autouse=True)
def _real_pool(pool):
    _SessionPool.target = pool


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_the_api_answers_as_its_description_says(case):
    case.call_and_validate()


# Four synthetic policies: one also in Spanish, one whose own language is Spanish.
LANGUAGES = {
    "cuidado-lorem": ["es"],
    "example-procedure": ["en", "es"],
    "ipsum-care": ["en"],
    "lorem-care": ["en"],
}


class _LateApp:
    """Stands in for the desk of the synthetic policies, made in a temporary folder when the
    test runs (the description is known before: it is made from the policies alone)."""

    target = None

    def __call__(self, environ, start_response):
        return type(self).target(environ, start_response)


COMBINED = schemathesis.openapi.from_dict(json.loads(json.dumps(spec(list(LANGUAGES), LANGUAGES))))
COMBINED.app = _LateApp()
COMBINED.config.update(headers={"Authorization": f"Bearer {TOKEN}"})
COMBINED.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=MAX_EXAMPLES
)
COMBINED.config.phases.update(phases=["examples", "coverage", "fuzzing"])


@pytest.fixture(scope="module")
def combined_desk(tmp_path_factory):
    """The desk of the synthetic policies; it must describe itself as COMBINED says."""
    slugs = ("lorem-care", "ipsum-care", "cuidado-lorem")
    folder = synthetic_folder(tmp_path_factory.mktemp("fuzz") / "content", *slugs)
    app = create_app(LiveContent(folder), _SessionPool(), token=TOKEN)
    served = app.test_client().get(
        "/api/openapi.json", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert served.json == COMBINED.raw_schema
    _LateApp.target = app
    yield app
    _LateApp.target = None


@COMBINED.include(path="/api/sheets", method="POST").parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_several_policies_and_languages_are_answered_as_described(case, combined_desk):
    case.call_and_validate()
