"""A lesson's workflow through the API: submit (with the earlier lesson it repeats),
approve, reject, send back, archive; 403 for anyone the workflow does not allow, 409 for a
status it does not start from."""

from __future__ import annotations

from datetime import timedelta

from lessons.models import Lesson
from tests.factories import (
    LessonFactory,
)
from tests.lessons.api.conftest import TODAY, Status, as_user, post

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
