"""Reading lessons through the API: the list (pages, parameters, snippets), one lesson
(its fields, links and anonymity), facet counts, and a fixed number of queries.
Objects one may not see answer 404; invalid parameters 400 with their errors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from lessons.models import Lesson
from tests.factories import (
    LessonFactory,
    PhaseFactory,
    ProjectFactory,
    RatingFactory,
    UserFactory,
)
from tests.lessons.api.conftest import TODAY, Status, as_user, count_queries, ids

# -- the list ------------------------------------------------------------------------------------


def test_list_is_paginated_with_a_total(client, reader, project_a):
    for n in range(25):
        LessonFactory(title=f"Lesson {n}", project=project_a)
    as_user(client, reader)
    first = client.get("/api/lessons/").json()
    assert first["count"] == 25
    assert len(first["results"]) == 20
    assert first["previous"] is None
    assert "page=2" in first["next"]
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 5 and second["next"] is None
    small = client.get("/api/lessons/", {"page_size": 10, "page": 3}).json()
    assert len(small["results"]) == 5 and small["count"] == 25


SEARCH_ERRORS = [
    ({"category": "no-such-category"}, "category"),
    ({"tag": "no-such-tag"}, "tag"),
    ({"project": "NOPE"}, "project"),
    ({"kind": "sideways"}, "kind"),
    ({"sort": "random"}, "sort"),
    ({"rating_min": "9"}, "rating_min"),
    ({"occurred_after": "yesterday"}, "occurred_after"),
    ({"occurred_after": "2025-02-01", "occurred_before": "2025-01-01"}, "occurred_before"),
    ({"department": "x"}, "department"),
    ({"department": "99999999999999999999"}, "department"),
    ({"q": "x" * 501}, "q"),
]
PAGE_ERRORS = [
    ({"page": "0"}, "page"),
    ({"page": "abc"}, "page"),
    ({"page_size": "1000"}, "page_size"),
    ({"page_size": "-1"}, "page_size"),
]


@pytest.mark.parametrize(
    "url, params, field",
    [("/api/lessons/", *case) for case in SEARCH_ERRORS + PAGE_ERRORS]
    # Facets take the search parameters, and no page: they are not paginated.
    + [("/api/lessons/facets/", *case) for case in SEARCH_ERRORS],
)
def test_invalid_parameters_answer_400_with_the_parameters_errors(
    client, reader, published, url, params, field
):
    response = as_user(client, reader).get(url, params)
    assert response.status_code == 400
    body = response.json()
    assert list(body) == [field]
    assert body[field] and all(isinstance(message, str) for message in body[field])


def test_a_page_past_the_last_is_404(client, reader, published):
    response = as_user(client, reader).get("/api/lessons/", {"page": 2})
    assert response.status_code == 404
    assert "last page is 1" in response.json()["detail"]


def test_unknown_parameters_are_ignored_as_on_the_page(client, reader, published):
    assert ids(as_user(client, reader).get("/api/lessons/", {"colour": "blue"})) == [published.pk]


def test_list_shows_only_visible_published_lessons(client, reader, published, secret, draft):
    assert ids(as_user(client, reader).get("/api/lessons/")) == [published.pk]


def test_a_text_search_carries_highlighted_snippets(client, reader, published):
    Lesson.objects.filter(pk=published.pk).update(summary="Onboard every supplier & partner early.")
    published.refresh_from_db()
    published.save()  # reindexed
    response = as_user(client, reader).get("/api/lessons/", {"q": "supplier"})
    [row] = response.json()["results"]
    assert row["id"] == published.pk
    assert "<mark>supplier</mark>" in row["snippet"] and "&amp;" in row["snippet"]
    plain = client.get("/api/lessons/").json()["results"][0]
    assert plain["snippet"] is None


# -- one lesson ----------------------------------------------------------------------------------


def test_detail_has_every_field_by_slug_code_and_name(client, reader, project_a, contributor):
    phase = PhaseFactory(project=project_a, name="Planning")
    lesson = LessonFactory(
        project=project_a,
        phase=phase,
        submitted_by=contributor,
        context="What happened here.",
        root_cause="Why.",
        early_warning="Signs.",
        tags=["cutover", "supplier"],
        occurred_on=TODAY() - timedelta(days=3),
    )
    RatingFactory(lesson=lesson, score=4)
    from lessons.ratings import refresh_rating_aggregates

    refresh_rating_aggregates(lesson.pk)
    body = as_user(client, reader).get(f"/api/lessons/{lesson.pk}/").json()
    assert body["id"] == lesson.pk
    assert body["project"] == "PRJ-A" and body["project_name"] == "Project A"
    assert body["category"] == "technical" and body["category_name"] == "Technical"
    assert body["phase"] == "Planning"
    assert body["tags"] == ["cutover", "supplier"]
    assert body["context"] == "What happened here."
    assert body["recommendation"] == lesson.recommendation
    assert body["rating_count"] == 1 and body["rating_avg"] == 4.0
    assert body["submitted_by"] == {
        "username": "colin",
        "display_name": "Colin Contributor",
    }
    assert body["version"] == lesson.version
    assert body["web_url"].endswith(f"/lessons/{lesson.pk}/")
    assert body["url"].endswith(f"/api/lessons/{lesson.pk}/")


def test_a_lesson_one_may_not_see_is_404_not_403(client, reader, secret, draft):
    as_user(client, reader)
    for lesson in (secret, draft):
        assert client.get(f"/api/lessons/{lesson.pk}/").status_code == 404
    assert client.get("/api/lessons/999999999/").status_code == 404
    assert client.get("/api/lessons/99999999999999999999/").status_code == 404


def test_lessons_are_never_deleted_through_the_api(client, administrator, published):
    as_user(client, administrator)
    assert client.delete(f"/api/lessons/{published.pk}/").status_code == 405
    assert client.delete("/api/lessons/").status_code == 405
    assert Lesson.objects.filter(pk=published.pk).exists()


def test_links_name_only_lessons_the_reader_may_see(client, reader, published, secret):
    later = LessonFactory(recurrence_of=published)
    hidden_later = LessonFactory(recurrence_of=published, status=Status.DRAFT)
    Lesson.objects.filter(pk=published.pk).update(recurrence_of=secret)
    body = as_user(client, reader).get(f"/api/lessons/{published.pk}/").json()
    assert body["recurrence_of"] is None
    assert body["recurrences"] == [later.pk]
    assert hidden_later.pk not in body["recurrences"]


@pytest.mark.parametrize("status", [Status.DRAFT, Status.SUBMITTED, Status.PUBLISHED])
def test_an_anonymous_lesson_never_names_its_submitter(
    client, contributor, curator, administrator, project_a, status
):
    lesson = LessonFactory.build(
        title="Anonymous cutover lesson",
        submitted_by=contributor,
        is_anonymous=True,
        status=Status.DRAFT,
        project=project_a,
    )
    lesson._history_user = contributor
    lesson.save()
    if status != Status.DRAFT:
        lesson.status = status
        lesson.published_at = timezone.now() if status == Status.PUBLISHED else None
        lesson.save()
    viewers = [curator, administrator]
    if status in (Status.DRAFT, Status.PUBLISHED):
        viewers.append(contributor)  # their own draft, and the published lesson
    for viewer in viewers:
        as_user(client, viewer)
        for response in (
            client.get(f"/api/lessons/{lesson.pk}/"),
            client.get("/api/lessons/", {"status": status}),
            client.get("/api/lessons/", {"status": status, "q": "anonymous cutover"}),
            client.get("/api/lessons/facets/", {"status": status}),
        ):
            assert response.status_code == 200
            text = response.content.decode()
            for name in ("colin", "Colin", "Contributor"):
                assert name not in text, f"{viewer} was shown {name}"
        detail = client.get(f"/api/lessons/{lesson.pk}/").json()
        assert detail["submitted_by"] is None and detail["is_anonymous"] is True
        listed = client.get("/api/lessons/", {"status": status}).json()["results"]
        assert [row["submitted_by"] for row in listed if row["id"] == lesson.pk] == [None]


# -- facets --------------------------------------------------------------------------------------


def test_facets_count_the_search_disjunctively(client, reader, project_a, project_b, secret):
    LessonFactory(project=project_a, impact="high", tags=["cutover"])
    LessonFactory(project=project_a, impact="low", tags=["cutover"])
    LessonFactory(project=project_b, impact="high")
    as_user(client, reader)
    body = client.get("/api/lessons/facets/", {"impact": "high"}).json()
    assert body["total"] == 2
    facets = {facet["name"]: facet for facet in body["facets"]}
    impact = {option["value"]: option for option in facets["impact"]["options"]}
    assert impact["high"]["count"] == 2 and impact["high"]["selected"] is True
    assert impact["low"]["count"] == 1 and impact["low"]["selected"] is False
    projects = {option["value"]: option["count"] for option in facets["project"]["options"]}
    assert projects == {"PRJ-A": 1, "PRJ-B": 1}  # the secret lesson is not counted
    assert "status" not in facets  # curators only


# -- a fixed number of queries -------------------------------------------------------------------


def _grow(project, n: int, author) -> None:
    for i in range(n):
        lesson = LessonFactory(
            title=f"Supplier lesson {i}",
            project=project if i % 2 else ProjectFactory(),
            submitted_by=author if i % 3 else UserFactory(),
            is_anonymous=False,
            tags=["cutover", f"t{i}"],
        )
        RatingFactory(lesson=lesson)


LIST_SEARCHES = [
    {},
    {"q": "supplier"},
    {"q": "supplier", "category": "technical", "tag": "cutover", "sort": "useful"},
]


def test_the_list_and_detail_run_a_fixed_number_of_queries(
    client, reader, contributor, project_a, django_assert_max_num_queries
):
    # Session, user, roles, the category and tag checked, total, the page (ranked ids, then
    # their rows), tags, snippets, submitters.
    list_limit = 11
    # Session, user, roles, the lesson, its tags, the linked lessons it may show, and (when it
    # came from a review session) whether the reader is on the project's team.
    detail_limit = 8
    _grow(project_a, 3, contributor)
    as_user(client, reader)
    lesson = Lesson.objects.order_by("pk").first()
    before = [count_queries(client, "/api/lessons/", params) for params in LIST_SEARCHES]
    detail_before = count_queries(client, f"/api/lessons/{lesson.pk}/")
    _grow(project_a, 30, contributor)
    for params, count in zip(LIST_SEARCHES, before, strict=True):
        with django_assert_max_num_queries(list_limit):
            assert count_queries(client, "/api/lessons/", params) == count
    with django_assert_max_num_queries(detail_limit):
        assert count_queries(client, f"/api/lessons/{lesson.pk}/") == detail_before
