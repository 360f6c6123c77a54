"""The OpenAPI schema (issue 7): complete and valid, and the API it describes never answers 5xx.

1. ``test_schema_is_complete_and_valid`` generates the schema as ``manage.py spectacular
   --validate --fail-on-warn`` does: every endpoint, parameter and response must be
   described (drf-spectacular warns when it has to guess) and the result must be valid
   OpenAPI 3.
2. ``test_api_survives_generated_requests`` fuzzes every operation of that schema with
   schemathesis: generated valid and invalid parameters and bodies, sent through Hindsight's
   WSGI application with a personal token, must never produce a 5xx, and answers must match
   their declared content type and schema. It covers each endpoint as it is added.

How this combines with pytest-django: the schema is generated in-process when pytest collects
this module, so each operation is its own test item; each item's fixtures (``db``, a token,
some rows) are made once and shared by its examples. (``schemathesis.pytest.from_fixture``
would fetch the schema with the token instead, but schemathesis 4.32 sets ``Node._nodeid``,
which pytest 9.2 no longer has.) Requests go through Django's real WSGI handler inside the
``db`` fixture's transaction; that handler closes "old" connections at the start and end of
each request, which would close the test's connection and lose its transaction, so a
fixture switches that off for the test, exactly as Django's own test client does.

Bounded for CI (about a minute on either database): a fixed seed, deterministic generation,
no example database, a small number of fuzzed examples per operation
(``HINDSIGHT_FUZZ_EXAMPLES``, default 15), the coverage phase for invalid input only (valid
input is what the fuzzing phase draws), and no stateful phase. Deselect with ``-m "not fuzz"``
for a quick local run.
"""

from __future__ import annotations

import json
import os

import pytest
import schemathesis
from django.core.management import CommandError, call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.urls import path
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import tokens
from config.wsgi import application
from lessons.models import Category
from tests.factories import LessonFactory, PhaseFactory

FUZZ_EXAMPLES = int(os.environ.get("HINDSIGHT_FUZZ_EXAMPLES", "15"))


# -- 1. the schema itself -----------------------------------------------------------------------


@pytest.mark.django_db
def test_schema_is_complete_and_valid(capsys):
    GENERATOR_STATS.reset()  # warnings are counted per process; count this run's only
    try:
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", os.devnull)
    except CommandError as error:
        pytest.fail(f"{error}:\n{capsys.readouterr().err}", pytrace=False)


class _Probe(APIView):
    """An endpoint with the API's default authentication, to read how the schema shows it."""

    def get(self, request):
        return Response({})


def test_schema_describes_the_personal_token_and_the_session():
    schema = SchemaGenerator(patterns=[path("api/probe/", _Probe.as_view())]).get_schema(
        request=None, public=True
    )

    scheme = schema["components"]["securitySchemes"]["personalToken"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
    assert "profile page" in scheme["description"]
    assert {"personalToken": []} in schema["paths"]["/api/probe/"]["get"]["security"]
    assert "cookieAuth" in schema["components"]["securitySchemes"]


# -- 2. fuzzing every operation -----------------------------------------------------------------


def _served_schema() -> dict:
    """The schema /api/schema/ serves, generated in-process: pytest collects this module before
    any test database exists, so it cannot be fetched with a token yet. (Fetching it with a
    token is covered in tests/test_api_tokens.py.) Silenced: test 1 reports the warnings."""
    with GENERATOR_STATS.silence():
        raw = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(raw))


schema = schemathesis.openapi.from_dict(
    _served_schema(),
    config=schemathesis.Config.from_dict(
        {
            "seed": 20261123,
            "generation": {
                "max-examples": FUZZ_EXAMPLES,
                "deterministic": True,
                "database": "none",
            },
            "phases": {
                "stateful": {"enabled": False},
                "coverage": {"generation": {"mode": "negative"}},
            },
        }
    ),
)


@pytest.fixture
def keep_test_connection():
    """Let WSGI requests run inside the test's transaction (see the module docstring)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_auth(db, keep_test_connection, curator, contributor, project_a, settings):
    """A curator's token (they may call every operation), some real rows for generated ids
    to hit, and no rate limit to hide answers behind 429."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user": "1000000/hour", "anon": "1000000/hour"},
    }
    phase = PhaseFactory(project=project_a, name="Planning", order=1)
    category = Category.objects.order_by("pk").first()
    for n in range(3):
        LessonFactory(
            project=project_a, phase=phase, category=category, submitted_by=contributor
        ).tags.add("fuzz", f"tag-{n}")
    _, key = tokens.create_token(curator, "Schema fuzzing")
    return {"Authorization": f"Bearer {key}"}


@pytest.mark.fuzz
@schema.parametrize()
@settings(
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
def test_api_survives_generated_requests(case, api_auth):
    case.call_and_validate(
        app=application,
        headers=api_auth,
        checks=[
            schemathesis.checks.not_a_server_error,
            schemathesis.checks.content_type_conformance,
            schemathesis.checks.response_schema_conformance,
        ],
    )
