"""Schemathesis fuzzes the API from its own OpenAPI description, with every check: the server
must answer every generated request (valid and invalid) as the description says."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode

from generator.paths import CONTENT
from generator.project import LiveContent
from generator.web import create_app

pytestmark = pytest.mark.load
TOKEN = "fuzz-token-0123456789-abcdef"
MAX_EXAMPLES = 40  # per operation, in the fuzzing phase; about a minute in all


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
