"""The API's lesson list is the search page: the same parameters give the same lessons, in the
same order, with the same total and the same facet counts.

Both go through ``LessonFilterSet`` over ``Lesson.objects.visible_to(user)``; these tests hold
that together for words, phrases, exclusions, every filter, every sort and later pages, as a
reader (who may not see everything) and as a curator (who filters by status too).
"""

from __future__ import annotations

import datetime as dt

import pytest

from lessons.models import Category, Lesson
from lessons.ratings import rate_lesson
from lessons.search.backends import postgres as postgres_search
from tests.factories import (
    DepartmentFactory,
    LessonFactory,
    ProjectFactory,
    ProjectTypeFactory,
    UserFactory,
)

TITLES = [
    "Supplier onboarding took three months",
    "Data migration rehearsal found broken records",
    "Cutover weekend needed a rollback plan",
    "Vendor contract lacked exit clauses",
    "Testing started too late for the data migration",
    "Supplier invoices were disputed at cutover",
    "Stakeholder briefings kept the sponsor on side",
    "Budget contingency saved the schedule",
]
TAGS = [["cutover"], ["testing"], ["cutover", "testing"], ["supplier"], [], ["data-migration"]]


@pytest.fixture
def catalogue(db, project_a, project_b, contributor):
    """Forty-eight published lessons across two departments and types, with ratings and
    views, plus lessons a reader may not see (project-only, drafts, submitted, restricted)."""
    finance = DepartmentFactory(name="Finance")
    erp = ProjectTypeFactory(name="ERP rollout", slug="erp")
    project_c = ProjectFactory(code="PRJ-C", name="Project C", department=finance, project_type=erp)
    projects = [project_a, project_b, project_c]
    categories = list(Category.objects.filter(slug__in=["technical", "financial", "schedule"]))
    raters = [UserFactory() for _ in range(3)]
    for n in range(48):
        lesson = LessonFactory(
            title=f"{TITLES[n % len(TITLES)]} ({n})",
            summary=f"Summary {n}: " + ("supplier onboarding delays" if n % 5 == 0 else "notes"),
            recommendation="Plan the data migration early."
            if n % 4 == 0
            else "Write it down next time.",
            project=projects[n % 3],
            category=categories[n % 3],
            tags=TAGS[n % len(TAGS)],
            kind=Lesson.Kind.values[n % 3],
            impact=Lesson.Impact.values[n % 4],
            likelihood=Lesson.Likelihood.values[n % 3],
            occurred_on=dt.date(2025, 1, 1) + dt.timedelta(days=7 * n),
        )
        Lesson.objects.filter(pk=lesson.pk).update(view_count=(n * 37) % 50)
        for rater in raters[: n % 4]:
            rate_lesson(lesson, rater, 1 + (n * 7 + rater.pk) % 5)
    hidden = dict(title="Supplier onboarding secret", tags=["cutover"], project=project_b)
    LessonFactory(**hidden, visibility=Lesson.Visibility.PROJECT)
    LessonFactory(**hidden, visibility=Lesson.Visibility.RESTRICTED)
    LessonFactory(**hidden, status=Lesson.Status.DRAFT, submitted_by=contributor)
    LessonFactory(**hidden, status=Lesson.Status.SUBMITTED)
    LessonFactory(**hidden, status=Lesson.Status.REJECTED)
    return {"finance": finance, "erp": erp}


def searches(catalogue) -> list[dict]:
    return [
        {},
        {"q": "supplier"},
        {"q": "supplier onboarding"},
        {"q": '"data migration"'},
        {"q": "cutover -rollback"},
        {"q": "vendor or stakeholder"},
        {"q": "migrations"},  # stemming
        {"q": '"supplier onboarding'},  # bad syntax degrades to words
        {"category": "technical"},
        {"category": ["technical", "financial"]},
        {"tag": "cutover"},
        {"tag": ["cutover", "supplier"]},
        {"tag_all": ["cutover", "testing"]},
        {"likelihood": "likely"},
        {"likelihood": ["rare", "possible"], "impact": "high"},
        {"project": "PRJ-A"},
        {"project": ["PRJ-A", "PRJ-C"], "kind": "went_well"},
        {"department": str(catalogue["finance"].pk)},
        {"project_type": "erp"},
        {"rating_min": "3"},
        {"occurred_after": "2025-03-01", "occurred_before": "2025-06-30"},
        {"sort": "useful"},
        {"sort": "viewed"},
        {"sort": "newest"},
        {"sort": "relevance"},  # without q: newest
        {"q": "supplier", "sort": "newest"},
        {"q": "data", "sort": "useful"},
        {"page": "2"},
        {"sort": "useful", "page": "2"},
        {"sort": "viewed", "page": "3"},
        {"q": "the lesson or notes or plan", "page": "2"},
        {"q": "cutover", "category": "technical", "tag": "testing", "sort": "viewed"},
    ]


def page_ids(client, params) -> tuple[list[int], int]:
    response = client.get("/lessons/", params)
    assert response.status_code == 200
    assert not response.context["errors"], response.context["errors"]
    return [lesson.pk for lesson in response.context["lessons"]], response.context["total"]


def api_ids(client, params) -> tuple[list[int], int]:
    response = client.get("/api/lessons/", params)
    assert response.status_code == 200, response.content
    body = response.json()
    return [row["id"] for row in body["results"]], body["count"]


@pytest.mark.parametrize("rank_all_below", [postgres_search.RANK_ALL_BELOW, 0])
def test_the_api_lists_what_the_page_lists_for_a_reader(
    client, reader, catalogue, monkeypatch, rank_all_below
):
    # 0: PostgreSQL ranks title matches first, in two steps, as it does for broad words.
    monkeypatch.setattr(postgres_search, "RANK_ALL_BELOW", rank_all_below)
    client.force_login(reader)
    for params in searches(catalogue):
        page, page_total = page_ids(client, params)
        api, api_total = api_ids(client, params)
        assert api == page, params
        assert api_total == page_total, params
        assert api, f"{params} finds nothing: the comparison would prove nothing"
    assert api_ids(client, {})[1] == 48  # the hidden lessons are not listed


def test_the_api_lists_what_the_page_lists_for_a_curator(client, curator, catalogue):
    client.force_login(curator)
    every = list(Lesson.Status.values)
    for params in [
        {"status": every},
        {"status": ["draft", "submitted"]},
        {"status": every, "visibility": "restricted"},
        {"status": every, "q": "notes or supplier", "page": "2"},
        {"status": "rejected", "tag": "cutover"},
    ]:
        page, page_total = page_ids(client, params)
        api, api_total = api_ids(client, params)
        assert api == page, params
        assert api_total == page_total, params
    assert api_ids(client, {"status": ["draft", "submitted"]})[1] == 2


def facets_of_page(client, params) -> tuple[int, list]:
    response = client.get("/lessons/", params)
    return response.context["total"], [
        (facet.name, [(o.value, o.label, o.count, o.selected) for o in facet.options])
        for facet in response.context["facets"]
    ]


def facets_of_api(client, params) -> tuple[int, list]:
    response = client.get("/api/lessons/facets/", params)
    assert response.status_code == 200, response.content
    body = response.json()
    return body["total"], [
        (
            facet["name"],
            [(o["value"], o["label"], o["count"], o["selected"]) for o in facet["options"]],
        )
        for facet in body["facets"]
    ]


@pytest.mark.parametrize("persona", ["reader", "curator"])
def test_facet_counts_are_the_pages(client, request, catalogue, persona):
    client.force_login(request.getfixturevalue(persona))
    for params in [
        {},
        {"q": "supplier"},
        {"category": "technical", "impact": ["high", "low"]},
        {"tag": "cutover", "project": "PRJ-B"},
        {"tag_all": ["cutover", "testing"], "likelihood": "rare"},
        {"department": str(catalogue["finance"].pk), "sort": "useful"},
        {"status": ["published", "draft"]},
    ]:
        assert facets_of_api(client, params) == facets_of_page(client, params), params
