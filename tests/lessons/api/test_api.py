"""The REST API (/api/): the pages' rules in JSON.

Personas as in tests/conftest.py: Colin the contributor (member of project A), Rita the
reader, Clara the curator, Adam the administrator, Dave who has left. Objects one may not
see answer 404; refusals by the access policy 403; bad input 400 with the field's errors;
a stale ``version`` 409; no request ever 500, and no API call is sent to the sign-in page.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lessons.models import Action, Application, Category, Lesson, Rating
from tests.factories import (
    ActionFactory,
    ApplicationFactory,
    LessonFactory,
    MembershipFactory,
    PhaseFactory,
    PhaseReviewFactory,
    ProjectFactory,
    RatingFactory,
    UserFactory,
)

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


# -- signing in ----------------------------------------------------------------------------------

API_URLS = [
    "/api/",
    "/api/lessons/",
    "/api/lessons/1/",
    "/api/lessons/facets/",
    "/api/ratings/",
    "/api/actions/",
    "/api/applications/",
    "/api/categories/",
    "/api/tags/",
    "/api/projects/",
    "/api/reviews/",
]


@pytest.mark.parametrize("url", API_URLS)
def test_signed_out_calls_get_a_json_refusal_never_the_sign_in_page(client, db, url):
    response = client.get(url)
    # 403 with session authentication alone; 401 (WWW-Authenticate) once tokens are on.
    assert response.status_code in (401, 403)
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()


def test_signed_out_writes_are_refused_too(client, published):
    response = post(client, "/api/lessons/", {"title": "x"})
    assert response.status_code in (401, 403)
    response = post(client, f"/api/lessons/{published.pk}/archive/")
    assert response.status_code in (401, 403)
    assert Lesson.objects.get(pk=published.pk).status == Status.PUBLISHED


def test_a_deactivated_account_is_refused(client, deactivated):
    client.force_login(deactivated)
    assert client.get("/api/lessons/").status_code in (401, 403)


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
    from lessons.ratings import _refresh_rating_aggregates

    _refresh_rating_aggregates(lesson.pk)
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


# -- recording and editing -----------------------------------------------------------------------


def test_a_contributor_records_a_draft(client, contributor, project_a):
    PhaseFactory(project=project_a, name="Execution")
    response = post(
        as_user(client, contributor),
        "/api/lessons/",
        {
            "title": "Rehearse the cutover twice",
            "recommendation": "Run two full rehearsals before go-live.",
            "project": "PRJ-A",
            "kind": "improvement",
            "phase": "Execution",
            "category": "schedule",
            "tags": ["cutover", "go-live, weekend"],
            "impact": "high",
            "occurred_on": str(TODAY() - timedelta(days=10)),
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    lesson = Lesson.objects.get(pk=body["id"])
    assert response["Location"].endswith(f"/api/lessons/{lesson.pk}/")
    assert lesson.status == Status.DRAFT and lesson.submitted_by == contributor
    assert lesson.phase.name == "Execution" and lesson.category.slug == "schedule"
    assert sorted(tag.name for tag in lesson.tags.all()) == ["cutover", "go-live, weekend"]
    assert body["impact"] == "high" and body["likelihood"] == "possible"
    assert body["visibility"] == "organisation" and body["status"] == "draft"
    assert lesson.history.first().history_user == contributor


def test_a_reader_may_not_record_lessons(client, reader, project_a):
    response = post(
        as_user(client, reader),
        "/api/lessons/",
        {"title": "t", "recommendation": "r", "project": "PRJ-A", "kind": "improvement"},
    )
    assert response.status_code == 403
    assert not Lesson.objects.exists()


@pytest.mark.parametrize(
    "change, field",
    [
        ({"title": ""}, "title"),
        ({"recommendation": ""}, "recommendation"),
        ({"project": "PRJ-B"}, "project"),  # not one of Colin's projects
        ({"project": "NOPE"}, "project"),
        ({"phase": "Closure"}, "phase"),  # project A has no such phase
        ({"kind": "meh"}, "kind"),
        ({"category": "nope"}, "category"),
        ({"occurred_on": str(TODAY() + timedelta(days=2))}, "occurred_on"),
        ({"occurred_on": "last week"}, "occurred_on"),
        ({"tags": [f"tag{n}" for n in range(21)]}, "tags"),
        ({"tags": "not a list"}, "tags"),
        ({"title": {"nested": 1}}, "title"),
        ({"summary": "x" * 20_001}, "summary"),
    ],
)
def test_bad_lesson_input_answers_400_with_the_fields_error(
    client, contributor, project_b, change, field
):
    data = {"title": "t", "recommendation": "r", "project": "PRJ-A", "kind": "improvement"}
    response = post(as_user(client, contributor), "/api/lessons/", {**data, **change})
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Lesson.objects.exists()


@pytest.mark.parametrize("body", ["[1, 2]", '"text"', "{broken", "null"])
def test_a_body_that_is_not_an_object_answers_400(client, contributor, body):
    response = as_user(client, contributor).post(
        "/api/lessons/", body, content_type="application/json"
    )
    assert response.status_code == 400


def test_the_author_edits_their_draft_with_its_version(client, contributor, draft):
    response = post(
        as_user(client, contributor),
        f"/api/lessons/{draft.pk}/",
        {"summary": "Now with a summary.", "version": draft.version, "tags": ["rehearsal"]},
        method="patch",
    )
    assert response.status_code == 200, response.content
    draft.refresh_from_db()
    assert draft.summary == "Now with a summary."
    assert draft.title == "Draft about cutover rehearsals"  # not sent: kept
    assert response.json()["version"] == draft.version == 2
    assert [tag.name for tag in draft.tags.all()] == ["rehearsal"]


def test_put_changes_only_the_fields_sent_too(client, contributor, draft):
    response = post(
        as_user(client, contributor),
        f"/api/lessons/{draft.pk}/",
        {"title": "Renamed", "version": draft.version},
        method="put",
    )
    assert response.status_code == 200, response.content
    draft.refresh_from_db()
    assert draft.title == "Renamed" and [t.name for t in draft.tags.all()] == ["cutover"]


def test_an_update_without_a_version_is_400(client, contributor, draft):
    response = post(
        as_user(client, contributor), f"/api/lessons/{draft.pk}/", {"title": "x"}, method="patch"
    )
    assert response.status_code == 400 and "version" in response.json()


def test_a_stale_version_is_refused_with_409_and_what_changed(client, contributor, curator, draft):
    loaded = draft.version
    draft.title = "Changed by someone else"
    draft.save()
    response = post(
        as_user(client, contributor),
        f"/api/lessons/{draft.pk}/",
        {"title": "My title", "version": loaded},
        method="patch",
    )
    assert response.status_code == 409
    body = response.json()
    assert body["current_version"] == loaded + 1
    assert "changed by someone else" in body["detail"]
    assert Lesson.objects.get(pk=draft.pk).title == "Changed by someone else"
    # With the current version the same change goes through.
    response = post(
        client,
        f"/api/lessons/{draft.pk}/",
        {"title": "My title", "version": body["current_version"]},
        method="patch",
    )
    assert response.status_code == 200 and response.json()["title"] == "My title"


def test_the_status_changes_only_through_the_actions(client, curator, published):
    response = post(
        as_user(client, curator),
        f"/api/lessons/{published.pk}/",
        {"status": "archived", "version": published.version},
        method="patch",
    )
    assert response.status_code == 400 and "status" in response.json()
    # The status as it is (a client sending back what it read) is no change.
    response = post(
        client,
        f"/api/lessons/{published.pk}/",
        {"status": "published", "summary": "s", "version": published.version},
        method="patch",
    )
    assert response.status_code == 200


def test_only_the_author_of_a_draft_or_a_curator_edits(
    client, contributor, reader, curator, draft, published
):
    for user, lesson in ((reader, published), (contributor, published)):
        response = post(
            as_user(client, user),
            f"/api/lessons/{lesson.pk}/",
            {"title": "x", "version": lesson.version},
            method="patch",
        )
        assert response.status_code == 403
    response = post(
        as_user(client, curator),
        f"/api/lessons/{published.pk}/",
        {"title": "Curated title", "version": published.version, "change_reason": "Clearer"},
        method="patch",
    )
    assert response.status_code == 200
    latest = Lesson.history.filter(id=published.pk).order_by("-history_id").first()
    assert latest.history_change_reason == "Clearer" and latest.history_user == curator


def test_a_curator_cannot_unsign_someone_elses_lesson(client, contributor, curator, draft):
    response = post(
        as_user(client, curator),
        f"/api/lessons/{draft.pk}/",
        {"is_anonymous": True, "version": draft.version},
        method="patch",
    )
    assert response.status_code == 200
    assert Lesson.objects.get(pk=draft.pk).is_anonymous is False


def test_an_author_editing_a_draft_submitted_meanwhile_gets_409(client, contributor, draft):
    loaded = draft.version
    from lessons import workflow

    workflow.submit(draft, by=contributor)
    response = post(
        as_user(client, contributor),
        f"/api/lessons/{draft.pk}/",
        {"title": "late edit", "version": loaded},
        method="patch",
    )
    assert response.status_code == 409
    # Knowing the current version does not help: a submitted lesson is the curators'.
    current = Lesson.objects.get(pk=draft.pk).version
    response = post(
        client, f"/api/lessons/{draft.pk}/", {"title": "x", "version": current}, method="patch"
    )
    assert response.status_code == 403


# -- the workflow --------------------------------------------------------------------------------


def test_a_draft_goes_through_the_workflow(client, contributor, curator, draft):
    as_user(client, contributor)
    response = post(client, f"/api/lessons/{draft.pk}/submit/")
    assert response.status_code == 200 and response.json()["status"] == "submitted"
    assert post(client, f"/api/lessons/{draft.pk}/submit/").status_code == 409
    assert post(client, f"/api/lessons/{draft.pk}/approve/").status_code == 403

    as_user(client, curator)
    response = post(client, f"/api/lessons/{draft.pk}/approve/")
    assert response.status_code == 200 and response.json()["status"] == "published"
    assert post(client, f"/api/lessons/{draft.pk}/approve/").status_code == 409
    response = post(client, f"/api/lessons/{draft.pk}/archive/", {"reason": "Outdated"})
    assert response.status_code == 200 and response.json()["status"] == "archived"
    response = post(client, f"/api/lessons/{draft.pk}/unarchive/")
    assert response.status_code == 200 and response.json()["status"] == "published"
    reasons = list(
        Lesson.history.filter(id=draft.pk).values_list("history_change_reason", flat=True)
    )
    assert "Archived: Outdated" in reasons


def test_rejecting_and_sending_back_need_a_reason(client, contributor, curator, project_a):
    lesson = LessonFactory(submitted_by=contributor, status=Status.SUBMITTED, project=project_a)
    as_user(client, curator)
    response = post(client, f"/api/lessons/{lesson.pk}/reject/", {"reason": "  "})
    assert response.status_code == 400 and "reason" in response.json()
    response = post(client, f"/api/lessons/{lesson.pk}/send-back/", {})
    assert response.status_code == 400 and "comment" in response.json()
    response = post(client, f"/api/lessons/{lesson.pk}/send-back/", {"comment": "Add a cause."})
    assert response.status_code == 200 and response.json()["status"] == "draft"
    assert response.json()["curation_note"] == "Add a cause."
    # The author sees the note; a reader would not (the lesson is not theirs).
    note = as_user(client, contributor).get(f"/api/lessons/{lesson.pk}/").json()
    assert note["curation_note"] == "Add a cause."
    post(client, f"/api/lessons/{lesson.pk}/submit/")
    as_user(client, curator)
    response = post(client, f"/api/lessons/{lesson.pk}/reject/", {"reason": "Duplicate."})
    assert response.status_code == 200 and response.json()["status"] == "rejected"


def test_a_review_date_must_be_after_today(client, curator, project_a):
    lesson = LessonFactory(status=Status.SUBMITTED, project=project_a)
    as_user(client, curator)
    response = post(client, f"/api/lessons/{lesson.pk}/approve/", {"review_due": str(TODAY())})
    assert response.status_code == 400 and "review_due" in response.json()
    due = TODAY() + timedelta(days=30)
    response = post(client, f"/api/lessons/{lesson.pk}/approve/", {"review_due": str(due)})
    assert response.status_code == 200 and response.json()["review_due"] == str(due)


def test_transitions_of_an_invisible_lesson_are_404(client, contributor, reader, secret, draft):
    as_user(client, reader)
    for name in ("submit", "approve", "reject", "send-back", "archive", "unarchive"):
        assert post(client, f"/api/lessons/{secret.pk}/{name}/").status_code == 404
        assert post(client, f"/api/lessons/{draft.pk}/{name}/").status_code == 404


def test_submitting_with_an_earlier_lesson_it_repeats(
    client, contributor, draft, published, secret
):
    as_user(client, contributor)
    response = post(client, f"/api/lessons/{draft.pk}/submit/", {"recurrence_of": secret.pk})
    assert response.status_code == 400 and "recurrence_of" in response.json()
    assert Lesson.objects.get(pk=draft.pk).status == Status.DRAFT
    response = post(client, f"/api/lessons/{draft.pk}/submit/", {"recurrence_of": published.pk})
    assert response.status_code == 200
    assert response.json()["recurrence_of"] == published.pk


def test_submitting_an_anonymous_draft_hands_it_over(client, contributor, project_a):
    lesson = LessonFactory(
        submitted_by=contributor, is_anonymous=True, status=Status.DRAFT, project=project_a
    )
    response = post(as_user(client, contributor), f"/api/lessons/{lesson.pk}/submit/")
    assert response.status_code == 200
    assert response.json() == {
        "id": lesson.pk,
        "status": "submitted",
        "detail": response.json()["detail"],
    }
    assert Lesson.objects.get(pk=lesson.pk).submitted_by is None
    assert client.get(f"/api/lessons/{lesson.pk}/").status_code == 404


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


# -- ratings -------------------------------------------------------------------------------------


def test_rating_a_lesson_keeps_its_aggregates_exact(client, reader, curator, published):
    RatingFactory(lesson=published, user=curator, score=2)
    as_user(client, reader)
    response = post(client, "/api/ratings/", {"lesson": published.pk, "score": 5})
    assert response.status_code == 201
    rating_id = response.json()["id"]
    detail = client.get(f"/api/lessons/{published.pk}/").json()
    assert (detail["rating_count"], detail["rating_avg"]) == (2, 3.5)
    # Rating again changes one's rating.
    response = post(client, "/api/ratings/", {"lesson": published.pk, "score": 4, "comment": "ok"})
    assert response.status_code == 200 and response.json()["id"] == rating_id
    response = post(client, f"/api/ratings/{rating_id}/", {"score": 3}, method="patch")
    assert response.status_code == 200 and response.json()["comment"] == "ok"
    assert Lesson.objects.get(pk=published.pk).rating_avg == 2.5
    assert client.delete(f"/api/ratings/{rating_id}/").status_code == 204
    lesson = Lesson.objects.get(pk=published.pk)
    assert (lesson.rating_count, lesson.rating_avg) == (1, 2.0)


def test_ratings_are_ones_own_and_of_visible_lessons(client, reader, curator, published, secret):
    mine = RatingFactory(lesson=published, user=reader, score=4)
    theirs = RatingFactory(lesson=published, user=curator, score=2)
    RatingFactory(lesson=secret, user=reader, score=3)  # from when Rita could see it
    as_user(client, reader)
    assert ids(client.get("/api/ratings/")) == [mine.pk]
    assert client.get(f"/api/ratings/{theirs.pk}/").status_code == 404
    assert (
        post(client, f"/api/ratings/{theirs.pk}/", {"score": 1}, method="patch").status_code == 404
    )
    response = post(client, "/api/ratings/", {"lesson": secret.pk, "score": 1})
    assert response.status_code == 404
    assert Rating.objects.get(lesson=secret, user=reader).score == 3


@pytest.mark.parametrize(
    "data",
    [
        {"score": 5},
        {"lesson": "x", "score": 5},
        {"lesson": "LESSON", "score": 6},
        {"lesson": "LESSON", "score": 0},
        {"lesson": "LESSON", "score": "five"},
        {"lesson": "LESSON", "score": 3, "comment": "x" * 1001},
    ],
)
def test_bad_ratings_are_400(client, reader, published, data):
    data = {key: published.pk if value == "LESSON" else value for key, value in data.items()}
    response = post(as_user(client, reader), "/api/ratings/", data)
    assert response.status_code == 400
    assert not Rating.objects.exists()


def test_only_published_lessons_are_rated(client, contributor, draft):
    response = post(as_user(client, contributor), "/api/ratings/", {"lesson": draft.pk, "score": 4})
    assert response.status_code == 403


# -- actions and applications -------------------------------------------------------------------


def test_a_contributor_adds_an_action_owned_by_themselves_by_default(
    client, contributor, reader, published, secret
):
    as_user(client, contributor)
    response = post(client, "/api/actions/", {"lesson": published.pk, "description": "Do it"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["owner"] == {"username": "colin", "display_name": "Colin Contributor"}
    assert body["status"] == "open" and body["lesson"] == published.pk
    response = post(
        client,
        "/api/actions/",
        {"lesson": published.pk, "description": "For Rita", "owner": "rita", "impact": 5},
    )
    assert response.status_code == 201 and response.json()["owner"]["username"] == "rita"
    response = post(
        client, "/api/actions/", {"lesson": published.pk, "description": "x", "owner": "nobody"}
    )
    assert response.status_code == 400 and "owner" in response.json()
    response = post(
        client, "/api/actions/", {"lesson": published.pk, "description": "x", "impact": 9}
    )
    assert response.status_code == 400 and "impact" in response.json()
    assert (
        post(client, "/api/actions/", {"lesson": secret.pk, "description": "x"}).status_code == 404
    )
    as_user(client, reader)
    assert (
        post(client, "/api/actions/", {"lesson": published.pk, "description": "x"}).status_code
        == 403
    )


def test_the_owner_or_a_curator_updates_an_action(client, contributor, reader, curator, published):
    action = ActionFactory(lesson=published, owner=reader, description="Update the checklist")
    as_user(client, contributor)
    assert (
        post(client, f"/api/actions/{action.pk}/", {"status": "done"}, method="patch").status_code
        == 403
    )
    as_user(client, reader)
    response = post(client, f"/api/actions/{action.pk}/", {"status": "done"}, method="patch")
    assert response.status_code == 200, response.content
    action.refresh_from_db()
    assert action.status == Action.Status.DONE and action.completed_on == TODAY()
    assert action.owner == reader and action.description == "Update the checklist"
    as_user(client, curator)
    response = post(client, f"/api/actions/{action.pk}/", {"owner": None}, method="patch")
    assert response.status_code == 200 and response.json()["owner"] is None


def test_actions_and_applications_list_only_those_of_visible_lessons(
    client, reader, published, secret, project_a
):
    shown = ActionFactory(lesson=published)
    ActionFactory(lesson=secret)
    applied = ApplicationFactory(lesson=published, project=project_a)
    ApplicationFactory(lesson=secret, project=project_a)
    as_user(client, reader)
    assert ids(client.get("/api/actions/")) == [shown.pk]
    assert ids(client.get("/api/actions/", {"lesson": secret.pk})) == []
    assert ids(client.get("/api/actions/", {"lesson": published.pk})) == [shown.pk]
    assert client.get("/api/actions/", {"lesson": "x"}).status_code == 400
    # The parameters of the actions page work here too.
    assert ids(client.get("/api/actions/", {"state": "open", "impact": "3"})) == [shown.pk]
    assert ids(client.get("/api/actions/", {"state": "done"})) == []
    assert client.get("/api/actions/", {"state": "sideways"}).status_code == 400
    assert ids(client.get("/api/applications/")) == [applied.pk]
    assert ids(client.get("/api/applications/", {"project": "PRJ-A"})) == [applied.pk]


def test_a_contributor_records_an_application_in_their_own_project(
    client, contributor, reader, published, project_b, secret
):
    as_user(client, contributor)
    data = {"lesson": published.pk, "project": "PRJ-A", "how": "At kick-off", "hours_saved": 4}
    response = post(client, "/api/applications/", data)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["project"] == "PRJ-A" and body["hours_saved"] == 4.0
    assert body["applied_by"]["username"] == "colin" and body["outcome"] == "too_early"
    assert post(client, "/api/applications/", {**data, "project": "PRJ-B"}).status_code == 400
    assert post(client, "/api/applications/", {**data, "hours_saved": -1}).status_code == 400
    assert post(client, "/api/applications/", {**data, "lesson": secret.pk}).status_code == 404
    as_user(client, reader)
    assert post(client, "/api/applications/", data).status_code == 403
    assert Application.objects.count() == 1
    assert client.delete(f"/api/applications/{body['id']}/").status_code == 405


# -- projects and reviews ------------------------------------------------------------------------


def test_projects_show_their_phases_and_team(client, reader, contributor, project_a):
    PhaseFactory(project=project_a, name="Planning", order=1)
    MembershipFactory(
        project=project_a,
        user=UserFactory(username="pm", first_name="Pat", last_name="Manager"),
        role="manager",
    )
    as_user(client, reader)
    body = client.get("/api/projects/PRJ-A/").json()
    assert body["code"] == "PRJ-A" and [p["name"] for p in body["phases"]] == ["Planning"]
    assert {(m["username"], m["display_name"], m["role"]) for m in body["members"]} == {
        ("colin", "Colin Contributor", "member"),
        ("pm", "Pat Manager", "manager"),
    }
    assert set(body["members"][0]) == {"username", "display_name", "role"}
    assert client.get("/api/projects/NOPE/").status_code == 404
    codes = [row["code"] for row in client.get("/api/projects/").json()["results"]]
    assert "PRJ-A" in codes
    assert post(client, "/api/projects/", {"code": "NEW"}).status_code == 405


def test_review_sessions_are_the_teams_and_count_only_visible_lessons(
    client, reader, contributor, curator, project_a, published
):
    review = PhaseReviewFactory(project=project_a)
    Lesson.objects.filter(pk=published.pk).update(review=review)
    others_draft = LessonFactory(project=project_a, review=review, status=Status.DRAFT)
    as_user(client, reader)
    assert client.get(f"/api/reviews/{review.pk}/").status_code == 404
    assert client.get("/api/projects/PRJ-A/reviews/").status_code == 404
    assert ids(client.get("/api/reviews/")) == []
    as_user(client, contributor)
    body = client.get(f"/api/reviews/{review.pk}/").json()
    assert body["lessons"] == [published.pk] and body["lesson_count"] == 1
    assert ids(client.get("/api/projects/PRJ-A/reviews/")) == [review.pk]
    as_user(client, curator)
    body = client.get(f"/api/reviews/{review.pk}/").json()
    assert sorted(body["lessons"]) == sorted([published.pk, others_draft.pk])
    detail = client.get(f"/api/lessons/{published.pk}/").json()
    assert detail["review"] == review.pk


# -- categories and tags -------------------------------------------------------------------------


def test_categories_are_read_by_all_and_managed_by_curators(client, contributor, curator):
    as_user(client, contributor)
    assert client.get("/api/categories/technical/").json()["name"] == "Technical"
    assert post(client, "/api/categories/", {"name": "Safety"}).status_code == 403
    as_user(client, curator)
    response = post(client, "/api/categories/", {"name": "Site safety"})
    assert response.status_code == 201 and response.json()["slug"] == "site-safety"
    assert post(client, "/api/categories/", {"name": "Site safety"}).status_code == 400
    response = post(
        client, "/api/categories/site-safety/", {"description": "On site."}, method="patch"
    )
    assert response.status_code == 200 and response.json()["name"] == "Site safety"
    assert Category.objects.get(slug="site-safety").description == "On site."
    assert client.delete("/api/categories/site-safety/").status_code == 405


def test_tags_are_those_of_visible_lessons_with_their_counts(client, reader, project_b):
    LessonFactory(tags=["cutover", "supplier"])
    LessonFactory(tags=["cutover"])
    LessonFactory(project=project_b, visibility="project", tags=["cutover", "classified"])
    as_user(client, reader)
    rows = client.get("/api/tags/").json()["results"]
    assert [(row["name"], row["lesson_count"]) for row in rows] == [("cutover", 2), ("supplier", 1)]
    assert client.get("/api/tags/classified/").status_code == 404
    assert client.get("/api/tags/cutover/").json()["lesson_count"] == 2
    assert [row["name"] for row in client.get("/api/tags/", {"q": "sup"}).json()["results"]] == [
        "supplier"
    ]


# -- a fixed number of queries -------------------------------------------------------------------


def _count(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200, response.content
    return len(queries)


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
    before = [_count(client, "/api/lessons/", params) for params in LIST_SEARCHES]
    detail_before = _count(client, f"/api/lessons/{lesson.pk}/")
    _grow(project_a, 30, contributor)
    for params, count in zip(LIST_SEARCHES, before, strict=True):
        with django_assert_max_num_queries(list_limit):
            assert _count(client, "/api/lessons/", params) == count
    with django_assert_max_num_queries(detail_limit):
        assert _count(client, f"/api/lessons/{lesson.pk}/") == detail_before


@pytest.mark.parametrize(
    "url",
    ["/api/ratings/", "/api/actions/", "/api/applications/", "/api/projects/", "/api/tags/"],
)
def test_other_lists_run_a_fixed_number_of_queries(client, curator, project_a, url):
    def seed(n):
        for _ in range(n):
            lesson = LessonFactory(project=project_a, tags=[f"tag{Lesson.objects.count()}"])
            RatingFactory(lesson=lesson, user=curator)
            ActionFactory(lesson=lesson)
            ApplicationFactory(lesson=lesson)
            MembershipFactory(project=ProjectFactory())
            PhaseFactory(project=lesson.project)

    seed(2)
    as_user(client, curator)
    before = _count(client, url)
    seed(10)
    assert _count(client, url) == before


@pytest.mark.parametrize("path", ["/api/lessons/abc/", "/api/nothing-here/", "/api/lessons/1/x/"])
def test_an_unknown_api_address_is_a_json_404_for_anyone(client, reader, path):
    assert client.get(path).status_code == 404  # signed out: no redirect to the sign-in page
    response = as_user(client, reader).get(path)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
