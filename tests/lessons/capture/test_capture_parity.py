"""One capture path: the pages and the API record, edit and submit a lesson the same way.

For the same input, the capture pages (/lessons/new/, /lessons/<id>/edit/, .../submit/) and
the API (/api/lessons/...) save the same fields and tags, write the same history (who, and
why), refuse the same edits with the same conflict, link the same recurrence and refuse the
same requests. Each test runs one surface on one lesson and the other on its twin.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from lessons import workflow
from lessons.capture.forms import LESSON_DETAIL_FIELDS, LESSON_QUICK_FIELDS
from lessons.history import attribute_change
from lessons.models import Category, Lesson
from tests.factories import LessonFactory, PhaseFactory, UserFactory
from tests.lessons.capture.conftest import NEW, edit_url, loaded_form, quick

Status = Lesson.Status


def api(client, method: str, url: str, data: dict | None = None):
    return getattr(client, method)(url, json.dumps(data or {}), content_type="application/json")


def saved(lesson: Lesson) -> dict:
    """What is saved of a lesson: every field the capture form writes, its tags, status,
    author, recurrence link and version."""
    lesson = Lesson.objects.get(pk=lesson.pk)
    fields = {
        name: getattr(lesson, Lesson._meta.get_field(name).attname)
        for name in (*LESSON_QUICK_FIELDS, *LESSON_DETAIL_FIELDS)
        if name != "tags"
    }
    return {
        **fields,
        "tags": sorted(lesson.tags.names()),
        "status": lesson.status,
        "submitted_by": lesson.submitted_by_id,
        "recurrence_of": lesson.recurrence_of_id,
        "version": lesson.version,
    }


def history(lesson: Lesson) -> list[tuple]:
    """Each save of the lesson: what kind, by whom, why, and the status and version it left."""
    rows = lesson.history.order_by("history_id")
    return list(
        rows.values_list(
            "history_type", "history_user_id", "history_change_reason", "status", "version"
        )
    )


def twins(**fields) -> tuple[Lesson, Lesson]:
    """Two lessons alike in everything but their id: one for the page, one for the API."""
    fields.setdefault("title", "Rehearse the cutover twice")
    return LessonFactory(**fields), LessonFactory(**fields)


@pytest.fixture
def earlier(db, project_a):
    return LessonFactory(title="Cutover rehearsals were skipped", project=project_a)


@pytest.fixture
def hidden(db, project_b):
    """A lesson the contributor may not see."""
    return LessonFactory(project=project_b, visibility=Lesson.Visibility.RESTRICTED)


# -- recording -------------------------------------------------------------------------------


def test_recording_saves_the_same_draft_and_history_through_both(client, contributor, project_a):
    phase = PhaseFactory(project=project_a, name="Execution")
    schedule = Category.objects.get(slug="schedule")
    occurred = timezone.localdate() - timedelta(days=10)
    common = {
        "title": "Rehearse the cutover twice",
        "recommendation": "Run two full rehearsals before go-live.",
        "kind": "improvement",
        "summary": "One rehearsal was not enough.",
        "context": "The first rehearsal found broken records.",
        "impact": "high",
        "likelihood": "likely",
        "occurred_on": str(occurred),
        "visibility": "project",
    }
    client.force_login(contributor)
    page = client.post(
        NEW,
        {
            **common,
            "project": project_a.pk,
            "phase": phase.pk,
            "category": schedule.pk,
            "tags": "cutover, go-live",
            "intent": "save",
        },
    )
    response = api(
        client,
        "post",
        "/api/lessons/",
        {
            **common,
            "project": "PRJ-A",
            "phase": "Execution",
            "category": "schedule",
            "tags": ["cutover", "go-live"],
        },
    )

    assert page.status_code == 302 and response.status_code == 201, response.content
    by_page = Lesson.objects.get(pk=page["Location"].rstrip("/").rsplit("/", 1)[1])
    by_api = Lesson.objects.get(pk=response.json()["id"])
    assert saved(by_page) == saved(by_api)
    assert saved(by_api)["tags"] == ["cutover", "go-live"]
    assert saved(by_api)["status"] == Status.DRAFT
    assert history(by_page) == history(by_api) == [("+", contributor.pk, None, "draft", 1)]


def test_the_form_refuses_the_same_input_with_the_same_messages_through_both(
    client, contributor, project_b
):
    future = str(timezone.localdate() + timedelta(days=2))
    client.force_login(contributor)
    data = {**quick(project_b), "occurred_on": future, "intent": "save"}
    page = client.post(NEW, data)
    response = api(
        client,
        "post",
        "/api/lessons/",
        {**quick(project_b), "project": "PRJ-B", "occurred_on": future},
    )

    assert page.status_code == 200 and response.status_code == 400
    page_errors = {name: list(errors) for name, errors in page.context["form"].errors.items()}
    assert page_errors == response.json()
    assert set(page_errors) == {"project", "occurred_on"}
    assert not Lesson.objects.exists()


def test_a_reader_may_record_through_neither(client, reader, project_a):
    client.force_login(reader)
    assert client.post(NEW, {**quick(project_a), "intent": "save"}).status_code == 403
    response = api(client, "post", "/api/lessons/", {**quick(project_a), "project": "PRJ-A"})
    assert response.status_code == 403
    assert not Lesson.objects.exists()


# -- editing ---------------------------------------------------------------------------------


def test_the_authors_edit_of_their_draft_is_the_same_through_both(client, contributor, project_a):
    by_page, by_api = twins(
        project=project_a, submitted_by=contributor, status=Status.DRAFT, tags=["cutover"]
    )
    client.force_login(contributor)
    change = {"title": "Rehearse the cutover three times", "summary": "Twice was not enough."}
    page = client.post(
        edit_url(by_page),
        {**loaded_form(client, by_page), **change, "tags": "rehearsal, cutover", "intent": "save"},
    )
    response = api(
        client,
        "patch",
        f"/api/lessons/{by_api.pk}/",
        {**change, "tags": ["rehearsal", "cutover"], "version": by_api.version},
    )

    assert page.status_code == 302 and response.status_code == 200, response.content
    assert saved(by_page) == saved(by_api)
    assert saved(by_api)["tags"] == ["cutover", "rehearsal"]
    assert history(by_page) == history(by_api)
    assert history(by_api)[-1] == ("~", contributor.pk, None, "draft", 2)


def test_a_curators_edit_keeps_the_same_reason_and_tells_the_author_through_both(
    client, curator, contributor, project_a, mailoutbox, django_capture_on_commit_callbacks
):
    by_page, by_api = twins(project=project_a, submitted_by=contributor)
    client.force_login(curator)
    reason = "Named the supplier's process, not the person"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            edit_url(by_page),
            {
                **loaded_form(client, by_page),
                "summary": "Clearer.",
                "change_reason": reason,
                "intent": "save",
            },
        )
        api(
            client,
            "patch",
            f"/api/lessons/{by_api.pk}/",
            {"summary": "Clearer.", "change_reason": reason, "version": by_api.version},
        )

    assert saved(by_page) == saved(by_api)
    assert saved(by_api)["status"] == Status.PUBLISHED
    assert history(by_page) == history(by_api)
    assert history(by_api)[-1] == ("~", curator.pk, reason, "published", 2)
    assert [mail.to for mail in mailoutbox] == [[contributor.email]] * 2
    assert all(reason in mail.body for mail in mailoutbox)


def test_a_stale_edit_is_refused_with_the_same_conflict_through_both(
    client, contributor, curator, project_a
):
    by_page, by_api = twins(
        project=project_a, submitted_by=contributor, status=Status.DRAFT, title="Original title"
    )
    client.force_login(contributor)
    typed = loaded_form(client, by_page)  # version 1, as the author opened it
    for lesson in (by_page, by_api):  # then the curator saves each
        lesson.title = "Curator's title"
        attribute_change(lesson, by=curator, reason="Shorter")
        lesson.save()
    before = saved(by_page)

    page = client.post(edit_url(by_page), {**typed, "title": "Mine", "intent": "save"})
    response = api(client, "patch", f"/api/lessons/{by_api.pk}/", {"title": "Mine", "version": 1})

    assert page.status_code == response.status_code == 409
    conflict, body = page.context["conflict"], response.json()
    page_changes = [(change.label, change.before, change.after) for change in conflict.changes]
    api_changes = [
        (change["field"], change["before"], change["after"]) for change in body["changes"]
    ]
    assert page_changes == api_changes == [("Title", "Original title", "Curator's title")]
    assert conflict.saved_by == body["saved_by"] == "Clara Curator"
    assert conflict.current_version == body["current_version"] == 2
    assert saved(by_page) == saved(by_api) == before  # nothing saved


def test_a_draft_submitted_while_its_author_edits_is_a_conflict_through_both(
    client, contributor, project_a
):
    by_page, by_api = twins(project=project_a, submitted_by=contributor, status=Status.DRAFT)
    client.force_login(contributor)
    typed = loaded_form(client, by_page)
    for lesson in (by_page, by_api):
        workflow.submit(lesson, by=contributor)
    before = saved(by_page)

    page = client.post(edit_url(by_page), {**typed, "title": "Late", "intent": "save"})
    response = api(client, "patch", f"/api/lessons/{by_api.pk}/", {"title": "Late", "version": 1})

    assert page.status_code == response.status_code == 409
    assert page.context["conflict"].current_version == response.json()["current_version"] == 2
    assert page.context["can_save"] is False
    # Knowing the current version does not help: a submitted lesson is the curators'.
    current = {**typed, "version": 2, "title": "Late", "intent": "save"}
    assert client.post(edit_url(by_page), current).status_code == 403
    response = api(client, "patch", f"/api/lessons/{by_api.pk}/", {"title": "Late", "version": 2})
    assert response.status_code == 403
    assert saved(by_page) == saved(by_api) == before


def test_someone_elses_lesson_is_refused_through_both(client, contributor, project_a):
    lesson = LessonFactory(project=project_a, title="Published by someone else")
    others_draft = LessonFactory(project=project_a, status=Status.DRAFT, submitted_by=UserFactory())
    client.force_login(contributor)
    page = client.post(edit_url(lesson), {**quick(project_a), "version": 1, "intent": "save"})
    response = api(client, "patch", f"/api/lessons/{lesson.pk}/", {"title": "x", "version": 1})
    assert page.status_code == response.status_code == 403
    # A draft is its author's: nobody else may even see it.
    assert client.post(edit_url(others_draft), {"version": 1}).status_code == 404
    response = api(client, "patch", f"/api/lessons/{others_draft.pk}/", {"version": 1})
    assert response.status_code == 404
    assert (
        client.post(f"/lessons/{others_draft.pk}/submit/", {"intent": "submit"}).status_code == 404
    )
    assert api(client, "post", f"/api/lessons/{others_draft.pk}/submit/").status_code == 404
    assert Lesson.objects.get(pk=others_draft.pk).status == Status.DRAFT
    assert Lesson.objects.get(pk=lesson.pk).title == "Published by someone else"


# -- submitting ------------------------------------------------------------------------------


def test_a_recurrence_link_is_the_same_through_both(client, contributor, project_a, earlier):
    by_page, by_api = twins(project=project_a, submitted_by=contributor, status=Status.DRAFT)
    client.force_login(contributor)
    page = client.post(
        f"/lessons/{by_page.pk}/submit/", {"intent": "recurrence", "recurrence_of": earlier.pk}
    )
    response = api(
        client, "post", f"/api/lessons/{by_api.pk}/submit/", {"recurrence_of": earlier.pk}
    )

    assert page.status_code == 302 and response.status_code == 200, response.content
    assert saved(by_page) == saved(by_api)
    assert saved(by_api)["recurrence_of"] == earlier.pk
    assert saved(by_api)["status"] == Status.SUBMITTED
    assert history(by_page) == history(by_api)
    assert history(by_api)[-2:] == [
        ("~", contributor.pk, None, "draft", 2),
        ("~", contributor.pk, "Submitted for review", "submitted", 3),
    ]


def test_an_earlier_lesson_one_may_not_see_is_refused_through_both(
    client, contributor, project_a, hidden
):
    by_page, by_api = twins(project=project_a, submitted_by=contributor, status=Status.DRAFT)
    before = saved(by_page)
    client.force_login(contributor)
    page = client.post(
        f"/lessons/{by_page.pk}/submit/", {"intent": "recurrence", "recurrence_of": hidden.pk}
    )
    response = api(
        client, "post", f"/api/lessons/{by_api.pk}/submit/", {"recurrence_of": hidden.pk}
    )

    assert page.status_code == response.status_code == 400
    assert "Choose the earlier lesson" in page.content.decode()
    assert "recurrence_of" in response.json()
    assert hidden.title not in page.content.decode() + response.content.decode()
    assert saved(by_page) == saved(by_api) == before
    assert history(by_page) == history(by_api)


def test_a_lesson_no_longer_a_draft_is_not_submitted_again_through_either(
    client, contributor, project_a
):
    by_page, by_api = twins(project=project_a, submitted_by=contributor, status=Status.SUBMITTED)
    client.force_login(contributor)
    page = client.post(f"/lessons/{by_page.pk}/submit/", {"intent": "submit"}, follow=True)
    response = api(client, "post", f"/api/lessons/{by_api.pk}/submit/")

    assert "This lesson has already been submitted." in page.content.decode()
    assert response.status_code == 409
    assert response.json() == {"detail": "Only a draft can be submitted."}
    assert history(by_page) == history(by_api) == [("+", None, None, "submitted", 1)]
