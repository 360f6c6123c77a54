"""Submitting a draft: the duplicate check first, then linking it as a recurrence of an
earlier lesson, or submitting anyway; and who may."""

from __future__ import annotations

from lessons.models import Lesson
from tests.factories import LessonFactory
from tests.lessons.capture.conftest import NEW, quick, submit_similar

# -- the duplicate check -----------------------------------------------------------------------


def test_similar_visible_lessons_are_shown_before_submitting_and_hidden_ones_never(
    client, contributor, project_a, similar_lessons
):
    visible, hidden = similar_lessons
    client.force_login(contributor)
    response = client.post(
        NEW,
        {
            **quick(project_a, title="Supplier test environment was three weeks late"),
            "intent": "submit",
        },
    )
    lesson = Lesson.objects.get(title="Supplier test environment was three weeks late")

    assert response["Location"] == f"/lessons/{lesson.pk}/submit/"
    assert lesson.status == Lesson.Status.DRAFT  # saved, not yet submitted
    page = client.get(response["Location"]).content.decode()
    assert visible.title in page
    assert hidden.title not in page
    assert "Link as a recurrence and submit" in page
    assert "It is different: submit anyway" in page
    assert visible.get_absolute_url() in page


def test_linking_as_a_recurrence_sets_it_and_submits(
    client, contributor, project_a, similar_lessons
):
    visible, _ = similar_lessons
    client.force_login(contributor)
    lesson = submit_similar(client, project_a)

    response = client.post(
        f"/lessons/{lesson.pk}/submit/", {"intent": "recurrence", "recurrence_of": visible.pk}
    )

    lesson.refresh_from_db()
    assert response.status_code == 302
    assert lesson.recurrence_of == visible
    assert lesson.status == Lesson.Status.SUBMITTED


def test_a_recurrence_of_a_lesson_one_may_not_see_is_refused(
    client, contributor, project_a, similar_lessons
):
    _, hidden = similar_lessons
    client.force_login(contributor)
    lesson = submit_similar(client, project_a)

    for chosen in (hidden.pk, "", "abc"):
        response = client.post(
            f"/lessons/{lesson.pk}/submit/", {"intent": "recurrence", "recurrence_of": chosen}
        )
        assert response.status_code == 400
        assert "Choose the earlier lesson" in response.content.decode()
        assert hidden.title not in response.content.decode()
    lesson.refresh_from_db()
    assert lesson.recurrence_of is None
    assert lesson.status == Lesson.Status.DRAFT


def test_submit_anyway_submits_without_a_link(client, contributor, project_a, similar_lessons):
    client.force_login(contributor)
    lesson = submit_similar(client, project_a)

    client.post(f"/lessons/{lesson.pk}/submit/", {"intent": "submit"})

    lesson.refresh_from_db()
    assert lesson.status == Lesson.Status.SUBMITTED
    assert lesson.recurrence_of is None


def test_someone_elses_draft_cannot_be_submitted(client, contributor, reader, project_a):
    draft = LessonFactory(project=project_a, submitted_by=contributor, status="draft")
    client.force_login(reader)
    assert client.post(f"/lessons/{draft.pk}/submit/", {"intent": "submit"}).status_code == 404
    draft.refresh_from_db()
    assert draft.status == Lesson.Status.DRAFT


def test_a_draft_with_no_lookalikes_is_submitted_from_its_own_page(client, contributor, project_a):
    draft = LessonFactory(
        project=project_a, submitted_by=contributor, status="draft", title="Unusual zebra"
    )
    client.force_login(contributor)
    assert f"/lessons/{draft.pk}/submit/" in client.get(draft.get_absolute_url()).content.decode()
    page = client.get(f"/lessons/{draft.pk}/submit/").content.decode()
    assert "No recorded lesson looks like" in page
    client.post(f"/lessons/{draft.pk}/submit/", {"intent": "submit"})
    draft.refresh_from_db()
    assert draft.status == Lesson.Status.SUBMITTED


def test_a_garbled_choice_of_earlier_lesson_is_refused_not_a_server_error(
    client, contributor, project_a, similar_lessons
):
    client.force_login(contributor)
    lesson = submit_similar(client, project_a)
    for garbled in ("²", "9" * 30, "-1"):
        response = client.post(
            f"/lessons/{lesson.pk}/submit/", {"intent": "recurrence", "recurrence_of": garbled}
        )
        assert response.status_code == 400
    lesson.refresh_from_db()
    assert lesson.status == Lesson.Status.DRAFT and lesson.recurrence_of is None
