"""The /insights/ page: who may open it, its filter form, what it shows, and a number of
queries that does not grow with the data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from insights.filters import InsightFilters
from lessons.models import LessonViewDay
from tests.factories import (
    ActionFactory,
    ApplicationFactory,
    LessonFactory,
    ProjectFactory,
    RatingFactory,
)

D = dt.date


def test_the_page_shows_a_readers_figures(kpi_world, reader, client):
    client.force_login(reader)
    response = client.get("/insights/")
    assert response.status_code == 200
    assert response.context["total"] == 4
    page = response.content.decode()
    assert "Lesson five" not in page and "Lesson six" not in page
    assert 'href="/lessons/?category=technical&amp;phase=Planning"' in page
    assert 'class="heat heat-5"' in page
    assert "style=" not in page  # the content security policy forbids inline styles


def test_the_page_applies_its_filters(kpi_world, reader, client):
    client.force_login(reader)
    response = client.get("/insights/", {"from": "2025-03-01", "to": "2025-04-30"})
    assert response.context["total"] == 2
    assert response.context["filters"] == InsightFilters(start=D(2025, 3, 1), end=D(2025, 4, 30))


@pytest.mark.parametrize(
    ("params", "total"),
    [
        ({"from": "2025-13-01"}, 4),
        ({"to": "not a date"}, 4),
        # The end date is refused; the start alone applies, and no lesson is that late.
        ({"from": "2025-05-01", "to": "2025-01-01"}, 0),
        ({"department": "999999"}, 4),
        ({"department": "x"}, 4),
        ({"project_type": "no-such-type", "from": "2025-03-01"}, 2),
    ],
)
def test_bad_filters_are_reported_and_left_out(kpi_world, reader, client, params, total):
    client.force_login(reader)
    response = client.get("/insights/", params)
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["warning"]
    assert response.context["form"].errors
    assert response.context["total"] == total  # only the valid filters apply


def test_insights_requires_sign_in(client):
    response = client.get("/insights/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_nav_links_to_insights(reader, client):
    client.force_login(reader)
    assert 'href="/insights/"' in client.get("/").content.decode()


def test_the_page_shows_outcomes_and_themes(outcome_world, reader, client):
    L = outcome_world["lessons"]
    L[1].tags.add("vendor", "scope")
    L[6].tags.add("secret")
    client.force_login(reader)
    response = client.get("/insights/")
    page = response.content.decode()
    assert 'id="outcomes"' in page and 'id="themes"' in page
    assert response.context["outcomes"]["total"] == 6
    assert 'href="/lessons/?tag=vendor"' in page
    assert "secret" not in page
    assert "tag=scope&amp;tag=vendor" not in page  # a pair is not a link (tags OR together)
    assert "style=" not in page


def grow(size: int) -> None:
    """``size`` more lessons, each rated, viewed, applied and with actions, in new projects."""
    for n in range(size):
        lesson = LessonFactory(occurred_on=D(2024, 1 + n % 12, 1), phase=None)
        RatingFactory(lesson=lesson, score=1 + n % 5)
        lesson.tags.add("grown", f"grown-{n % 3}")
        closed = ProjectFactory(status="closed", outcome="success", end_date=D(2024, 6, 1))
        ApplicationFactory(lesson=lesson, project=closed, hours_saved=Decimal(n))
        ActionFactory(lesson=lesson, status="done", completed_on=timezone.localdate())
        ActionFactory(lesson=lesson)
        LessonViewDay.objects.create(lesson=lesson, day=D(2025, 1, 1), count=n + 1)


def page_queries(client, filters: dict) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/insights/", filters).status_code == 200
    return len(queries)


@pytest.mark.parametrize("filters", [{}, {"from": "2024-01-01", "project_type": "it"}])
def test_the_page_runs_a_fixed_number_of_queries(
    kpi_world, reader, client, django_assert_max_num_queries, filters
):
    client.force_login(reader)
    grow(2)
    small = page_queries(client, filters)
    grow(12)
    # Session, user, roles, then one or two per figure (see insights/figures.py) and the
    # filter form's choices: about 25 whatever the data; outcomes 1 and themes 3 more.
    with django_assert_max_num_queries(34):
        large = page_queries(client, filters)
    assert large == small
