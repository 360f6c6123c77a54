"""What the API tests share: signing a client in, JSON requests, a list's ids, counting
queries, and the lessons most tests start from (Colin's draft, a published lesson, project
B's secret).

Personas as in tests/conftest.py: Colin the contributor (member of project A), Rita the
reader, Clara the curator, Adam the administrator, Dave who has left.
"""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lessons.models import Lesson
from tests.factories import LessonFactory

Status = Lesson.Status
TODAY = timezone.localdate


@pytest.fixture(autouse=True)
def fresh_cache():
    """Rate limits and the search's vocabulary live in the cache: each test starts afresh."""
    cache.clear()
    yield
    cache.clear()


def as_user(client, user):
    client.force_login(user)
    return client


def post(client, url, data=None, method="post"):
    return getattr(client, method)(url, json.dumps(data or {}), content_type="application/json")


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def draft(contributor, project_a):
    return LessonFactory(
        title="Draft about cutover rehearsals",
        submitted_by=contributor,
        status=Status.DRAFT,
        project=project_a,
        tags=["cutover"],
    )


@pytest.fixture
def published(project_a):
    return LessonFactory(title="Published supplier lesson", project=project_a, tags=["supplier"])


@pytest.fixture
def secret(project_b):
    """Project B's members only: Colin and Rita may not see it."""
    return LessonFactory(
        title="Secret of project B", project=project_b, visibility=Lesson.Visibility.PROJECT
    )


def count_queries(client, url, params=None) -> int:
    """How many queries one GET of ``url`` runs (it must answer 200)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200, response.content
    return len(queries)
