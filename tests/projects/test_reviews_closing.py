"""Phase review sessions, closing: the manager closes a session and every draft captured in it
is submitted together; anonymous lessons forget their author; the policy rule that lets the
manager submit those drafts."""

from __future__ import annotations

import re

import pytest

from accounts import policy
from lessons import workflow
from lessons.models import Lesson
from projects.services import ReviewError, close_review
from tests.factories import LessonFactory, PhaseReviewFactory
from tests.projects.sessions import add, main_region, text, url

# -- closing --------------------------------------------------------------------------------------


def test_closing_submits_every_draft_of_the_session_together(
    client, session, manager, contributor, colleague, planning
):
    for user, title in [(contributor, "Colin one"), (contributor, "Colin two"), (colleague, "M")]:
        client.force_login(user)
        add(client, session, title=title)
    unrelated = LessonFactory(project=session.project, status="draft", submitted_by=contributor)

    client.force_login(manager)
    confirm = client.get(url(session, "close/"))
    assert confirm.status_code == 200
    assert "Close and submit 3 lessons" in text(confirm)
    assert session.lessons.filter(status="submitted").count() == 0  # a GET changes nothing

    response = client.post(url(session, "close/"))
    assert response.status_code == 302 and response["Location"] == url(session)
    session.refresh_from_db()
    assert session.status == "closed"
    lessons = list(session.lessons.all())
    assert len(lessons) == 3
    assert {(lesson.status, lesson.phase_id) for lesson in lessons} == {("submitted", planning.pk)}
    unrelated.refresh_from_db()
    assert unrelated.status == "draft"  # only the session's own drafts

    page = client.get(url(session))
    assert "Session closed: 3 lessons sent to the curators." in text(page)
    assert page.context["form"] is None


@pytest.mark.parametrize("persona", ["contributor", "curator"])
def test_only_the_manager_or_an_administrator_closes_a_session(
    client, request, db, session, persona
):
    draft = LessonFactory(project=session.project, review=session, status="draft")
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url(session, "close/")).status_code == 403
    assert client.post(url(session, "close/")).status_code == 403
    session.refresh_from_db()
    draft.refresh_from_db()
    assert (session.status, draft.status) == ("open", "draft")


def test_an_administrator_closes_any_session(client, session, administrator):
    client.force_login(administrator)
    client.post(url(session, "close/"))
    session.refresh_from_db()
    assert session.status == "closed"


def test_a_closed_session_refuses_new_lessons_and_hands_back_the_text(
    client, session, manager, contributor
):
    client.force_login(manager)
    client.post(url(session, "close/"))

    client.force_login(contributor)
    page = client.get(url(session))
    assert page.context["form"] is None and 'name="recommendation"' not in text(page)
    response = add(client, session, title="Too late", recommendation="Typed after the close")
    assert response.status_code == 409 and not response.redirect_chain
    assert "This session is closed" in text(response)
    assert "Typed after the close" in text(response)  # nothing typed is lost
    assert not Lesson.objects.exists()
    assert client.post(url(session, "close/")).status_code == 403


def test_closing_twice_only_says_it_is_closed(client, session, manager):
    client.force_login(manager)
    client.post(url(session, "close/"))
    response = client.post(url(session, "close/"), follow=True)
    assert "already closed" in text(response)


def test_a_draft_without_the_lesson_text_stays_a_draft_and_the_message_says_so(
    client, session, manager, contributor
):
    client.force_login(contributor)
    add(client, session, title="Complete")
    unfinished = LessonFactory(
        project=session.project,
        review=session,
        status="draft",
        recommendation="  ",
        submitted_by=contributor,
    )
    client.force_login(manager)
    assert "1 draft has no lesson text yet" in text(client.get(url(session, "close/")))
    response = client.post(url(session, "close/"), follow=True)
    assert "1 lesson sent to the curators" in text(response)
    assert "1 draft had no lesson text yet and stays a draft" in text(response)
    unfinished.refresh_from_db()
    assert unfinished.status == "draft"
    assert session.lessons.get(title="Complete").status == "submitted"
    session.refresh_from_db()
    assert session.status == "closed"


def test_closing_is_all_or_nothing(session, manager, contributor, monkeypatch):
    first, second = (
        LessonFactory(project=session.project, review=session, status="draft", title=title)
        for title in ("First", "Second")
    )
    real_submit = workflow.submit

    def failing_submit(lesson, *, by):
        if lesson.pk == second.pk:
            raise workflow.TransitionError("Only a draft can be submitted.")
        return real_submit(lesson, by=by)

    monkeypatch.setattr(workflow, "submit", failing_submit)
    with pytest.raises(ReviewError, match='"Second" could not be submitted'):
        close_review(session, by=manager)
    first.refresh_from_db()
    session.refresh_from_db()
    assert (first.status, session.status) == ("draft", "open")


def test_a_failed_close_says_so_and_leaves_the_session_open(client, session, manager, monkeypatch):
    LessonFactory(project=session.project, review=session, status="draft", title="Stuck")

    def refuse(lesson, *, by):
        raise workflow.TransitionError("Only a draft can be submitted.")

    monkeypatch.setattr(workflow, "submit", refuse)
    client.force_login(manager)
    response = client.post(url(session, "close/"), follow=True)
    assert "The session is still open" in text(response)
    session.refresh_from_db()
    assert session.status == "open"


# -- anonymity ------------------------------------------------------------------------------------


def test_an_anonymous_session_lesson_forgets_its_author_when_the_session_closes(
    client, session, manager, contributor, curator
):
    client.force_login(contributor)
    add(client, session, title="Anonymous about the sponsor", is_anonymous="on")
    lesson = Lesson.objects.get(review=session)
    assert lesson.is_anonymous and lesson.submitted_by == contributor  # the author's draft
    # An anonymous lesson leaves no trace in the attendance; the manager ticks it instead.
    assert not session.attendees.exists()
    client.force_login(manager)
    client.post(url(session, "attendees/"), {"attendees": [contributor.pk, manager.pk]})

    client.post(url(session, "close/"))
    lesson.refresh_from_db()
    assert lesson.status == "submitted"
    assert lesson.submitted_by is None
    history = Lesson.history.filter(id=lesson.pk)
    assert not history.filter(submitted_by=contributor).exists()
    assert not history.filter(history_user=contributor).exists()

    # Curators see the lesson and the attendees, but nothing ties the two together.
    client.force_login(curator)
    page = client.get(url(session))
    assert "Colin Contributor" in main_region(page).split('id="attendees-title"')[1]
    card = re.search(r'<li class="lesson-card">.*?</li>\s*</ul>', main_region(page), re.DOTALL)
    assert "Anonymous about the sponsor" in card.group(0)
    assert not re.search(r"Colin|Contributor|colin", card.group(0))
    assert "Colin" not in text(client.get(f"/lessons/{lesson.pk}/")).split("<main")[1]

    # ...and the author no longer finds it under their own lessons.
    client.force_login(contributor)
    assert "Anonymous about the sponsor" not in text(client.get(url(session)))


# -- the policy rule -------------------------------------------------------------------------------


def test_a_manager_may_submit_the_drafts_of_their_projects_open_sessions_only(
    session, manager, contributor, project_b
):
    in_session = LessonFactory(project=session.project, review=session, status="draft")
    outside = LessonFactory(project=session.project, status="draft")
    other_session = PhaseReviewFactory(project=project_b)
    elsewhere = LessonFactory(project=project_b, review=other_session, status="draft")

    assert policy.can_submit_lesson(manager, in_session) is True
    assert policy.can_submit_lesson(manager, outside) is False
    assert policy.can_submit_lesson(manager, elsewhere) is False
    assert policy.can_submit_lesson(contributor, in_session) is False  # a member, not manager

    session.status = "closed"
    session.save()
    in_session.refresh_from_db()
    assert policy.can_submit_lesson(manager, in_session) is False  # the author's again
    in_session.status = "submitted"
    assert policy.can_submit_lesson(manager, in_session) is False
