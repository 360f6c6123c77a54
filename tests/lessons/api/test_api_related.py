"""What hangs off lessons in the API: ratings, follow-up actions, applications, projects
and review sessions, categories and tags; each only for lessons one may see, in a fixed
number of queries."""

from __future__ import annotations

import pytest

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
from tests.lessons.api.conftest import TODAY, Status, as_user, count_queries, ids, post

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
    before = count_queries(client, url)
    seed(10)
    assert count_queries(client, url) == before
