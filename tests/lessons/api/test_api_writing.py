"""Recording and editing lessons through the API: the capture form's rules in JSON.

Refusals by the access policy answer 403; bad input 400 with the field's errors; a stale
``version`` 409 with what changed; no request ever 500."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lessons.models import TEXT_LIMIT, Lesson
from tests.factories import (
    PhaseFactory,
)
from tests.lessons.api.conftest import TODAY, Status, as_user, post

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
        ({"summary": "x" * (TEXT_LIMIT + 1)}, "summary"),
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


@pytest.mark.parametrize("version", ["²", "many", -1, True, "9" * 30])
def test_a_garbled_version_is_400_not_a_server_error(client, contributor, draft, version):
    response = post(
        as_user(client, contributor),
        f"/api/lessons/{draft.pk}/",
        {"title": "x", "version": version},
        method="patch",
    )
    assert response.status_code == 400 and "version" in response.json()
    assert Lesson.objects.get(pk=draft.pk).title == "Draft about cutover rehearsals"


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
