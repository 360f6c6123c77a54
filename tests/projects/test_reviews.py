"""Phase review sessions: the manager opens one, the team adds lessons in one sitting, and
closing it submits every draft together. Pat manages project A; Colin contributes to it;
Maya is another contributor on the team; Otto contributes elsewhere."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import policy
from accounts.roles import CONTRIBUTOR
from lessons import workflow
from lessons.models import Category, Lesson
from projects.models import PhaseReview
from projects.services import ReviewError, close_review
from tests.factories import (
    LessonFactory,
    MembershipFactory,
    PhaseFactory,
    PhaseReviewFactory,
    UserFactory,
)


@pytest.fixture
def manager(project_a):
    user = UserFactory(username="pm", first_name="Pat", last_name="Manager", role=CONTRIBUTOR)
    MembershipFactory(project=project_a, user=user, role="manager")
    return user


@pytest.fixture
def colleague(project_a):
    user = UserFactory(username="maya", first_name="Maya", last_name="Member", role=CONTRIBUTOR)
    MembershipFactory(project=project_a, user=user)
    return user


@pytest.fixture
def outsider(db):
    """Otto contributes to other projects, not to project A."""
    return UserFactory(username="otto", first_name="Otto", last_name="Outside", role=CONTRIBUTOR)


@pytest.fixture
def planning(project_a):
    return PhaseFactory(project=project_a, name="Planning", order=2)


@pytest.fixture
def session(project_a, planning, manager):
    return PhaseReviewFactory(project=project_a, phase=planning, facilitator=manager)


def url(review: PhaseReview, suffix: str = "") -> str:
    return f"/projects/{review.project.code}/reviews/{review.pk}/{suffix}"


def lesson_data(**overrides) -> dict:
    return {
        "title": "Book migration rehearsals with finance early",
        "recommendation": "Agree every rehearsal date with the data owners at planning.",
        "kind": "went_wrong",
        "impact": "high",
        "visibility": "organisation",
        "summary": "",
        "category": "",
        "tags": "",
        **overrides,
    }


def add(client, review, **overrides):
    """Post a lesson and follow to the page, as a browser would (which shows the message)."""
    return client.post(url(review), lesson_data(**overrides), follow=True)


def text(response) -> str:
    return response.content.decode()


def main_region(response) -> str:
    page = text(response)
    return page[page.find("<main") : page.rfind("</main>")]


# -- opening --------------------------------------------------------------------------------------


def test_manager_opens_a_session_with_today_and_themselves_as_defaults(
    client, manager, project_a, planning
):
    client.force_login(manager)
    form = client.get(f"/projects/{project_a.code}/reviews/new/")
    assert form.status_code == 200
    assert form.context["form"].initial["held_on"] == timezone.localdate()
    assert form.context["form"].initial["facilitator"] == manager.pk

    response = client.post(
        f"/projects/{project_a.code}/reviews/new/",
        {"phase": planning.pk, "held_on": "2026-03-12", "facilitator": manager.pk, "notes": "1h"},
    )
    review = PhaseReview.objects.get(project=project_a)
    assert response.status_code == 302
    assert response["Location"] == url(review)
    assert (review.status, review.phase, review.facilitator) == ("open", planning, manager)
    assert str(review.held_on) == "2026-03-12"
    assert "The session is open" in text(client.get(response["Location"]))


@pytest.mark.parametrize("persona", ["contributor", "reader", "curator"])
def test_only_the_manager_or_an_administrator_opens_sessions(
    client, request, db, persona, project_a, planning
):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(f"/projects/{project_a.code}/reviews/new/").status_code == 403
    response = client.post(
        f"/projects/{project_a.code}/reviews/new/",
        {"phase": planning.pk, "held_on": "2026-03-12"},
    )
    assert response.status_code == 403
    assert not PhaseReview.objects.exists()


def test_an_administrator_opens_a_session_for_any_project(client, administrator, project_b):
    client.force_login(administrator)
    response = client.post(
        f"/projects/{project_b.code}/reviews/new/",
        {"phase": "", "held_on": "2026-03-12", "facilitator": administrator.pk},
    )
    assert response.status_code == 302
    review = PhaseReview.objects.get(project=project_b)
    assert review.phase is None and review.status == "open"


def test_opening_with_bad_input_shows_errors_and_keeps_the_notes(
    client, manager, project_a, project_b
):
    other_phase = PhaseFactory(project=project_b, name="Execution")
    client.force_login(manager)
    response = client.post(
        f"/projects/{project_a.code}/reviews/new/",
        {"phase": other_phase.pk, "held_on": "not a date", "notes": "Bring the risk log"},
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"phase", "held_on", "facilitator"}
    assert "Bring the risk log" in text(response)
    assert "Please check the form" in text(response)
    assert not PhaseReview.objects.exists()


def test_project_page_offers_sessions_to_the_team_and_opening_to_the_manager(
    client, manager, contributor, reader, session, project_a
):
    client.force_login(manager)
    page = text(client.get(f"/projects/{project_a.code}/"))
    assert "Open a review session" in page and url(session) in page
    assert "A review session is open" in page

    client.force_login(contributor)
    page = text(client.get(f"/projects/{project_a.code}/"))
    assert "Open a review session" not in page and url(session) in page

    client.force_login(reader)
    page = text(client.get(f"/projects/{project_a.code}/"))
    assert url(session) not in page and "Review sessions" not in page


# -- who sees the session page -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("manager", 200),
        ("contributor", 200),
        ("curator", 200),
        ("administrator", 200),
        ("reader", 404),
        ("outsider", 404),
    ],
)
def test_the_team_curators_and_administrators_see_a_session_others_get_404(
    client, request, db, session, persona, status
):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url(session)).status_code == status


def test_a_session_is_only_found_under_its_own_project(client, curator, session, project_b):
    client.force_login(curator)
    assert client.get(f"/projects/{project_b.code}/reviews/{session.pk}/").status_code == 404


def test_a_non_member_cannot_read_a_project_only_lesson_through_a_session(
    client, session, reader, contributor
):
    LessonFactory(
        project=session.project, review=session, visibility="project", title="Team-only marker"
    )
    client.force_login(contributor)
    assert "Team-only marker" in text(client.get(url(session)))
    client.force_login(reader)
    response = client.get(url(session))
    assert response.status_code == 404
    assert "Team-only marker" not in text(response)


# -- capturing ------------------------------------------------------------------------------------


def test_members_add_several_lessons_in_a_row_each_kept(client, session, contributor, planning):
    client.force_login(contributor)
    titles = ["First lesson of the day", "Second lesson", "Third lesson, on suppliers"]
    for title in titles:
        response = add(client, session, title=title)
        assert response.redirect_chain == [(url(session), 302)]
        assert f"Added &quot;{title}&quot; to the session" in text(response)
        assert not response.context["form"].is_bound  # a fresh, empty form for the next one

    lessons = Lesson.objects.filter(review=session).order_by("pk")
    assert [lesson.title for lesson in lessons] == titles
    for lesson in lessons:
        assert lesson.status == "draft"
        assert lesson.project_id == session.project_id
        assert lesson.phase == planning
        assert lesson.submitted_by == contributor
    assert list(session.attendees.all()) == [contributor]

    page = client.get(url(session))
    assert all(title in text(page) for title in titles)
    assert {lesson.title for lesson in page.context["my_lessons"]} == set(titles)
    assert "3 lessons</strong> you can see" in text(page)


def test_optional_fields_and_tags_are_saved(client, session, contributor):
    client.force_login(contributor)
    add(
        client,
        session,
        summary="Two rehearsals fell in month-end.",
        category=Category.objects.get(slug="schedule").pk,
        tags="data migration, cutover",
        visibility="project",
    )
    lesson = Lesson.objects.get(review=session)
    assert lesson.summary == "Two rehearsals fell in month-end."
    assert lesson.category.slug == "schedule"
    assert sorted(tag.name for tag in lesson.tags.all()) == ["cutover", "data migration"]
    assert lesson.visibility == "project"


def test_a_lesson_with_errors_is_not_added_and_the_typed_text_stays(client, session, contributor):
    client.force_login(contributor)
    typed = "Agree the cutover weekend with the retail team before booking the supplier."
    response = add(
        client, session, title="", recommendation=typed, kind="", tags="x" * 120, summary="Kept"
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"title", "kind", "tags"}
    page = text(response)
    assert typed in page and "Kept" in page
    assert "Please check the form" in page
    assert not Lesson.objects.exists()


@pytest.mark.parametrize(
    ("persona", "status"), [("outsider", 404), ("reader", 404), ("curator", 403)]
)
def test_only_contributors_on_the_team_add_lessons(client, request, db, session, persona, status):
    client.force_login(request.getfixturevalue(persona))
    assert add(client, session).status_code == status
    assert not Lesson.objects.exists()


def test_a_team_member_who_is_a_reader_gets_no_form(client, session, reader):
    MembershipFactory(project=session.project, user=reader)
    client.force_login(reader)
    response = client.get(url(session))
    assert response.status_code == 200 and response.context["form"] is None
    assert add(client, session).status_code == 403
    assert not Lesson.objects.exists()


def test_attendees_do_not_see_each_others_drafts(client, session, contributor, colleague):
    client.force_login(colleague)
    add(client, session, title="Draft by Maya about the vendor")
    client.force_login(contributor)
    add(client, session, title="Draft by Colin about testing")

    page = client.get(url(session))
    assert "Draft by Colin about testing" in text(page)
    assert "Draft by Maya" not in text(page)
    assert "1 lesson</strong> you can see" in text(page)  # Maya's draft is not counted either
    assert "2 people attending" in text(page)


def test_a_manager_sees_only_what_the_access_rule_gives_them(
    client, session, manager, contributor, curator
):
    client.force_login(contributor)
    add(client, session, title="Draft by Colin")
    client.force_login(manager)
    assert "Draft by Colin" not in text(client.get(url(session)))
    client.force_login(curator)
    assert "Draft by Colin" in text(client.get(url(session)))


# -- attendance -----------------------------------------------------------------------------------


def test_the_manager_ticks_attendees_and_the_page_lists_them(
    client, session, manager, contributor, colleague
):
    client.force_login(manager)
    response = client.post(url(session, "attendees/"), {"attendees": [contributor.pk, manager.pk]})
    assert response.status_code == 302
    assert set(session.attendees.all()) == {contributor, manager}

    client.force_login(colleague)
    page = client.get(url(session))
    attendees = main_region(page).split('id="attendees-title"')[1]
    assert "Colin Contributor" in attendees and "Pat Manager" in attendees
    assert "Maya Member" not in attendees
    assert "2 people attending" in text(page)


def test_only_team_members_can_be_ticked_and_only_by_the_manager(
    client, session, manager, contributor, outsider
):
    client.force_login(manager)
    client.post(url(session, "attendees/"), {"attendees": [outsider.pk]})
    assert not session.attendees.exists()

    client.force_login(contributor)
    response = client.post(url(session, "attendees/"), {"attendees": [contributor.pk]})
    assert response.status_code == 403
    assert not session.attendees.exists()


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


# -- query counts ---------------------------------------------------------------------------------


def _session_page_queries(client, review) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url(review)).status_code == 200
    return len(queries)


# Both: session, user, the session with its project, phase and facilitator, roles, the
# membership checks, the lesson count, the attendees, their own lessons with tags, others'
# lessons. The manager (3 membership checks): attendance already ticked and its choices,
# categories for the form; others' lessons are drafts they may not see, so no tags for them.
# The curator (4 checks: not on the team, so may-manage is asked too) sees others' drafts
# with their tags, gets no form, and the navigation counts the curation queue.
SESSION_PAGE_QUERIES = {"manager": 15, "curator": 15}


@pytest.mark.parametrize("persona", list(SESSION_PAGE_QUERIES))
def test_the_session_page_runs_a_fixed_number_of_queries(
    client, request, db, session, contributor, persona
):
    user = request.getfixturevalue(persona)
    client.force_login(user)

    def grow(n: int) -> None:
        for i in range(n):
            member = UserFactory(role=CONTRIBUTOR)
            MembershipFactory(project=session.project, user=member)
            session.attendees.add(member)
            for author in (member, user):
                LessonFactory(
                    project=session.project,
                    review=session,
                    status="draft",
                    submitted_by=author,
                    tags=[f"tag-{i}", "shared"],
                )

    grow(2)
    small = _session_page_queries(client, session)
    grow(15)
    large = _session_page_queries(client, session)
    assert small == large == SESSION_PAGE_QUERIES[persona]
